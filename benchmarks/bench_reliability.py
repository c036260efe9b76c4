"""Reliability section: the cost of migrating states of the original library, and of safe loading."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import warnings
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "data" / "legacy"


def _median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def run() -> None:
    import pybandits
    from pybandits.legacy import from_old_state
    from pybandits.smab import SmabBernoulli

    print("\n## Reliability: migration and loading")
    warnings.simplefilter("ignore")
    fixture = json.loads((FIXTURES / "pybandits-5.0.0.json").read_text())
    for name in ("smab_classic", "cmab_hidden", "cmab_mo"):
        case = fixture["bandits"][name]
        ms = _median_ms(lambda case=case: from_old_state(case["class_name"], case["state"], random_seed=0), 50)
        print(
            f"from_old_state, original 5.0.0 {case['class_name']} ({name}, {len(case['state']):,} chars): {ms:.2f} ms"
        )

    actions = {f"action-{i}": {"n_successes": 1 + i % 7, "n_failures": 1 + i % 5} for i in range(5000)}
    old = json.dumps(
        {
            "actions_manager": {"actions": actions, "delta": None, "actions_with_change": []},
            "strategy": {},
            "epsilon": None,
            "default_action": None,
            "version": "5.0.0",
        }
    )
    ms = _median_ms(lambda: from_old_state("SmabBernoulli", old, random_seed=0), 10)
    print(f"from_old_state, original SmabBernoulli with 5,000 actions: {ms:.1f} ms")

    mab = SmabBernoulli.cold_start(action_ids=list(actions), random_seed=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mab.json"
        save_ms = _median_ms(lambda: pybandits.save(mab, path), 10)
        load_ms = _median_ms(lambda: pybandits.load(path), 10)
    print(
        f"save / load, SmabBernoulli with 5,000 actions (atomic write + fsync / parse + validate): "
        f"{save_ms:.1f} ms / {load_ms:.1f} ms"
    )

    _checks()


def _checks() -> None:
    """What the checks added by the hostile probe cost on the reading path, and forbidden regions' decomposition."""
    import numpy as np
    import pandas as pd

    from pybandits.cmab import CmabBernoulli
    from pybandits.model.regions import allowed_boxes

    rng = np.random.default_rng(0)
    mab = CmabBernoulli.cold_start(
        action_ids=["a", "b", "c"],
        n_features=3,
        feature_names=["x", "y", "plan"],
        categorical_features={"plan": [f"p{i}" for i in range(50)]},
        random_seed=0,
    )
    frame = pd.DataFrame(
        {"x": rng.normal(size=10_000), "y": rng.normal(size=10_000), "plan": rng.choice(mab.vocabularies[2], 10_000)}
    )
    ms = _median_ms(lambda: mab.predict(context=frame), 20)
    print(f"predict, DataFrame of 10,000 rows with a 50-level categorical column (every value checked): {ms:.1f} ms")
    starts = np.sort(rng.random(20_000))
    ms = _median_ms(lambda: allowed_boxes(np.zeros(1), np.ones(1), starts[:, None], starts[:, None] + 1e-6), 20)
    print(f"allowed part of [0, 1] minus 20,000 forbidden intervals (sorted merge): {ms:.2f} ms")
    corners = rng.random((200, 2)) * 0.9
    ms = _median_ms(lambda: allowed_boxes(np.zeros(2), np.ones(2), corners, corners + 0.05), 5)
    print(f"allowed part of [0, 1]^2 minus 200 forbidden squares (box subtraction): {ms:.1f} ms")
