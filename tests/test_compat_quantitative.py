"""The original library's quantitative models: this package's zooming and quantitative networks under its names."""

from __future__ import annotations

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli
from pybandits.model.bnn.action import Bnn
from pybandits.model.zooming import Zooming as OurZooming
from pybandits.quantitative_model import (
    CmabZoomingModel,
    QuantitativeBayesianNeuralNetwork,
    QuantitativeBayesianNeuralNetworkCC,
    SmabZoomingModel,
    SmabZoomingModelCC,
    Zooming,
    ZoomingCC,
)
from pybandits.smab import SmabBernoulli


def _play(actions: dict, rounds: int = 60) -> SmabBernoulli:
    smab = SmabBernoulli(actions=actions, random_seed=3)
    world = np.random.default_rng(0)
    for _ in range(rounds):
        choices, _ = smab.predict(n_samples=5)
        quantities = [choice[1][0] for choice in choices]
        peaks = np.array([0.25 if choice[0] == "a1" else 0.75 for choice in choices])
        chances = np.exp(-((np.array(quantities) - peaks) ** 2) / 0.02)
        rewards = (world.random(5) < np.array(chances)).astype(int).tolist()
        smab.update(actions=[c[0] for c in choices], rewards=rewards, quantities=quantities)
    return smab


def test_the_zooming_model_is_this_packages_zooming_with_the_originals_defaults():
    model = SmabZoomingModel.cold_start(dimension=1)
    assert isinstance(model, OurZooming) and model.n_max_segments == 32 and len(model.segments) == 1
    assert Zooming is SmabZoomingModel and ZoomingCC is SmabZoomingModelCC
    ours = _play({a: OurZooming.cold_start(dimension=1, n_max_segments=32) for a in ("a1", "a2")})
    theirs = _play({a: SmabZoomingModel.cold_start(dimension=1) for a in ("a1", "a2")})
    for action in ("a1", "a2"):  # the same decisions and the same segments: one model under two names
        assert theirs.actions[action].summary() == ours.actions[action].summary()
    assert theirs.actions["a1"].n_observations > 0
    assert SmabZoomingModel.cold_start(dimension=2, split_evidence=50.0).split_evidence == 50.0


def test_zooming_cost_and_refusals():
    assert SmabZoomingModelCC.cold_start(cost=1.5).cost == 1.5
    with pytest.raises(ValueError, match="cost: expected the action's cost"):
        ZoomingCC.cold_start(dimension=1)
    with pytest.raises(TypeError, match="cost: a quantitative action's cost is one number here"):
        SmabZoomingModelCC.cold_start(cost=lambda q: q)
    with pytest.raises(ValueError, match="comparison_threshold, n_comparison_points: the original's rule"):
        SmabZoomingModel.cold_start(comparison_threshold=0.1, n_comparison_points=100)
    with pytest.raises(ValueError, match="n_max_segments: expected a positive integer .* give a large number"):
        SmabZoomingModel.cold_start(n_max_segments=None)
    assert SmabZoomingModel.cold_start(base_model_cold_start_kwargs=None).n_max_segments == 32
    with pytest.raises(ValueError, match=r"base_model_cold_start_kwargs: .* prior=\{...\}"):
        SmabZoomingModel.cold_start(base_model_cold_start_kwargs={"n_successes": 2})


def test_the_quantitative_network_is_this_packages_network_of_context_and_quantity():
    base = {"hidden_dim_list": [4], "update_kwargs": {"num_steps": 30}, "dist_params_init": {"sigma": 2.0}}
    model = QuantitativeBayesianNeuralNetwork.cold_start(dimension=2, n_features=3, base_model_cold_start_kwargs=base)
    assert isinstance(model, Bnn) and model.quantity_dim == 2 and model.input_dim == 3
    assert model.network.n_features == 5 and model.network.layers[0].weight.sigma[0][0] == 2.0
    assert QuantitativeBayesianNeuralNetwork.cold_start().network.layers[0].weight.sigma[0][0] == 10.0  # 8.x's prior
    # in a bandit, as the original's tutorial plays it: (action, quantity) choices, quantities to update
    cmab = CmabBernoulli(actions={"offer": model}, epsilon=1, random_seed=0)
    context = np.random.default_rng(0).random((40, 3))
    choices, _, _ = cmab.predict(context=context)
    assert choices[0][0] == "offer" and len(choices[0][1]) == 2
    cmab.update(
        actions=[c[0] for c in choices], rewards=[1] * 40, context=context, quantities=[list(c[1]) for c in choices]
    )
    assert cmab.actions["offer"].n_successes == 41
    # in place, as the original's model updates
    before = model.network.layers[0].weight.mu.copy()
    model.update(context=context, rewards=[1] * 40, quantities=[list(c[1]) for c in choices])
    assert not np.array_equal(model.network.layers[0].weight.mu, before)


def test_quantitative_network_refusals():
    with pytest.raises(
        ValueError, match="base_model_cold_start_kwargs: n_features is an argument of cold_start itself"
    ):
        QuantitativeBayesianNeuralNetwork.cold_start(base_model_cold_start_kwargs={"n_features": 3})
    with pytest.raises(TypeError, match="base_model_cold_start_kwargs: expected a mapping of cold_start arguments"):
        QuantitativeBayesianNeuralNetwork.cold_start(base_model_cold_start_kwargs=5)
    with pytest.raises(ValueError, match=r"cold_start: unknown arguments \['width'\]"):
        QuantitativeBayesianNeuralNetwork.cold_start(width=3)
    with pytest.raises(ValueError, match="cost: expected the action's cost"):
        QuantitativeBayesianNeuralNetworkCC.cold_start()
    model = QuantitativeBayesianNeuralNetwork.cold_start(n_features=2)
    with pytest.raises(ValueError, match="quantities: expected one quantity of 1 values per row, got None"):
        model.update(context=np.zeros((2, 2)), rewards=[0, 1])
    with pytest.raises(ValueError, match="sample_proba: a quantitative network's reward depends on the quantity"):
        model.sample_proba(np.zeros((2, 2)))


def test_the_contextual_zooming_model_is_the_network_of_context_and_quantity():
    model = CmabZoomingModel.cold_start(
        dimension=1, base_model_cold_start_kwargs={"n_features": 3, "hidden_dim_list": [8]}
    )
    assert isinstance(model, QuantitativeBayesianNeuralNetwork)
    assert model.quantity_dim == 1 and model.input_dim == 3 and model.hidden_dim_list == [8]
    with pytest.raises(ValueError, match="n_max_segments: segments of a contextual zooming model"):
        CmabZoomingModel.cold_start(n_max_segments=8, base_model_cold_start_kwargs={"n_features": 3})
    with pytest.raises(ValueError, match="base_model_cold_start_kwargs: expected n_features"):
        CmabZoomingModel.cold_start()
