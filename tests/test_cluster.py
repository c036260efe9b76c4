"""Updates, predictions and probabilities over Dask datasets equal the single-process ones, all or nothing.

Most tests run in this process (Dask's synchronous scheduler: the same graph and tasks); the ones
marked by the ``cluster`` fixture run on a real ``distributed.LocalCluster`` of two worker processes
with a memory limit.
"""

import os

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from pybandits import cluster  # noqa: E402
from pybandits.boundary.tabular import DataError  # noqa: E402
from pybandits.cmab import CmabBernoulli, CmabGaussian  # noqa: E402
from pybandits.engines.plan import plan_groups  # noqa: E402
from pybandits.exceptions import FitError  # noqa: E402
from pybandits.smab import SmabBernoulli, SmabBernoulliMO, SmabGaussian  # noqa: E402

ACTIONS = ["a", "b", "c", "d"]
STEPS = {"num_steps": 30}


def logs(n_rows=400, seed=0, gaussian=False, segment=False):
    """Logged rows of four actions with skewed traffic, two numeric features (and a categorical one)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "action": rng.choice(ACTIONS, n_rows, p=[0.5, 0.3, 0.15, 0.05]),
            "reward": rng.normal(5.0, 2.0, n_rows) if gaussian else rng.integers(0, 2, n_rows),
            "x0": rng.normal(size=n_rows),
            "x1": rng.normal(size=n_rows),
        }
    )
    if segment:
        frame["segment"] = rng.choice(["fr", "de", "it", "es"], n_rows, p=[0.4, 0.3, 0.2, 0.1])
    return frame


def contextual(cls=CmabBernoulli, **settings):
    update_kwargs = {**STEPS, **settings.pop("update_kwargs", {})}
    return cls.cold_start(action_ids=ACTIONS, n_features=2, random_seed=3, update_kwargs=update_kwargs, **settings)


def single_process(mab, frame):
    """``mab`` updated by ``mab.update`` on the whole table, in its order."""
    features = frame.drop(columns=["action", "reward"])
    context = features if "segment" in features else features.to_numpy()
    mab.update(frame["action"].tolist(), frame["reward"].to_numpy(), context)
    return mab


def assert_same_networks(left, right, tolerance=1e-9):
    assert left.vocabularies == right.vocabularies
    for action_id in left.actions:
        a, b = left.actions[action_id], right.actions[action_id]
        assert a.stats == b.stats
        for layer_a, layer_b in zip(a.network.layers, b.network.layers, strict=True):
            for name in ("weight", "bias"):
                for moment in ("mu", "sigma"):
                    got = np.asarray(getattr(getattr(layer_b, name), moment))
                    expected = np.asarray(getattr(getattr(layer_a, name), moment))
                    np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance)


@pytest.fixture(scope="module")
def cluster_client(worker_compiledirs):
    """Two worker processes of one thread, 1 GiB each, workers compiling in slots seeded from this process."""
    single_process(contextual(update_kwargs={"actions_per_fit": 1}), logs(60))  # compiled here, copied to workers
    worker_compiledirs()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit="1GiB", processes=True, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


# -- stochastic bandits: merged sufficient statistics ---------------------------------------------------


@pytest.mark.parametrize("decay_factor", [None, 0.99])
@pytest.mark.parametrize("cls", [SmabBernoulli, SmabGaussian])
def test_stochastic_update_equals_single_process(cls, decay_factor):
    frame = logs(500, gaussian=cls is SmabGaussian)[["action", "reward"]]
    one = cls.cold_start(action_ids=ACTIONS, decay_factor=decay_factor)
    one.update(frame["action"].tolist(), frame["reward"].tolist())
    two = cls.cold_start(action_ids=ACTIONS, decay_factor=decay_factor)
    report = cluster.update(two, dd.from_pandas(frame, npartitions=4), client=False)
    assert (report.n_rows, report.n_partitions, report.path, report.n_fits) == (500, 4, "sufficient statistics", 0)
    for action_id in ACTIONS:
        left, right = one.actions[action_id].model_dump(), two.actions[action_id].model_dump()
        for key, value in left.items():
            if isinstance(value, float):
                assert right[key] == pytest.approx(value, rel=1e-12, abs=1e-12), (action_id, key)
            else:
                assert right[key] == value, (action_id, key)


# -- networks per action: the same rows, seeds and groups ----------------------------------------------


@pytest.mark.parametrize(
    ("cls", "settings"),
    [
        (CmabBernoulli, {}),
        (CmabBernoulli, {"decay_factor": 0.995}),
        (CmabBernoulli, {"update_kwargs": {"actions_per_fit": 1}}),
        (CmabGaussian, {}),
    ],
    ids=["bernoulli", "forgetting", "one-action-per-fit", "gaussian"],
)
def test_network_update_equals_single_process(cls, settings):
    frame = logs(400, gaussian=cls is CmabGaussian)
    expected = single_process(contextual(cls, **dict(settings)), frame)
    mab = contextual(cls, **dict(settings))
    report = cluster.update(mab, dd.from_pandas(frame, npartitions=3), client=False)
    counts = frame["action"].value_counts()
    plan = plan_groups(contextual(cls, **dict(settings)).actions, [(a, counts[a], 0) for a in ACTIONS])
    assert report.n_fits == len(plan)  # the groups a single-process update fits
    # a few small networks are fitted in one graph (no shuffle); one action per fit shuffles the rows
    assert report.n_rows == 400 and report.path == ("shuffle" if len(plan) > 1 else "no shuffle")
    assert_same_networks(expected, mab)
    assert mab._rng.bit_generator.state == expected._rng.bit_generator.state  # one seed per played action


def test_categorical_vocabularies_are_learned_in_one_reduction():
    frame = logs(300, segment=True)
    make = lambda: CmabBernoulli.cold_start(  # noqa: E731
        action_ids=ACTIONS,
        n_features=3,
        feature_names=["x0", "x1", "segment"],
        categorical_features={"segment": 6},
        update_kwargs=STEPS,
        random_seed=3,
    )
    expected = single_process(make(), frame)
    mab = make()
    cluster.update(mab, dd.from_pandas(frame, npartitions=4), client=False)
    first_seen = list(dict.fromkeys(frame["segment"]))
    assert mab.vocabularies == expected.vocabularies == {2: first_seen}
    assert_same_networks(expected, mab)


def test_a_dataset_partitioned_by_action_is_fitted_without_a_shuffle(tmp_path):
    frame = logs(300)
    for action_id, rows in frame.groupby("action", sort=True):
        (tmp_path / f"action={action_id}").mkdir()
        rows.drop(columns="action").to_parquet(tmp_path / f"action={action_id}" / "part.parquet")
    in_dataset_order = frame.sort_values("action", kind="stable")  # the folders' order, rows in order within each
    expected = single_process(contextual(update_kwargs={"actions_per_fit": 1}), in_dataset_order)
    mab = contextual(update_kwargs={"actions_per_fit": 1})
    report = cluster.update(mab, tmp_path, client=False)
    assert (report.path, report.n_partitions, report.n_fits) == ("no shuffle", 4, 4)
    assert_same_networks(expected, mab)


def test_cluster_update_on_a_local_cluster_equals_single_process(cluster_client, tmp_path):
    frame = logs(400)
    for day, start in enumerate(range(0, 400, 150)):
        frame.iloc[start : start + 150].to_parquet(tmp_path / f"day-{day}.parquet")
    expected = single_process(contextual(update_kwargs={"actions_per_fit": 1}), frame)
    mab = contextual(update_kwargs={"actions_per_fit": 1})
    report = cluster.update(mab, tmp_path, client=cluster_client)
    assert report.path == "shuffle" and report.where.startswith("the cluster at")
    assert_same_networks(expected, mab)
    smab = SmabBernoulli.cold_start(action_ids=ACTIONS)
    cluster.update(smab, tmp_path, client=cluster_client)
    assert {a: m.n_successes + m.n_failures - 2 for a, m in smab.actions.items()} == frame[
        "action"
    ].value_counts().to_dict()


def test_predictions_do_not_depend_on_where_partitions_run(cluster_client):
    mab = single_process(contextual(), logs(200))
    contexts = dd.from_pandas(logs(90, seed=5)[["x0", "x1"]], npartitions=3)
    seeded = mab.model_copy(deep=True)
    here = cluster.predict(mab, contexts, propensity=True, n_draws=20, client=False).compute()
    there = cluster.predict(seeded, contexts, propensity=True, n_draws=20, client=cluster_client).compute()
    pd.testing.assert_frame_equal(here, there)
    assert list(here.columns) == ["action", "propensity", *(f"sampled_probability_{a}" for a in ACTIONS)]
    assert here["propensity"].between(0, 1).all() and len(here) == 90


def test_action_probabilities_are_each_partitions_own():
    mab = single_process(contextual(), logs(200))
    frame = logs(60, seed=7)[["x0", "x1"]]
    copy = mab.model_copy(deep=True)
    probabilities = cluster.action_probabilities(mab, dd.from_pandas(frame, npartitions=2), 30, client=False).compute()
    assert list(probabilities.columns) == ACTIONS
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    seed = int(copy._rng.integers(2**63))  # the one draw that seeds every partition
    first = copy._with_generator(np.random.default_rng([seed, 0]))
    _, expected = first.action_probabilities(frame.iloc[:30].to_numpy(), n_draws=30)
    np.testing.assert_array_equal(probabilities.iloc[:30].to_numpy(), expected)


# -- all or nothing: bad input, failed fits, a worker that dies ------------------------------------------


def snapshot(mab):
    return mab.get_state(), mab._rng.bit_generator.state


def csv_days(folder, frames):
    for day, rows in enumerate(frames):
        rows.to_csv(folder / f"day-{day}.csv", index=False)
    return str(folder / "*.csv")


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (
            lambda f: f.assign(reward=f["reward"].where(f.index != 5, 3)),
            r"partition 1: row 5 of the partition .*reward",
        ),
        (lambda f: f.assign(action=f["action"].where(f.index != 2, "zz")), r"partition 1: row 2 .*'action'.*'zz'"),
        (
            lambda f: f.drop(columns="x1"),
            r"partition 1: expected 2 feature columns after \['action', 'reward'\], got 1",
        ),
        (lambda f: f.assign(x0="seven"), r"(?s)partition 1.*x0"),
    ],
    ids=["reward-the-family-refuses", "unknown-action", "column-missing-in-a-partition", "text-in-a-number-column"],
)
def test_bad_rows_name_the_partition_and_change_nothing(tmp_path, spoil, message):
    days = [logs(50, seed=day).reset_index(drop=True) for day in range(3)]
    days[1] = spoil(days[1])
    data = csv_days(tmp_path, days)
    bandits = [(contextual(), data)]
    if "row" in message:  # the rows' action or reward: a stochastic bandit's logs hold them too
        bandits.append((SmabBernoulli.cold_start(action_ids=ACTIONS), _without_features(tmp_path, days)))
    for mab, where in bandits:
        before = snapshot(mab)
        with pytest.raises(DataError, match=message):
            cluster.update(mab, where, client=False)
        assert snapshot(mab) == before


def _without_features(folder, days):
    """The same days without feature columns (a stochastic bandit's logs), in a folder of their own."""
    own = folder / "stochastic"
    own.mkdir(exist_ok=True)
    return csv_days(own, [d[[c for c in ("action", "reward") if c in d]] for d in days])


def test_an_empty_dataset_is_refused(tmp_path):
    logs(0).to_parquet(tmp_path / "empty.parquet")
    mab = contextual()
    before = snapshot(mab)
    with pytest.raises(DataError, match="expected at least one row, got an empty dataset"):
        cluster.update(mab, tmp_path, client=False)
    assert snapshot(mab) == before


def test_a_failed_fit_names_its_actions_and_changes_nothing(monkeypatch):
    from pybandits.cluster import updates

    def explode(group):
        raise FloatingPointError("loss is nan")

    monkeypatch.setattr(updates, "fit_group_task", explode)
    mab = contextual(update_kwargs={"actions_per_fit": 1})
    before = snapshot(mab)
    with pytest.raises(FitError, match=r"fit of actions \['[abcd]'\]: FloatingPointError: loss is nan"):
        cluster.update(mab, dd.from_pandas(logs(100), npartitions=2), client=False)
    assert snapshot(mab) == before


@pytest.mark.parametrize(
    ("mab", "message"),
    [
        (contextual(change_detection=True), "without change detection"),
        (
            CmabBernoulli.cold_start(
                action_ids=ACTIONS, n_features=2, backbone_hidden_dim_list=[4], hidden_dim_list=[3]
            ),
            "expected linear heads on a shared trunk",
        ),
        (SmabBernoulliMO.cold_start(action_ids=ACTIONS, n_objectives=2), "one reward column"),
        (SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["dose"]), "without quantitative actions"),
    ],
    ids=["change-detection", "trunk-network-heads", "multi-objective", "quantitative"],
)
def test_bandits_a_cluster_update_does_not_serve_are_refused_by_name(mab, message):
    before = snapshot(mab)
    with pytest.raises(ValueError, match=message):
        cluster.update(mab, dd.from_pandas(logs(20), npartitions=1), client=False)
    assert snapshot(mab) == before


