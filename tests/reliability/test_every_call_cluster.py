"""Cluster updates, predictions and evaluations in the table of wrong calls: each is refused by name, with
what was expected and what came, and changes nothing (the bandit's state and its random generator)."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")

import pybandits  # noqa: E402
from pybandits import cli, cluster  # noqa: E402
from pybandits.cluster import jobs  # noqa: E402
from pybandits.cmab import CmabBernoulli  # noqa: E402
from pybandits.smab import SmabBernoulli, SmabBernoulliMO  # noqa: E402


@dataclass(frozen=True)
class Wrong:
    name: str
    mab: Any
    call: Any
    error: type[Exception]
    argument: str
    detail: str = ""


def contextual():
    return CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=2, update_kwargs={"num_steps": 10}, random_seed=0)


def logs(n=20, **changes):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"action": rng.choice(["a", "b"], n), "reward": rng.integers(0, 2, n)})
    frame["x0"], frame["x1"], frame["propensity"] = rng.normal(size=n), rng.normal(size=n), 0.5
    return frame.assign(**changes)


def frame(**changes):
    return dd.from_pandas(logs(**changes), npartitions=2)


TABLE = [
    Wrong(
        "update data a pandas frame", contextual, lambda m: cluster.update(m, logs()), TypeError, "data", "DataFrame"
    ),
    Wrong("update client text", contextual, lambda m: cluster.update(m, frame(), client="x"), TypeError, "client"),
    Wrong(
        "update progressbar text",
        contextual,
        lambda m: cluster.update(m, frame(), progressbar="yes", client=False),
        TypeError,
        "progressbar",
    ),
    Wrong("update not a bandit", contextual, lambda m: cluster.update("mab", frame()), TypeError, "mab", "str"),
    Wrong(
        "update a missing path",
        contextual,
        lambda m: cluster.update(m, "/nowhere/logs/", client=False),
        ValueError,
        "data",
        "no such file or folder",
    ),
    Wrong(
        "update an unknown action",
        contextual,
        lambda m: cluster.update(m, frame(action="zz"), client=False),
        ValueError,
        "partition 0",
        "'zz'",
    ),
    Wrong(
        "update a reward the family refuses",
        contextual,
        lambda m: cluster.update(m, frame(reward=2), client=False),
        ValueError,
        "partition 0",
        "reward",
    ),
    Wrong(
        "update an empty dataset",
        contextual,
        lambda m: cluster.update(m, dd.from_pandas(logs(0), npartitions=1), client=False),
        ValueError,
        "partition)",
        "empty dataset",
    ),
    Wrong(
        "update stochastic one-row partitions of text rewards",
        lambda: SmabBernoulli.cold_start(action_ids=["a", "b"]),
        lambda m: cluster.update(
            m, dd.from_pandas(logs(2)[["action", "reward"]].assign(reward="yes"), npartitions=2), client=False
        ),
        ValueError,
        "partition 0",
        "reward",
    ),
    Wrong(
        "update a multi-objective bandit",
        lambda: SmabBernoulliMO.cold_start(action_ids=["a", "b"], n_objectives=2),
        lambda m: cluster.update(m, frame(), client=False),
        ValueError,
        "mab",
        "one reward column",
    ),
    Wrong(
        "update with change detection",
        lambda: SmabBernoulli.cold_start(action_ids=["a", "b"], change_detection=True),
        lambda m: cluster.update(m, frame(), client=False),
        ValueError,
        "mab",
        "change detection",
    ),
    Wrong(
        "predict n_draws 0", contextual, lambda m: cluster.predict(m, frame(), n_draws=0), ValueError, "n_draws", "0"
    ),
    Wrong(
        "predict propensity text",
        contextual,
        lambda m: cluster.predict(m, frame(), propensity="yes"),
        TypeError,
        "propensity",
    ),
    Wrong(
        "predict a stochastic bandit",
        lambda: SmabBernoulli.cold_start(action_ids=["a", "b"]),
        lambda m: cluster.predict(m, frame()),
        TypeError,
        "mab",
        "SmabBernoulli",
    ),
    Wrong(
        "action_probabilities n_draws -1",
        contextual,
        lambda m: cluster.action_probabilities(m, frame(), n_draws=-1),
        ValueError,
        "n_draws",
    ),
    Wrong(
        "evaluate an unknown estimator",
        contextual,
        lambda m: cluster.evaluate(m, frame(), estimators=["nope"], client=False),
        ValueError,
        "estimators",
        "nope",
    ),
    Wrong(
        "evaluate n_bootstrap 0",
        contextual,
        lambda m: cluster.evaluate(m, frame(), n_bootstrap=0, client=False),
        ValueError,
        "n_bootstrap",
    ),
    Wrong(
        "evaluate a propensity of 0",
        contextual,
        lambda m: cluster.evaluate(m, frame(propensity=0.0), estimators=["ipw"], client=False),
        ValueError,
        "partition 0",
        "propensity",
    ),
]


@pytest.mark.parametrize("wrong", TABLE, ids=[wrong.name for wrong in TABLE])
def test_a_wrong_cluster_call_is_named_and_changes_nothing(wrong):
    mab = wrong.mab()
    before = mab.get_state(), mab._rng.bit_generator.state
    with pytest.raises(wrong.error) as caught:
        wrong.call(mab)
    message = str(caught.value)
    assert f"{wrong.argument}:" in message or f"{wrong.argument}," in message, message
    assert "expected" in message, message
    assert wrong.detail in message, message
    assert (mab.get_state(), mab._rng.bit_generator.state) == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler: expected the address of a running Dask scheduler"),
        (["--scheduler", "local:0"], "--scheduler: expected local:N with N an integer >= 1, got 'local:0'"),
        (["--workers", "2"], "--workers: with a dataset or --scheduler the workers are Dask's"),
    ],
    ids=["unreachable-scheduler", "local-zero", "workers-with-a-dataset"],
)
def test_a_wrong_scheduler_exits_2_and_writes_nothing(tmp_path, capsys, monkeypatch, arguments, message):
    monkeypatch.setattr(jobs, "CONNECT_TIMEOUT", 1)
    pybandits.save(contextual(), tmp_path / "state.json")
    (tmp_path / "logs").mkdir()
    logs().drop(columns="propensity").to_parquet(tmp_path / "logs" / "day-0.parquet")
    before = (tmp_path / "state.json").read_bytes()
    code = cli.main(
        [
            "update",
            "--state",
            str(tmp_path / "state.json"),
            "--data",
            str(tmp_path / "logs"),
            "--out",
            str(tmp_path / "state.json"),
            "--quiet",
            *arguments,
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert (tmp_path / "state.json").read_bytes() == before
