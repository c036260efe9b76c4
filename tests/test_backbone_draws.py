"""Thompson draws of a trunk's linear heads: in blocks of heads, and repeated rows drawn from one spread."""

from __future__ import annotations

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli, CmabGaussian
from pybandits.model.backbone import LinearHead, draw_heads
from pybandits.model.family import Bernoulli, Gaussian


def _heads(family, n: int = 7, seed: int = 4) -> list[LinearHead]:
    rng = np.random.default_rng(seed)
    rewards = lambda: rng.random(40) < 0.5 if family is Bernoulli else rng.normal(size=40)  # noqa: E731
    return [
        LinearHead.cold_start(n_inputs=3, family=family()).refitted(rng.normal(size=(40, 3)), rewards().astype(float))
        for _ in range(n)
    ]


def test_head_draws_in_blocks_of_heads_are_the_same_draws(monkeypatch):
    heads = _heads(Bernoulli)
    features = np.random.default_rng(5).normal(size=(25, 3))
    whole = draw_heads(heads, features, np.random.default_rng(0))
    monkeypatch.setattr("pybandits.model.backbone.heads._SPREAD_VALUES", 2 * 25 * 4)  # two heads per block
    blocked = draw_heads(heads, features, np.random.default_rng(0))
    np.testing.assert_allclose(blocked[0], whole[0], rtol=1e-12)
    np.testing.assert_allclose(blocked[1], whole[1], rtol=1e-12)


@pytest.mark.parametrize("family", [Bernoulli, Gaussian])
def test_repeated_rows_are_the_draws_of_the_tiled_rows(family):
    heads = _heads(family)
    features = np.random.default_rng(6).normal(size=(9, 3))
    repeated = draw_heads(heads, features, np.random.default_rng(1), repeats=5)
    tiled = draw_heads(heads, np.tile(features, (5, 1)), np.random.default_rng(1))
    assert repeated[0].shape == (45, 7)
    np.testing.assert_allclose(repeated[0], tiled[0], rtol=1e-12)
    np.testing.assert_allclose(repeated[1], tiled[1], rtol=1e-12)
    # and they are draws: the repeats of one row differ
    assert np.ptp(repeated[0][::9, 0]) > 0


@pytest.mark.parametrize("bandit", [CmabBernoulli, CmabGaussian])
def test_a_trunk_bandits_probabilities_are_its_selections_frequencies(bandit):
    rng = np.random.default_rng(0)
    mab = bandit.cold_start(
        action_ids=["a", "b", "c"],
        n_features=2,
        backbone_hidden_dim_list=[4],
        backbone_kwargs={"num_steps": 20},
        random_seed=0,
    )
    context = rng.normal(size=(60, 2))
    rewards = rng.random(60) < 0.5 if bandit is CmabBernoulli else rng.normal(size=60)
    mab.update(rng.choice(["a", "b", "c"], 60).tolist(), rewards.astype(float).tolist(), context)
    row = context[:1]
    ids, probabilities = mab.model_copy(deep=True).action_probabilities(row, n_draws=4000)
    chosen, _, _ = mab.model_copy(deep=True).predict(np.repeat(row, 4000, axis=0))
    frequencies = np.array([chosen.count(a) for a in ids]) / 4000
    # two independent estimates of the same probabilities: within 5 standard errors of their difference
    se = np.sqrt(2 * probabilities[0] * (1 - probabilities[0]) / 4000) + 1e-3
    assert (np.abs(frequencies - probabilities[0]) < 5 * se).all(), (frequencies, probabilities[0])