def test_wrong_arguments_are_refused_by_name():
    mab = contextual()
    with pytest.raises(TypeError, match="data: expected a Dask DataFrame, or the path or URL"):
        cluster.update(mab, logs(10), client=False)
    with pytest.raises(TypeError, match="client: expected a distributed.Client, None or False"):
        cluster.update(mab, dd.from_pandas(logs(10), npartitions=1), client="local")
    with pytest.raises(TypeError, match="mab: expected a pybandits bandit"):
        cluster.update("mab", dd.from_pandas(logs(10), npartitions=1), client=False)
    with pytest.raises(DataError, match="no such file or folder"):
        cluster.update(mab, "/nonexistent/logs", client=False)


def test_a_worker_killed_during_the_fits_is_replaced_and_the_result_is_the_same(cluster_client):
    import signal
    import threading
    import time

    frame = logs(2000, seed=11)
    settings = {"update_kwargs": {"num_steps": 3000, "actions_per_fit": 1}}
    expected = single_process(contextual(**dict(settings)), frame)
    mab = contextual(**dict(settings))
    outcome = {}

    def run():
        try:
            outcome["report"] = cluster.update(mab, dd.from_pandas(frame, npartitions=2), client=cluster_client)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        for worker, keys in cluster_client.processing().items():
            if any("_fit_planned" in str(key) for key in keys):
                pid = cluster_client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed = worker
                break
        time.sleep(0.05)
    thread.join(timeout=600)
    assert killed is not None, "no fit was seen running on a worker"
    assert "error" not in outcome, outcome.get("error")
    assert_same_networks(expected, mab)
    cluster_client.wait_for_workers(2, timeout=60)


