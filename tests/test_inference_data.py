"""to_inference_data: every action's posterior drawn into an ArviZ object, with named dimensions."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest

from pybandits.boundary.inference_data import arviz_major
from pybandits.cmab import CmabBernoulli, CmabBernoulliMO, CmabGaussian
from pybandits.smab import SmabBernoulli, SmabBernoulliMO, SmabGaussian

FAST = {"num_steps": 40}


def _posterior(data):
    return data["posterior"]


def _constant(data):
    return data["constant_data"]


def test_a_beta_bandits_draws_are_its_posteriors_and_nothing_moves():
    mab = SmabBernoulli.cold_start(action_ids=["a", "b"], random_seed=3)
    mab.update(actions=["a"] * 10 + ["b"] * 4, rewards=[1] * 7 + [0] * 3 + [0] * 4)
    state, generator = mab.get_state(), mab._rng.bit_generator.state
    data = mab.to_inference_data(n_draws=4000, random_seed=1)
    assert mab.get_state() == state and mab._rng.bit_generator.state == generator
    draws = _posterior(data)["expected_reward"]
    assert [str(d) for d in draws.dims] == ["chain", "draw", "action"] and draws.shape == (1, 4000, 2)
    assert list(draws["action"].values) == ["a", "b"]
    # Beta(8, 4) and Beta(1, 5): the draws' means within 5 standard errors
    for action, (alpha, beta) in {"a": (8, 4), "b": (1, 5)}.items():
        mean, sd = alpha / (alpha + beta), np.sqrt(alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)))
        assert abs(float(draws.sel(action=action).mean()) - mean) < 5 * sd / np.sqrt(4000)
    assert _constant(data)["n_successes"].sel(action="a").item() == 8
    again = mab.to_inference_data(n_draws=4000, random_seed=1)
    np.testing.assert_array_equal(_posterior(again)["expected_reward"].values, draws.values)  # the seed fixes them
    assert _posterior(data).attrs["bandit"] == "SmabBernoulli" and _posterior(data).attrs["n_draws"] == 4000
    summary = az.summary(data)
    assert list(summary.index) == ["expected_reward[a]", "expected_reward[b]"]


def test_a_gaussian_bandit_draws_the_mean_and_the_noise_jointly():
    mab = SmabGaussian.cold_start(action_ids=["a"], random_seed=0)
    rewards = np.random.default_rng(0).normal(3.0, 2.0, 400)
    mab.update(actions=["a"] * 400, rewards=rewards.tolist())
    data = mab.to_inference_data(n_draws=4000, random_seed=2)
    mean = _posterior(data)["expected_reward"].sel(action="a").values.ravel()
    noise = _posterior(data)["noise_sd"].sel(action="a").values.ravel()
    assert abs(mean.mean() - rewards.mean()) < 0.05 and abs(noise.mean() - rewards.std()) < 0.2
    # the marginal of the mean is the bandit's own Student-t draw: the same spread
    own = mab.actions["a"].sample(4000, np.random.default_rng(5))
    assert mean.std() == pytest.approx(own.std(), rel=0.1)
    assert set(_constant(data)) == {"mu", "kappa", "alpha", "beta"}


def test_multiple_objectives_get_an_objective_dimension():
    mab = SmabBernoulliMO.cold_start(action_ids=["a", "b"], n_objectives=2, random_seed=0)
    mab.update(actions=["a"], rewards=[[1, 0]])
    draws = _posterior(mab.to_inference_data(n_draws=50, random_seed=0))["expected_reward"]
    assert [str(d) for d in draws.dims] == ["chain", "draw", "action", "objective"] and draws.shape == (1, 50, 2, 2)


def test_a_network_per_action_is_drawn_layer_by_layer_with_named_inputs():
    rng = np.random.default_rng(0)
    mab = CmabBernoulli.cold_start(
        action_ids=["a", "b"],
        n_features=3,
        feature_names=["age", "country", "spend"],
        categorical_features={"country": ["FR", "DE", "IT"]},
        hidden_dim_list=[4],
        update_kwargs=FAST,
        random_seed=0,
    )
    context = pd.DataFrame(
        {"age": rng.normal(size=60), "country": rng.choice(["FR", "DE"], 60), "spend": rng.normal(size=60)}
    )
    mab.update(rng.choice(["a", "b"], 60).tolist(), rng.integers(0, 2, 60).tolist(), context)
    data = mab.to_inference_data(n_draws=3000, random_seed=0)
    posterior = _posterior(data)
    assert set(posterior.data_vars) == {"w0", "b0", "w1", "b1", "embedding_country"}
    w0 = posterior["w0"]
    assert [str(d) for d in w0.dims] == ["chain", "draw", "action", "input", "hidden0"]
    embedding_dim = mab.actions["a"].network.embeddings[0].dim
    assert list(w0["input"].values) == ["age", "spend", *(f"country[{j}]" for j in range(embedding_dim))]
    assert list(posterior["embedding_country"]["country_level"].values)[:2] == ["FR", "DE"]
    # every weight's draws center on its posterior mean, within 5 of their own standard errors
    layer = mab.actions["b"].network.layers[0].weight
    drawn = w0.sel(action="b").values[0]
    assert np.all(np.abs(drawn.mean(axis=0) - layer.mu) <= 5 * drawn.std(axis=0) / np.sqrt(3000))
    loss = _constant(data)["loss"]
    assert [str(d) for d in loss.dims] == ["action", "step"] and np.isfinite(loss.sel(action="a").values[0])
    assert "w1[a, 0, 0]" in az.summary(data, var_names=["w1"]).index


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_draws": 0}, ValueError, "n_draws"),
        ({"n_draws": 2.5}, TypeError, "n_draws"),
        ({"random_seed": -1}, ValueError, "random_seed"),
    ],
)
def test_wrong_arguments_are_refused_and_nothing_moves(kwargs, error, match):
    mab = SmabBernoulli.cold_start(action_ids=["a"], random_seed=0)
    generator = mab._rng.bit_generator.state
    with pytest.raises(error, match=match):
        mab.to_inference_data(**kwargs)
    assert mab._rng.bit_generator.state == generator


@pytest.mark.parametrize("bandit", [CmabBernoulli, CmabGaussian])
def test_a_trunks_heads_are_drawn_from_their_posteriors(bandit):
    rng = np.random.default_rng(0)
    mab = bandit.cold_start(
        action_ids=["a", "b"], n_features=2, backbone_hidden_dim_list=[3], backbone_kwargs=FAST, random_seed=0
    )
    context = rng.normal(size=(80, 2))
    rewards = rng.integers(0, 2, 80) if bandit is CmabBernoulli else rng.normal(size=80)
    mab.update(rng.choice(["a", "b"], 80).tolist(), rewards.tolist(), context)
    data = mab.to_inference_data(n_draws=20000, random_seed=0)
    heads = _posterior(data)["head"]
    assert [str(d) for d in heads.dims] == ["chain", "draw", "action", "trunk_feature"]
    assert list(heads["trunk_feature"].values) == ["h0", "h1", "h2", "bias"]
    head = mab.actions["b"]
    drawn = heads.sel(action="b").values[0]
    covariance = head.scale_factor @ head.scale_factor.T
    if bandit is CmabGaussian:  # a multivariate t: the covariance scaled by E[sigma^2] = rate / (shape - 1)
        covariance = covariance * head.noise_rate / (head.noise_shape - 1)
        assert "noise_sd" in _posterior(data)
    assert np.all(np.abs(drawn.mean(axis=0) - head.mean) <= 5 * np.sqrt(np.diag(covariance) / 20000))
    np.testing.assert_allclose(np.cov(drawn.T), covariance, rtol=0.1, atol=0.05 * np.abs(covariance).max())
    assert _constant(data)["trunk_w0"].shape == (2, 3)


def test_network_heads_on_a_trunk_are_drawn_with_the_trunks_features_as_inputs():
    mab = CmabGaussian.cold_start(
        action_ids=["a", "b"], n_features=2, backbone_hidden_dim_list=[4], hidden_dim_list=[3], random_seed=0
    )
    data = mab.to_inference_data(n_draws=20, random_seed=0)
    w0 = _posterior(data)["w0"]
    assert [str(d) for d in w0.dims] == ["chain", "draw", "action", "input", "hidden0"]
    assert list(w0["input"].values) == ["h0", "h1", "h2", "h3"]
    assert _constant(data)["trunk_w0"].shape == (2, 4)


def test_multi_objective_networks_get_an_objective_dimension_and_their_fits():
    mab = CmabBernoulliMO.cold_start(
        action_ids=["a", "b"], n_features=2, n_objectives=2, hidden_dim_list=[3], update_kwargs=FAST, random_seed=0
    )
    mab.update(context=np.zeros((6, 2)), actions=["a", "b"] * 3, rewards=[[1, 0], [0, 1]] * 3)
    data = mab.to_inference_data(n_draws=30, random_seed=0)
    w1 = _posterior(data)["w1"]
    assert [str(d) for d in w1.dims] == ["chain", "draw", "action", "objective", "hidden0", "output"]
    # each objective's draws centre on its own posterior
    for j in range(2):
        mu = mab.actions["b"].objectives[j].network.layers[0].weight.mu
        sigma = mab.actions["b"].objectives[j].network.layers[0].weight.sigma
        drawn = _posterior(data)["w0"].sel(action="b", objective=j).values.reshape(30, *mu.shape)
        assert np.all(np.abs(drawn.mean(axis=0) - mu) < 5 * sigma / np.sqrt(30) + 1e-6)
    constant = _constant(data)
    assert constant["fit_num_steps"].sel(action="a", objective=1).item() == FAST["num_steps"]
    assert [str(d) for d in constant["loss"].dims] == ["action", "objective", "step"]


def test_zooming_actions_are_drawn_per_segment_beside_the_ordinary_ones():
    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"], random_seed=0)
    data = mab.to_inference_data(n_draws=50, random_seed=0)
    posterior = _posterior(data)
    assert list(posterior["expected_reward"]["action"].values) == ["a"]
    segments = posterior["expected_reward_q"]
    assert [str(d) for d in segments.dims] == ["chain", "draw", "q_segment"]
    assert list(segments["q_segment"].values) == ["[0, 1)"]
    assert "n_successes_q" in _constant(data)


def test_the_arviz_of_this_pymc():
    import pymc

    assert arviz_major() == (1 if int(pymc.__version__.split(".")[0]) >= 6 else 0)


def test_quantitative_actions_networks_have_their_own_variables():
    mab = CmabBernoulli.cold_start(
        action_ids=["a", "b"], quantitative_action_ids={"dose": 1}, n_features=2, hidden_dim_list=[3], random_seed=0
    )
    posterior = _posterior(mab.to_inference_data(n_draws=10, random_seed=0))
    assert list(posterior["w0"]["action"].values) == ["a", "b"]
    assert list(posterior["w0_q1"]["action_q1"].values) == ["dose"]
    assert list(posterior["w0_q1"]["input_q1"].values) == ["x0", "x1", "quantity[0]"]


def test_input_names_follow_the_first_layers_order_with_categories_and_quantities():
    mab = CmabBernoulli.cold_start(
        action_ids=["a"], quantitative_action_ids={"dose": 1}, n_features=3, feature_names=["x", "c", "y"],
        categorical_features={"c": 3}, hidden_dim_list=[2], random_seed=0,
    )  # fmt: skip
    posterior = _posterior(mab.to_inference_data(n_draws=4, random_seed=0))
    dim = mab.actions["a"].network.embeddings[0].dim
    assert list(posterior["w0"]["input"].values) == ["x", "y", *(f"c[{j}]" for j in range(dim))]
    # the quantity input is a numeric column of the network: it comes before the embedding
    assert list(posterior["w0_q1"]["input_q1"].values) == ["x", "y", "quantity[0]", *(f"c[{j}]" for j in range(dim))]
    assert mab.actions["dose"].network.numeric_columns == [0, 2, 3]


def test_a_trunks_inputs_are_named_and_its_embeddings_kept_with_their_levels():
    mab = CmabGaussian.cold_start(
        action_ids=["a"], n_features=2, feature_names=["x", "country"], categorical_features={"country": 3},
        backbone_hidden_dim_list=[4], random_seed=0,
    )  # fmt: skip
    mab.update(context=pd.DataFrame({"x": [0.1, 0.2, 0.3], "country": ["fr", "de", "fr"]}), actions=["a"] * 3,
               rewards=[1.0, 2.0, 3.0])  # fmt: skip
    data = mab.to_inference_data(n_draws=4, random_seed=0)
    constant = _constant(data)
    assert str(constant["trunk_w0"]["trunk_input"].values[0]) == "x"
    assert list(constant["trunk_embedding_country"]["country_level"].values)[:2] == ["fr", "de"]
    attrs = _posterior(data).attrs  # the heads speak standardised rewards: how to read them back
    assert attrs["reward_scale"] > 0 and "reward_loc" in attrs
