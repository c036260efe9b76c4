"""The original library's model names: each against the behaviour of this package's class it wraps."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli, CmabBernoulliCC, CmabBernoulliMO
from pybandits.compat.model import (
    BayesianLogisticRegression,
    BayesianLogisticRegressionCC,
    BayesianNeuralNetwork,
    BayesianNeuralNetworkCC,
    BayesianNeuralNetworkMO,
    BetaCC,
    BetaMOCC,
    BnnLayerParams,
    BnnParams,
    CategoricalFeatureConfig,
    FeaturesConfig,
    NormalArray,
    StudentTArray,
)
from pybandits.model import Bnn
from pybandits.smab import SmabBernoulliCC

FAST = {"num_steps": 40}


def _rows(n=60, seed=0, n_features=2):
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n, n_features))
    rewards = (rng.random(n) < 1 / (1 + np.exp(-2 * context[:, 0]))).astype(int).tolist()
    return context, rewards


def test_the_original_names_are_found_in_pybandits_model_without_importing_the_compat_layer():
    code = (
        "import sys, pybandits.model as m; assert 'pybandits.compat' not in sys.modules; "
        "from pybandits.model import BayesianNeuralNetwork, StudentTArray; "
        "assert 'pybandits.compat.model' in sys.modules; assert 'FeaturesConfig' in dir(m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    import pybandits.model

    with pytest.raises(AttributeError, match="has no attribute 'BayesianNetwork'"):
        pybandits.model.BayesianNetwork  # noqa: B018


def test_cold_start_is_ours_at_the_originals_prior():
    model = BayesianNeuralNetwork.cold_start(n_features=3, hidden_dim_list=[4], update_kwargs=FAST)
    ours = Bnn.cold_start(3, [4], dist_params_init={"mu": 0.0, "sigma": 10.0, "nu": 5.0}, update_kwargs=FAST)
    assert isinstance(model, Bnn) and model.as_bnn() == ours
    normal = BayesianNeuralNetwork.cold_start(n_features=3, dist_type="normal", dist_params_init={"mu": 0, "sigma": 1})
    assert normal.as_bnn() == Bnn.cold_start(3, dist_type="normal", dist_params_init={"mu": 0.0, "sigma": 1.0})
    assert isinstance(normal.model_params.bnn_layer_params[0].weight, NormalArray)
    assert not isinstance(normal.model_params.bnn_layer_params[0].weight, StudentTArray)


def test_layerwise_scaling_and_the_bias_scale_shape_the_prior():
    model = BayesianNeuralNetwork.cold_start(
        n_features=4, hidden_dim_list=[9], use_layerwise_scaling=True, bias_std=0.5
    )
    first, second = model.network.layers
    np.testing.assert_allclose(first.weight.sigma, 10.0 / 2.0)  # sqrt(4 inputs)
    np.testing.assert_allclose(second.weight.sigma, 10.0 / 3.0)  # sqrt(9 inputs)
    np.testing.assert_allclose(first.bias.sigma, 0.5)
    np.testing.assert_allclose(second.bias.sigma, 0.5)


def test_categorical_columns_get_the_originals_embedding_width():
    model = BayesianNeuralNetwork.cold_start(n_features=3, categorical_features={2: 9})
    assert model.feature_config == FeaturesConfig(
        n_features=3,
        categorical_features_configs=[CategoricalFeatureConfig(column_index=2, cardinality=9, embedding_dim=3)],
    )
    assert model.feature_config.total_output_dim == 5 == model.network.layers[0].weight.shape[0]
    assert model.model_params.embedding_params.embeddings[0].shape == (9, 3)


def test_a_network_built_from_the_originals_parameters_keeps_every_distribution():
    bias = StudentTArray.cold_start(mu=1, sigma=2, shape=1)
    weight = StudentTArray.cold_start(shape=(3, 1))
    params = BnnParams(bnn_layer_params=[BnnLayerParams(weight=weight, bias=bias)])
    model = BayesianNeuralNetwork(model_params=params, feature_config=FeaturesConfig(n_features=3), update_kwargs=FAST)
    layer = model.network.layers[0]
    np.testing.assert_allclose(layer.bias.mu, 1.0) and np.testing.assert_allclose(layer.bias.sigma, 2.0)
    np.testing.assert_allclose(layer.weight.sigma, 10.0)
    assert model.update_method == "VI" and model.update_kwargs["num_steps"] == 40
    assert model.model_params.bnn_layer_params[0].bias.mu == [1.0]
    mcmc = BayesianLogisticRegression(model_params=params, update_method="MCMC", update_kwargs={"num_samples": 50})
    assert mcmc.update_method == "MCMC" and mcmc.update_kwargs["draws"] == 50


def test_update_refits_in_place_as_a_one_action_bandit_does():
    context, rewards = _rows()
    model = BayesianNeuralNetwork.cold_start(n_features=2, update_kwargs=FAST, random_seed=3)
    seed = int(np.random.default_rng(3).integers(2**31))  # what the model's generator gives the update
    bandit = CmabBernoulli(actions={"model": model.as_bnn()}, random_seed=seed)
    bandit.update(actions=["model"] * len(rewards), rewards=rewards, context=context)
    before = model
    model.update(context=context, rewards=rewards)
    assert model is before and isinstance(model, BayesianNeuralNetwork)
    assert model.as_bnn().network == bandit.actions["model"].network
    assert (model.n_successes, model.n_failures) == (1 + sum(rewards), 1 + len(rewards) - sum(rewards))
    assert model.approx_history.shape == (40,)


def test_sample_proba_is_one_drawn_network_per_row():
    model = BayesianNeuralNetwork.cold_start(n_features=2, hidden_dim_list=[3])
    context = np.random.default_rng(1).normal(size=(5, 2))
    draws = model.sample_proba(context, rng=np.random.default_rng(7))
    expected, logits = model.draw(context, np.random.default_rng(7))
    assert draws == list(zip(expected.tolist(), logits.tolist(), strict=True))
    assert all(abs(p - 1 / (1 + np.exp(-z))) < 1e-12 for p, z in draws)


def test_models_go_into_bandits_as_they_are():
    context, rewards = _rows(40)
    actions = {a: BayesianNeuralNetwork.cold_start(n_features=2, update_kwargs=FAST) for a in ("a", "b")}
    mab = CmabBernoulli(actions=actions, random_seed=0)
    chosen, _, _ = mab.predict(context)
    mab.update(context=context, actions=chosen, rewards=rewards)
    assert sum(model.n_observations for model in mab.actions.values()) == 40
    cc = {a: BayesianLogisticRegressionCC.cold_start(n_features=2, cost=c) for a, c in (("a", 1.0), ("b", 2.0))}
    assert CmabBernoulliCC(actions=cc).actions["b"].cost == 2.0
    mo = {a: BayesianNeuralNetworkMO.cold_start(n_objectives=2, n_features=2) for a in ("a", "b")}
    assert CmabBernoulliMO(actions=mo).actions["a"].n_objectives == 2
    assert SmabBernoulliCC(actions={"a": BetaCC(cost=1.0), "b": BetaCC(cost=0.5)}).actions["b"].cost == 0.5


def test_multi_objective_networks_update_and_draw_per_objective():
    context, rewards = _rows(30)
    model = BayesianNeuralNetworkMO.cold_start(
        n_objectives=2, n_features=2, update_kwargs=FAST, dist_params={"sigma": 2.0}
    )
    np.testing.assert_allclose(model.models[0].network.layers[0].weight.sigma, 2.0)
    model.update(context=context, rewards=[[r, 1 - r] for r in rewards])
    assert model.models[0].n_successes == 1 + sum(rewards) and model.models[1].n_failures == 1 + sum(rewards)
    draws = model.sample_proba(context[:4], rng=np.random.default_rng(0))
    assert len(draws) == 4 and all(len(row) == 2 for row in draws)


REFUSED = [
    (lambda: BayesianNeuralNetwork.cold_start(n_features=2, calibrate_output_bias=True), "calibrate_output_bias"),
    (lambda: BayesianNeuralNetwork.cold_start(n_features=2, decay_factor=0.9), "decay_factor=0.9 has no counterpart"),
    (lambda: BayesianNeuralNetwork.cold_start(n_features=2, n_layers=3), r"unknown arguments \['n_layers'\]"),
    (
        lambda: BayesianNeuralNetwork.cold_start(n_features=2, update_kwargs={"kl_tau": 1.0}),
        "'kl_tau' has no counterpart",
    ),
    (lambda: BayesianLogisticRegression.cold_start(n_features=2, hidden_dim_list=[3]), "no hidden layer"),
    (lambda: BayesianNeuralNetworkCC.cold_start(n_features=2), "cost: expected the action's cost"),
    (lambda: BetaCC(), "cost: expected the action's cost"),
    (lambda: BetaMOCC.cold_start(n_objectives=2), "cost: expected the action's cost"),
    (lambda: BayesianNeuralNetworkMO.cold_start(n_objectives=0, n_features=2), "n_objectives: expected an integer"),
    (
        lambda: FeaturesConfig(
            n_features=2,
            categorical_features_configs=[CategoricalFeatureConfig(column_index=2, cardinality=3, embedding_dim=1)],
        ),
        "beyond n_features=2",
    ),
    (lambda: StudentTArray(mu=[0.0, 1.0], sigma=[1.0], nu=[5.0, 5.0]), "expected non-empty arrays of one shape"),
    (lambda: BayesianNeuralNetwork(model_params={"bnn_layer_params": []}), "at least one layer"),
]


@pytest.mark.parametrize(("call", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_arguments_without_a_counterpart_are_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_refused_update_changes_nothing():
    context, rewards = _rows(20)
    model = BayesianNeuralNetwork.cold_start(n_features=2, update_kwargs=FAST, random_seed=0)
    before, state = model.as_bnn(), model._rng.bit_generator.state
    with pytest.raises(ValueError, match="one reward per context row"):
        model.update(context=context, rewards=rewards[:-1])
    with pytest.raises(ValueError, match="unknown arguments"):
        model.update(context=context, rewards=rewards, epochs=3)
    with pytest.raises(ValueError):
        model.update(context=context[:, :1], rewards=rewards)
    assert model.as_bnn() == before and model._rng.bit_generator.state == state


def test_models_is_the_originals_name_of_the_objectives_list():
    from pybandits.model import Beta, BetaMO

    model = BetaMO(models=[Beta(), Beta(n_successes=3)])
    assert model == BetaMO(objectives=[Beta(), Beta(n_successes=3)]) and model.models == model.objectives
    with pytest.raises(ValueError, match="give the per-objective models once"):
        BetaMO(models=[Beta()], objectives=[Beta()])


def test_a_strategys_settings_given_beside_the_actions_become_the_strategy():
    from pybandits.model import Beta
    from pybandits.smab import SmabBernoulliBAI

    cc = {a: BetaCC(cost=c) for a, c in (("a", 1.0), ("b", 2.0))}
    flat = SmabBernoulliCC(actions=cc, subsidy_factor=0.3)
    assert flat.strategy == SmabBernoulliCC(actions=cc, strategy={"subsidy_factor": 0.3}).strategy
    actions = {"a": Beta(), "b": Beta()}
    assert SmabBernoulliBAI(actions=actions, exploit_p=0.8).strategy.exploit_p == 0.8
    with pytest.raises(ValueError, match="give the strategy's settings once"):
        SmabBernoulliBAI(actions=actions, exploit_p=0.8, strategy={"exploit_p": 0.7})
    with pytest.raises(ValueError, match="exploit_p"):
        SmabBernoulliBAI(actions=actions, exploit_p=1.8)


def test_the_lazily_served_names_are_exactly_the_compat_names_the_model_package_lacks():
    # pybandits.model may not import the compat layer, so it lists the names it forwards: this keeps the list true
    import pybandits.compat.model as compat
    import pybandits.model as model

    assert set(compat.__all__) - set(model.__all__) == model.ORIGINAL_NAMES