def test_groups_fitted_in_waves_when_memory_is_short_give_the_same_result(monkeypatch):
    from pybandits.cluster import updates

    monkeypatch.setattr(updates, "WAVE_MEMORY_SHARE", 1e-9)  # every group a wave of its own
    frame = logs(300)
    expected = single_process(contextual(update_kwargs={"actions_per_fit": 1}), frame)
    mab = contextual(update_kwargs={"actions_per_fit": 1})
    waves = []
    original = updates._wave_tasks
    monkeypatch.setattr(updates, "_wave_tasks", lambda *args: waves.append(args[5]) or original(*args))
    cluster.update(mab, dd.from_pandas(frame, npartitions=3), client=False)
    assert sorted(len(wave) for wave in waves) == [1, 1, 1, 1]
    assert_same_networks(expected, mab)


def test_an_fsspec_url_and_a_glob_read_the_same_rows_as_a_folder(tmp_path):
    frame = logs(200)
    for day, start in enumerate(range(0, 200, 80)):
        frame.iloc[start : start + 80].to_parquet(tmp_path / f"day-{day}.parquet")
    results = []
    for data in (tmp_path, f"file://{tmp_path}", str(tmp_path / "day-*.parquet")):
        mab = SmabBernoulli.cold_start(action_ids=ACTIONS)
        report = cluster.update(mab, data, client=False)
        results.append((report.n_rows, report.n_partitions, mab.actions))
    assert results[0][:2] == (200, 3) and results[0] == results[1] == results[2]
