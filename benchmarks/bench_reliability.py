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
