"""A shared trunk updated where the rows lie: a uniform mergeable buffer, heads from every row's sums."""

import itertools

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from scipy import stats  # noqa: E402

from pybandits import cluster  # noqa: E402
from pybandits.boundary.datasets import Partition  # noqa: E402
from pybandits.cluster.scan import RowSpec  # noqa: E402
from pybandits.cluster.trunk import _candidates  # noqa: E402
from pybandits.cmab import CmabBernoulli, CmabGaussian  # noqa: E402
from pybandits.model.backbone.buffer import ReplayBuffer  # noqa: E402
from pybandits.model.family import Bernoulli  # noqa: E402

ACTIONS = ["a", "b", "c"]
WEIGHTS = {"a": [1.0, -1.0], "b": [-1.0, 1.0], "c": [0.5, 0.5]}


def world(n_rows, seed=0, gaussian=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_rows, 2))
    actions = rng.choice(ACTIONS, n_rows)
    signal = np.einsum("ij,ij->i", x, np.array([WEIGHTS[a] for a in actions]))
    reward = signal + rng.normal(size=n_rows) if gaussian else (rng.random(n_rows) < 1 / (1 + np.exp(-signal))) * 1
    return pd.DataFrame({"action": actions, "reward": reward, "x0": x[:, 0], "x1": x[:, 1]})


def trunk_bandit(cls=CmabBernoulli, **settings):
    return cls.cold_start(
        action_ids=ACTIONS,
        n_features=2,
        backbone_hidden_dim_list=[6],
        backbone_kwargs={"buffer_size": 200, "num_steps": 40},
        random_seed=0,
        **settings,
    )


def test_the_merged_buffer_is_a_uniform_sample_of_every_row_seen():
    """7 earlier rows (a buffer of 5 holds 5 of them), then 13 new ones in 3 partitions: each row kept w.p. 5/20."""
    spec = RowSpec([f"r{i}" for i in range(20)], Bernoulli())
    new = pd.DataFrame({"action": [f"r{i}" for i in range(7, 20)], "reward": 1})
    bounds = [0, 4, 9, 13]
    counts = np.zeros(20)
    rng = np.random.default_rng(0)
    for trial in range(3000):
        old = ReplayBuffer.empty(n_features=1, capacity=5).added(
            np.zeros((7, 1)), [f"r{i}" for i in range(7)], np.ones(7), rng
        )
        candidates = [
            _candidates(new.iloc[a:b], Partition("logs", k), spec, a, 5, [trial, k], old.n_seen, None)
            for k, (a, b) in enumerate(itertools.pairwise(bounds))
        ]
        sample = (
            np.zeros((sum(len(c[1]) for c in candidates), 1)),
            [a for c in candidates for a in c[1]],
            np.concatenate([c[2] for c in candidates]),
            np.concatenate([c[3] for c in candidates]),
        )
        merged = old.with_sample(sample, 13, rng)
        assert len(merged) == 5 and merged.n_seen == 20
        for action_id in merged.actions:
            counts[int(action_id[1:])] += 1
    assert stats.chisquare(counts).pvalue > 0.001


@pytest.mark.parametrize(
    ("cls", "decay_factor", "chunk"),
    [
        (CmabBernoulli, None, 65_536),
        (CmabBernoulli, 0.999, 65_536),
        (CmabGaussian, None, 65_536),
        (CmabGaussian, 0.999, 65_536),
        (CmabBernoulli, 0.999, 37),  # partitions of 300 rows read in chunks of 37: the same sums
        (CmabGaussian, 0.999, 37),
    ],
)
def test_heads_are_the_posteriors_of_every_row_through_the_trained_trunk(cls, decay_factor, chunk, monkeypatch):
    monkeypatch.setattr("pybandits.cluster.trunk.HEAD_CHUNK_ROWS", chunk)
    frame = world(900, gaussian=cls is CmabGaussian)
    mab = trunk_bandit(cls, decay_factor=decay_factor)
    report = cluster.update(mab, dd.from_pandas(frame, npartitions=3), client=False)
    assert report.path == "reservoir and sums" and len(mab.backbone.buffer) == 200
    assert mab.backbone.buffer.n_seen == 900
    features = mab.backbone.features(frame[["x0", "x1"]].to_numpy())
    weights = None if decay_factor is None else decay_factor ** np.arange(899, -1, -1, dtype=float)
    cold = trunk_bandit(cls, decay_factor=decay_factor)
    for action_id in ACTIONS:
        rows = (frame["action"] == action_id).to_numpy()
        head = cold.actions[action_id].with_families(mab.families)
        expected = head.posterior(
            features[rows],
            frame["reward"].to_numpy()[rows],
            start=head.mean,
            weights=None if weights is None else weights[rows],
        )
        got = mab.actions[action_id]
        np.testing.assert_allclose(got.mean, expected.mean, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(got.scale_factor, expected.scale_factor, rtol=1e-7, atol=1e-9)
        assert got.stats.n_observations == rows.sum()


def test_a_second_update_counts_the_earlier_rows_through_the_earlier_buffer():
    frame = world(1200, seed=4)
    mab = trunk_bandit()
    cluster.update(mab, dd.from_pandas(frame.iloc[:600], npartitions=2), client=False)
    first = {a: mab.actions[a].scale_factor.copy() for a in ACTIONS}
    cluster.update(mab, dd.from_pandas(frame.iloc[600:], npartitions=2), client=False)
    assert mab.backbone.buffer.n_seen == 1200
    for action_id in ACTIONS:  # twice the rows: a narrower posterior
        assert np.trace(mab.actions[action_id].scale_factor @ mab.actions[action_id].scale_factor.T) < np.trace(
            first[action_id] @ first[action_id].T
        )
    test = np.random.default_rng(9).normal(size=(500, 2))
    _, probabilities = mab.action_probabilities(test, n_draws=40)
    best = np.array([[x @ WEIGHTS[a] for a in ACTIONS] for x in test]).argmax(axis=1)
    assert (probabilities.argmax(axis=1) == best).mean() > 0.85


def test_a_trunk_update_on_a_local_cluster_equals_the_one_in_this_process():
    frame = world(600, seed=2)
    here = trunk_bandit()
    cluster.update(here, dd.from_pandas(frame, npartitions=3), client=False)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit="1GiB", processes=True, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        there = trunk_bandit()
        cluster.update(there, dd.from_pandas(frame, npartitions=3), client=client)
    assert there.backbone.buffer == here.backbone.buffer
    for action_id in ACTIONS:
        np.testing.assert_allclose(there.actions[action_id].mean, here.actions[action_id].mean, rtol=1e-9, atol=1e-12)
