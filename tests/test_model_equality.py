"""``==`` and ``!=`` work on every model object: equal when their states (JSON) are equal."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from pybandits.bandits.base import BaseMab
from pybandits.bandits.strategies import (
    BestActionIdentificationBandit,
    ClassicBandit,
    CostControlBandit,
    DynamicPricingBandit,
    MultiObjectiveBandit,
    MultiObjectiveCostControlBandit,
)
from pybandits.base import PyBanditsBaseModel
from pybandits.cmab import CmabBernoulli, CmabGaussianMO
from pybandits.model.backbone import ReplayBuffer
from pybandits.model.bnn.diagnostics import FitDiagnostics
from pybandits.smab import SmabBernoulli, SmabBernoulliMO, SmabGaussian, SmabGaussianMO

EVERY_MODEL_CLASS = {
    "Backbone",
    "BackboneSettings",
    "Bernoulli",
    "Beta",
    "BetaMO",
    "BinaryCounts",
    "Bnn",
    "BnnMO",
    "DistParams",
    "Embedding",
    "FitDiagnostics",
    "Gaussian",
    "Layer",
    "LinearHead",
    "LocationScale",
    "MCMCSettings",
    "Moments",
    "Network",
    "NoisePrior",
    "NormalInverseGamma",
    "NormalInverseGammaMO",
    "ReplayBuffer",
    "Segment",
    "Trunk",
    "VISettings",
    "Zooming",
}


def _reachable(value: Any, found: dict[str, PyBanditsBaseModel]) -> None:
    """Every model object inside ``value``, one per class (the first met)."""
    if isinstance(value, PyBanditsBaseModel):
        if not isinstance(value, BaseMab):  # a bandit's state holds its generator too (tests/test_state.py)
            found.setdefault(type(value).__name__, value)
        for name in type(value).model_fields:
            _reachable(getattr(value, name), found)
    elif isinstance(value, dict):
        for item in value.values():
            _reachable(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _reachable(item, found)


def _every_model() -> dict[str, PyBanditsBaseModel]:
    bandits = [
        SmabBernoulli.cold_start(action_ids=["a", "b"], quantitative_action_ids={"dose": 1}),
        SmabBernoulliMO.cold_start(action_ids=["a", "b"], n_objectives=2),
        SmabGaussian.cold_start(action_ids=["a", "b"]),
        SmabGaussianMO.cold_start(action_ids=["a", "b"], n_objectives=2),
        CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=2, categorical_features={1: 3}),
        CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=2, update_method="MCMC"),
        CmabGaussianMO.cold_start(action_ids=["a", "b"], n_features=2, n_objectives=2),
        CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=2, backbone_hidden_dim_list=[3]),
    ]
    found: dict[str, PyBanditsBaseModel] = {}
    for mab in bandits:
        _reachable(mab, found)
    rng = np.random.default_rng(0)
    found["ReplayBuffer"] = ReplayBuffer.empty(2, capacity=10).added(
        rng.normal(size=(4, 2)), list("abab"), rng.random(4), rng
    )
    found["FitDiagnostics"] = FitDiagnostics(method="VI", n_rows=10, num_steps=5, converged=False, final_loss=1.5)
    return found


def _perturbed(model: PyBanditsBaseModel) -> PyBanditsBaseModel | None:
    """The same model with one number changed (the first change its class accepts), or None."""
    document = model.model_dump(mode="json")
    paths: list[tuple[Any, ...]] = []

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int | float):
            paths.append(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(document, ())
    for path in paths:
        changed = json.loads(json.dumps(document))
        parent = changed
        for key in path[:-1]:
            parent = parent[key]
        old = parent[path[-1]]
        parent[path[-1]] = old + 1 if isinstance(old, int) else old * 0.5 + 0.25
        try:
            return type(model).model_validate(changed)
        except (ValidationError, ValueError):
            continue
    return None


MODELS = _every_model()


def test_the_models_cover_every_class():
    assert set(MODELS) >= EVERY_MODEL_CLASS, sorted(EVERY_MODEL_CLASS - set(MODELS))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_equality_of_every_model_class(name):
    model = MODELS[name]
    same = type(model).model_validate_json(model.model_dump_json())
    assert same is not model
    assert model == same and same == model and (model != same) is False
    assert model == model.model_copy(deep=True)
    different = _perturbed(model)
    if different is not None:
        assert model != different and (model == different) is False
    assert model != "a string" and (model == 1) is False


STRATEGIES = [
    ClassicBandit(),
    BestActionIdentificationBandit(exploit_p=0.3),
    BestActionIdentificationBandit(exploit_p=0.4),
    CostControlBandit(subsidy_factor=0.2),
    DynamicPricingBandit(),
    MultiObjectiveBandit(),
    MultiObjectiveCostControlBandit(),
]


def test_equality_of_strategies():
    for one in STRATEGIES:
        for other in STRATEGIES:
            assert (one == other) is (one is other) and (one != other) is (one is not other)
        assert one == one.model_copy(deep=True)
    assert hash(ClassicBandit()) == hash(ClassicBandit())  # frozen models stay hashable


def test_equality_is_written_once():
    bandits = {SmabBernoulli, CmabBernoulli}
    for cls in {type(model) for model in MODELS.values()} | {type(s) for s in STRATEGIES} | bandits:
        assert cls.__eq__ is PyBanditsBaseModel.__eq__, cls.__name__
