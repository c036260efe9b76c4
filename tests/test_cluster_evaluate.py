"""pybandits.cluster.evaluate: the in-memory report from partitions' sums; bad data named by partition and row."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from dask import delayed  # noqa: E402

from pybandits import cluster  # noqa: E402
from pybandits.boundary.tabular import DataError  # noqa: E402
from pybandits.cluster.evaluation import _POISSON  # noqa: E402
from pybandits.cmab import CmabBernoulli, CmabBernoulliCC, CmabGaussianMO  # noqa: E402
from pybandits.offline import evaluate as in_memory  # noqa: E402
from pybandits.offline.seeds import Seeds, folds  # noqa: E402
from pybandits.smab import SmabBernoulli  # noqa: E402

ACTIONS = ["a", "b", "c"]
FAST = {"num_steps": 30}
MODEL_FREE = ["replay", "ipw", "snipw", "sg_ipw"]
MODEL_BASED = ["dm", "dr", "sndr", "switch_dr", "dros", "sg_dr"]


def _logs(n: int, seed: int, propensity: bool = True) -> pd.DataFrame:
    """Rows a uniform logger played; action a pays more where x0 is large."""
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n, 2))
    played = rng.choice(ACTIONS, n)
    chance = 1 / (1 + np.exp(-context[:, 0] * np.where(played == "a", 2.0, -1.0)))
    frame = pd.DataFrame({"action": played, "reward": (rng.random(n) < chance).astype(int)})
    frame[["x0", "x1"]] = context
    if propensity:
        frame["propensity"] = 1 / 3
    return frame


def _values(report: pd.DataFrame) -> pd.Series:
    return report.set_index("estimator")["value"]


@pytest.fixture(scope="module")
def learned():
    logs = _logs(600, seed=1)
    mab = CmabBernoulli.cold_start(action_ids=ACTIONS, n_features=2, update_kwargs={"num_steps": 100}, random_seed=0)
    mab.update(logs["action"].tolist(), logs["reward"].to_numpy(), logs[["x0", "x1"]].to_numpy())
    return mab


@pytest.fixture(scope="module")
def stochastic():
    mab = SmabBernoulli.cold_start(action_ids=ACTIONS, random_seed=0)
    mab.update(actions=["a"] * 30 + ["b"] * 30, rewards=[1] * 20 + [0] * 10 + [1] * 5 + [0] * 25)
    return mab


# --------------------------------------------------------------------------------------------------------------------
# Equal to the in-memory evaluation


def test_a_policy_of_exact_probabilities_gives_the_in_memory_estimates():
    mab = CmabBernoulli.cold_start(action_ids=ACTIONS, n_features=2, epsilon=1.0, random_seed=0)
    _, probabilities = mab.model_copy(deep=True).action_probabilities(np.zeros((4, 2)), n_draws=5)
    assert (probabilities == 1 / 3).all()  # epsilon 1: uniform exactly, whatever the draws
    logs = _logs(1000, seed=2)
    logs["propensity"] = np.random.default_rng(0).uniform(0.2, 1.0, len(logs))  # weights that vary
    before = mab.get_state()
    kwargs = {"estimators": MODEL_FREE + MODEL_BASED, "n_draws": 10, "n_bootstrap": 200, "random_seed": 1}
    kwargs["reward_model_kwargs"] = FAST  # the cross-fitted logistic regressions: fitted where the rows lie
    report = cluster.evaluate(mab, dd.from_pandas(logs, npartitions=5), client=False, **kwargs)
    expected = in_memory(mab, logs, **kwargs)
    assert mab.get_state() == before  # the bandit, its generator included, is unchanged
    assert list(report.columns) == list(expected.columns) and report.attrs == expected.attrs
    assert report["estimator"].tolist() == [*MODEL_FREE, *MODEL_BASED, "logged"]
    np.testing.assert_allclose(report["value"], expected["value"], rtol=0, atol=1e-9)
    assert (report["lower"] < report["value"]).all() and (report["value"] < report["upper"]).all()


def test_partitions_evaluated_in_chunks_give_the_same_estimates(monkeypatch):
    # a contextual policy of exact probabilities (its context sliced per chunk) and a cross-fitted model
    mab = CmabBernoulli.cold_start(action_ids=ACTIONS, n_features=2, epsilon=1.0, random_seed=0)
    logs = _logs(600, seed=8)
    logs["propensity"] = np.random.default_rng(1).uniform(0.2, 1.0, len(logs))
    kwargs = {"estimators": ["ipw", "dm", "dr"], "n_draws": 5, "n_bootstrap": 100, "random_seed": 2}
    kwargs["reward_model_kwargs"] = FAST
    whole = cluster.evaluate(mab, dd.from_pandas(logs, npartitions=3), client=False, **kwargs)
    monkeypatch.setattr("pybandits.cluster.evaluation.chunk_rows", lambda spec: 37)
    chunked = cluster.evaluate(mab, dd.from_pandas(logs, npartitions=3), client=False, **kwargs)
    np.testing.assert_allclose(chunked["value"], whole["value"], rtol=0, atol=1e-9)
    spread = chunked.set_index("estimator")["std"] / whole.set_index("estimator")["std"]
    assert spread.between(0.7, 1.4).all(), spread  # other Poisson weights, the same law


def test_a_stochastic_bandit_gives_the_in_memory_estimates_for_the_same_seed(stochastic):
    logs = _logs(900, seed=3).drop(columns=["x0", "x1"])
    frame = dd.from_pandas(logs, npartitions=3)
    kwargs = {"estimators": MODEL_FREE + MODEL_BASED, "n_bootstrap": 100, "random_seed": 4}
    kwargs["hyperparameters"] = {"sg_ipw": {"lambda_": 0.5}}
    for data, rows in ((frame, logs), (frame.drop(columns="propensity"), logs.drop(columns="propensity"))):
        report = cluster.evaluate(stochastic, data, client=False, **kwargs)
        expected = in_memory(stochastic, rows, **kwargs)
        np.testing.assert_allclose(report["value"], expected["value"], rtol=0, atol=1e-9)
        assert report.attrs == expected.attrs
    assert report.attrs["propensities"].startswith("estimated: each action's frequency in the logs;")
    # a different seed draws other probabilities: the estimates follow the seed, not a constant
    other = cluster.evaluate(stochastic, frame, client=False, **{**kwargs, "random_seed": 5})
    assert _values(other)["ipw"] != _values(report)["ipw"]


def test_a_learned_policy_agrees_within_its_monte_carlo_error(learned):
    logs = _logs(2000, seed=5)
    kwargs = {"estimators": ["ipw", "snipw"], "n_draws": 100, "n_bootstrap": 300, "random_seed": 6}
    report = cluster.evaluate(learned, dd.from_pandas(logs, npartitions=4), client=False, **kwargs)
    expected = in_memory(learned, logs, **kwargs)
    # the standard error of ipw's Monte Carlo part: each row's probability is a mean of n_draws selections
    _, policy = learned.model_copy(deep=True).action_probabilities(logs[["x0", "x1"]].to_numpy(), n_draws=1000)
    p = policy[np.arange(len(logs)), pd.Index(ACTIONS).get_indexer(logs["action"])]
    weighted = logs["reward"].to_numpy() / logs["propensity"].to_numpy()
    se = math.sqrt(np.sum(weighted**2 * p * (1 - p) / kwargs["n_draws"])) / len(logs)
    gap = abs(_values(report)["ipw"] - _values(expected)["ipw"])
    assert gap < 4 * math.sqrt(2) * se, (gap, se)  # two independent Monte Carlo draws
    assert gap > 0  # drawn per partition, not as in memory
    assert _values(report)["logged"] == pytest.approx(logs["reward"].mean(), abs=1e-12)
    # the Poisson bootstrap's spread is the multinomial one's, to its own Monte Carlo error
    spread = report.set_index("estimator")["std"] / expected.set_index("estimator")["std"]
    assert spread.between(0.8, 1.25).all(), spread


def test_the_cross_fitted_model_is_each_folds_complement(stochastic):
    logs = _logs(301, seed=7).drop(columns=["x0", "x1"])
    frame = dd.from_pandas(logs, npartitions=3)
    report = cluster.evaluate(stochastic, frame, estimators=["dm"], n_bootstrap=20, random_seed=8, client=False)
    assert report.attrs["reward_model"] == "cross-fitted (2 folds): per-action posterior mean"
    # by hand: the folds by position in the whole dataset, whatever the partitions
    seeds = Seeds.of(8)
    fold = folds(seeds.folds, 0, len(logs), 2)
    assert sorted(np.bincount(fold).tolist()) == [150, 151]  # balanced
    assert (fold[:300].reshape(150, 2).sum(axis=1) == 1).all()  # every pair of rows: one in each fold
    assert 0.3 < np.mean(fold[0:300:2]) < 0.7  # rotated at random, not alternating
    policy = stochastic.model_copy(deep=True)
    policy.reseed(seeds.policy)
    _, one_row = policy.action_probabilities(n_draws=100)
    values = np.empty(len(logs))
    for k in (0, 1):
        model = SmabBernoulli.cold_start(action_ids=ACTIONS)
        model.update(logs["action"][fold != k].tolist(), logs["reward"][fold != k].tolist())
        values[fold == k] = one_row[0] @ np.array([model.actions[a].mean for a in ACTIONS])
    assert _values(report)["dm"] == pytest.approx(values.mean(), abs=1e-12)


def test_a_partition_that_changes_between_passes_is_named(stochastic, tmp_path):
    logs = _logs(60, seed=9).drop(columns=["x0", "x1"])
    for k in range(2):
        logs.iloc[30 * k : 30 * (k + 1)].to_parquet(tmp_path / f"day{k}.parquet")
    frame = dd.read_parquet(str(tmp_path))
    grown = pd.concat([logs.iloc[30:], logs.iloc[:5]])

    def growing(part, index):  # the second partition gains rows after the first pass has counted it
        return part if index == 0 or not _seen.setdefault(index, False) else grown

    _seen: dict[int, bool] = {}
    parts = [delayed(growing)(part, k) for k, part in enumerate(frame.to_delayed())]

    def mark(part, index):
        _seen[index] = True
        return part

    counted = [delayed(mark)(part, k) for k, part in enumerate(parts)]
    changing = dd.from_delayed(counted, meta=frame._meta, verify_meta=False)
    with pytest.raises(DataError, match=r"expected the 30 rows counted in the first pass, got 35"):
        cluster.evaluate(stochastic, changing, estimators=["dm"], n_bootstrap=5, random_seed=0, client=False)


def test_a_csv_folder_with_categories_costs_and_a_fitted_reward_model(tmp_path):
    mab = CmabBernoulliCC.cold_start(
        action_ids_cost={"a": 1.0, "b": 3.0},
        n_features=2,
        feature_names=["x", "country"],
        categorical_features={"country": ["FR", "DE"]},
        update_kwargs=FAST,
        random_seed=0,
    )
    rng = np.random.default_rng(0)
    logs = pd.DataFrame(
        {
            "action": rng.choice(["a", "b"], 240),
            "reward": rng.integers(0, 2, 240),
            "country": rng.choice(["FR", "DE", "IT"], 240),  # IT: never seen by the bandit
            "x": rng.normal(size=240),
        }
    )
    for k in range(3):
        logs.iloc[80 * k : 80 * (k + 1)].to_csv(tmp_path / f"day{k}.csv", index=False)
    kwargs = {"estimators": ["ipw", "dr"], "n_draws": 30, "n_bootstrap": 50, "random_seed": 0}
    report = cluster.evaluate(mab, tmp_path, client=False, reward_model_kwargs=FAST, **kwargs)
    frequencies = logs["action"].map(logs["action"].value_counts(normalize=True))  # the cluster's propensities
    expected = in_memory(mab, logs.assign(propensity=frequencies), **kwargs)
    assert (
        report["estimator"].tolist() == expected["estimator"].tolist() == ["ipw", "dr", "logged", "cost", "logged_cost"]
    )
    values = _values(report)
    assert values["logged_cost"] == pytest.approx(_values(expected)["logged_cost"], abs=1e-12)
    assert values["cost"] == pytest.approx(_values(expected)["cost"], abs=0.05)  # Monte Carlo, 30 draws per row
    assert abs(values["dr"] - _values(expected)["dr"]) < 2 * expected.set_index("estimator").loc["dr", "std"]
    assert report.attrs["n_rows"] == 240 and report.attrs["propensities"] == (
        "estimated: each action's frequency in the logs (a cluster evaluation fits no contextual model of the "
        "logging policy); assumes a logging policy that ignores the context"
    )


def test_the_poisson_table_is_poisson_within_its_resolution():
    masses = np.bincount(_POISSON.astype(int)) / 2**16
    exact = np.array([math.exp(-1) / math.factorial(k) for k in range(len(masses))])
    assert np.abs(masses - exact).max() <= 2**-16 and len(masses) >= 8


# --------------------------------------------------------------------------------------------------------------------
# Refusals and bad data, named; the bandit unchanged


def _frame_of(pieces: list[pd.DataFrame]) -> dd.DataFrame:
    return dd.from_delayed(
        [delayed(lambda p: p)(piece) for piece in pieces], meta=pieces[0].iloc[:0], verify_meta=False
    )


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda p: p.drop(columns="reward"), r"partition 1: expected the columns .*, missing \['reward'\]"),
        (
            lambda p: p.assign(propensity=[0.5, 0.0, 0.5, 0.5]),
            r"partition 1: row 1 of the partition .*, column 'propensity': "
            r"expected a probability in \(0, 1\].*got 0.0",
        ),
        (
            lambda p: p.assign(propensity=[0.5, 0.5, 0.5, np.nan]),
            r"partition 1: row 3 .*'propensity': expected a finite",
        ),
        (lambda p: p.assign(action=["a", "z", "a", "a"]), r"partition 1: row 1 .*column 'action': expected one of"),
        (lambda p: p.assign(reward=[1, 0, 2, 1]), r"partition 1: row 2 .*column 'reward'"),
        (lambda p: p.iloc[:0], None),  # an empty partition is no error
    ],
)
@pytest.mark.parametrize("estimators", [["ipw"], ["dm"]])
def test_bad_rows_are_named_by_partition_and_row(stochastic, spoil, message, estimators):
    good = pd.DataFrame({"action": ["a", "b", "c", "a"], "reward": [1, 0, 1, 1], "propensity": 0.5})
    frame = _frame_of([good, spoil(good), good])
    before = stochastic.get_state()
    if message is None:
        report = cluster.evaluate(stochastic, frame, estimators, n_bootstrap=10, random_seed=0, client=False)
        assert report.attrs["n_rows"] == 8
        return
    with pytest.raises(DataError, match=message):
        cluster.evaluate(stochastic, frame, estimators, n_bootstrap=10, random_seed=0, client=False)
    assert stochastic.get_state() == before


def _unreadable(piece: pd.DataFrame) -> pd.DataFrame:
    raise OSError("the file vanished")


def test_a_partition_that_cannot_be_read_is_named(stochastic):
    good = pd.DataFrame({"action": ["a", "b"], "reward": [1, 0], "propensity": 0.5})
    pieces = [delayed(lambda p: p)(good), delayed(_unreadable)(good), delayed(lambda p: p)(good)]
    frame = dd.from_delayed(pieces, meta=good.iloc[:0], verify_meta=False)
    for names in (["ipw"], ["dm"]):  # the evaluation pass, and the first pass
        with pytest.raises(DataError, match=r"partition 1: the file vanished"):
            cluster.evaluate(stochastic, frame, names, n_bootstrap=10, client=False)


def test_an_empty_dataset_is_refused(stochastic, tmp_path):
    empty = pd.DataFrame({"action": pd.Series(dtype=str), "reward": pd.Series(dtype=float), "propensity": 0.5})
    before = stochastic.get_state()
    for data in (dd.from_pandas(empty, npartitions=1), _frame_of([empty, empty])):
        for names in (["ipw"], ["dm"]):
            with pytest.raises(DataError, match=r"expected at least one logged row, got an empty dataset"):
                cluster.evaluate(stochastic, data, names, n_bootstrap=10, client=False)
    with pytest.raises(DataError, match="missing"):
        cluster.evaluate(stochastic, dd.from_pandas(empty.drop(columns="reward"), npartitions=1), client=False)
    with pytest.raises(DataError, match="no such file or folder"):
        cluster.evaluate(stochastic, tmp_path / "nothing", client=False)
    assert stochastic.get_state() == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"estimators": ["ipw", "magic"]}, ValueError, "estimators: expected names among"),
        ({"n_folds": 1}, ValueError, "n_folds: expected at least 2"),
        ({"level": 1.5}, ValueError, r"level: expected a number in \(0, 1\)"),
        ({"hyperparameters": {"dros": {"lambda_": -1.0}}}, ValueError, r"hyperparameters: dros: lambda_"),
        ({"reward_model_kwargs": {"num_steps": 10}}, TypeError, "reward_model_kwargs: a stochastic bandit's"),
        ({"progressbar": "yes"}, TypeError, "progressbar: expected True, False or None"),
        ({"client": "tcp://nowhere"}, TypeError, "client: expected a distributed.Client"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_read(stochastic, kwargs, error, message):
    frame = dd.from_pandas(pd.DataFrame({"action": ["a"], "reward": [1], "propensity": [1.0]}), npartitions=1)
    with pytest.raises(error, match=message):
        cluster.evaluate(stochastic, frame, **{"client": False, **kwargs})


def test_bandits_a_cluster_evaluation_does_not_serve_are_refused_by_name():
    frame = dd.from_pandas(pd.DataFrame({"action": ["a"], "reward": [1], "x": [0.0]}), npartitions=1)
    several = CmabGaussianMO.cold_start(action_ids={"a", "b"}, n_features=1, n_objectives=2)
    with pytest.raises(ValueError, match="mab: a cluster evaluation reads one reward column, got a multi-objective"):
        cluster.evaluate(several, frame, client=False)
    quantitative = CmabBernoulli.cold_start(
        action_ids=["a"], quantitative_action_ids={"q": 1}, n_features=1, hidden_dim_list=[4]
    )
    with pytest.raises(ValueError, match="mab: CmabBernoulli has quantitative actions"):
        cluster.evaluate(quantitative, frame, client=False)
    with pytest.raises(TypeError, match="mab: expected a pybandits bandit"):
        cluster.evaluate("mab.json", frame, client=False)


# --------------------------------------------------------------------------------------------------------------------
# On a cluster


@pytest.fixture(scope="module")
def client(worker_compiledirs, learned):
    """Two worker processes of one thread, 1 GiB each, compiling in slots seeded from this process (``learned``)."""
    worker_compiledirs()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit="1GiB", dashboard_address=":0", processes=True
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


def test_a_cluster_gives_the_report_of_this_process_bit_for_bit(client, learned):
    logs = _logs(400, seed=9)
    kwargs = {"estimators": ["ipw", "dm", "sndr"], "n_draws": 20, "n_bootstrap": 50, "random_seed": 1}
    frame = dd.from_pandas(logs, npartitions=4)
    before = learned.get_state()
    there = cluster.evaluate(learned, frame, client=client, reward_model_kwargs=FAST, **kwargs)
    here = cluster.evaluate(learned, frame, client=False, reward_model_kwargs=FAST, **kwargs)
    pd.testing.assert_frame_equal(there, here, check_exact=True)
    assert there.attrs == here.attrs and learned.get_state() == before
    assert there.attrs["reward_model"] == "cross-fitted (2 folds): per-action regression on the context"


def test_bad_rows_on_a_cluster_are_named_by_partition(client, stochastic):
    good = pd.DataFrame({"action": ["a", "b", "c", "a"], "reward": [1, 0, 1, 1], "propensity": 0.5})
    frame = _frame_of([good, good, good.assign(propensity=[0.5, 0.5, 1.5, 0.5])])
    before = stochastic.get_state()
    with pytest.raises(DataError, match=r"partition 2: row 2 of the partition .*'propensity'"):
        cluster.evaluate(stochastic, frame, ["dr"], n_bootstrap=10, client=client)
    assert stochastic.get_state() == before
    report = cluster.evaluate(stochastic, _frame_of([good] * 3), ["dr"], n_bootstrap=10, random_seed=0, client=client)
    expected = cluster.evaluate(stochastic, _frame_of([good] * 3), ["dr"], n_bootstrap=10, random_seed=0, client=False)
    pd.testing.assert_frame_equal(report, expected, check_exact=True)


def test_a_worker_killed_during_an_evaluation_is_replaced_and_the_report_is_the_same(client, learned):
    # the bandit travels in the task graph: scattered, it would be lost with the worker that held it
    import os
    import signal
    import threading
    import time

    logs = _logs(4000, seed=12)
    kwargs = {"estimators": ["ipw", "snipw"], "n_draws": 400, "n_bootstrap": 50, "random_seed": 3}
    frame = dd.from_pandas(logs, npartitions=8)
    expected = cluster.evaluate(learned, frame, client=False, **kwargs)
    outcome = {}

    def run():
        try:
            outcome["report"] = cluster.evaluate(learned, frame, client=client, **kwargs)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        for worker, keys in client.processing().items():
            if any("_partition_sums" in str(key) for key in keys):
                os.kill(client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
                killed = worker
                break
        time.sleep(0.02)
    thread.join(timeout=600)
    assert killed is not None, "no partition was seen being evaluated on a worker"
    assert "error" not in outcome, outcome.get("error")
    pd.testing.assert_frame_equal(outcome["report"], expected, check_exact=True)
    client.wait_for_workers(2, timeout=60)
