"""The original library's public names (8.3.0, from the real wheel): which import here, and why the others do not.

``tests/data/legacy/names/pybandits-8.3.0.json`` lists every public class and function of the
modules the original's documentation imports from (written by ``generate.py --names`` with the
wheel installed). Each one imports from the same path here, or is in :data:`ABSENT` with the reason;
the table is checked both ways, so it cannot fall behind.
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path

import pytest

NAMES = json.loads((Path(__file__).parent / "data" / "legacy" / "names" / "pybandits-8.3.0.json").read_text())

_BASE = "the original's base class; this library's hierarchy is its own (pybandits.bandits.base.BaseMab, ...)"
_MANAGER = "the original's container of a bandit's actions; here the bandit holds them (mab.actions)"
_INTERNAL = "an internal of the original (its NumPyro guide, Optuna or bokeh helpers, serialisation)"
_PRICED = (
    "a dynamic-pricing model with its own price; here prices belong to the bandit "
    "(SmabBernoulliDP / CmabBernoulliDP, action_ids_price): not mapped yet"
)

#: ``(module, name) -> why it does not import here``.
ABSENT: dict[tuple[str, str], str] = {
    **{
        (module, name): _BASE
        for module, names in {
            "pybandits.smab": ["BaseMab", "BaseBeta", "BaseZooming", "BaseSmabBernoulli"],
            "pybandits.cmab": [
                "BaseMab",
                "BaseBayesianNeuralNetwork",
                "BaseBayesianNeuralNetworkMO",
                "BaseCmabBernoulli",
                "BaseCmabBernoulliMO",
                "MultiObjectiveStrategy",
            ],
            "pybandits.model": [
                "Model",
                "ModelCC",
                "ModelDP",
                "ModelMO",
                "BaseBeta",
                "BaseBetaMO",
                "BaseBayesianNeuralNetwork",
                "BaseBayesianNeuralNetworkMO",
                "BaseLocationScaleArray",
            ],
            "pybandits.strategy": [
                "BaseStrategy",
                "CostControlStrategy",
                "SingleObjectiveStrategy",
                "MultiObjectiveStrategy",
            ],
            "pybandits.transfer": [
                "BaseModelMO",
                "BaseModelSO",
                "BaseCmabBernoulli",
                "BaseBayesianNeuralNetwork",
                "QuantitativeModel",
            ],
            "pybandits.smab_simulator": ["QuantitativeModel", "Simulator", "BaseSmabBernoulli"],
            "pybandits.cmab_simulator": ["QuantitativeModel", "Simulator", "BaseCmabBernoulli"],
            "pybandits.offline_policy_evaluator": ["PyBanditsBaseModel", "BaseMab", "BaseOfflinePolicyEstimator"],
            "pybandits.offline_policy_estimator": [
                "PyBanditsBaseModel",
                "GeneralizedInverseProbabilityWeighting",
                "GeneralizedDoublyRobust",
            ],
            "pybandits.quantitative_model": [
                "QuantitativeModel",
                "QuantitativeModelCC",
                "QuantitativeModelDP",
                "BaseQuantitativeBayesianNeuralNetwork",
                "BaseZooming",
            ],
        }.items()
        for name in names
    },
    **{
        (module, f"{kind}ActionsManager{suffix}"): _MANAGER
        for module, kind in (("pybandits.smab", "Smab"), ("pybandits.cmab", "Cmab"))
        for suffix in ("", "CC", "DP", "MO", "MOCC", "SO")
    },
    **{
        (module, name): _INTERNAL
        for module, names in {
            "pybandits.model": ["ParameterizedScaleAutoNormal", "EarlyStopping"],
            "pybandits.smab_simulator": [
                "OptimizationFailedError",
                "extract_argument_names_from_function",
                "maximize_by_quantity",
            ],
            "pybandits.cmab_simulator": [
                "OptimizationFailedError",
                "extract_argument_names_from_function",
                "maximize_by_quantity",
            ],
            "pybandits.offline_policy_evaluator": [
                "extract_argument_names_from_function",
                "get_non_abstract_classes",
                "in_jupyter_notebook",
                "visualize_via_bokeh",
            ],
            "pybandits.quantitative_model": ["CallableFieldSerde"],
        }.items()
        for name in names
    },
    **{
        (module, name): _PRICED
        for module, names in {
            "pybandits.model": ["BetaDP", "BayesianNeuralNetworkDP"],
            "pybandits.quantitative_model": ["QuantitativeBayesianNeuralNetworkDP", "ZoomingDP"],
        }.items()
        for name in names
    },
    ("pybandits.cmab", "FeaturesConfig"): "imported by the original's cmab module for itself: from pybandits.model",
    ("pybandits.quantitative_model", "Segment"): (
        "the original's segment of a zooming model; here pybandits.model.segments.Segment, with corners and a posterior"
    ),
}

PAIRS = [(module, name) for module, names in NAMES["modules"].items() for name in names]


def _imports(module: str, name: str) -> bool:
    """Whether ``from module import name`` gives a class or a function, as the original's name was."""
    value = getattr(importlib.import_module(module), name, None)
    return inspect.isclass(value) or inspect.isfunction(value) or inspect.ismethod(value)


@pytest.mark.parametrize(("module", "name"), [pair for pair in PAIRS if pair not in ABSENT])
def test_the_originals_name_imports_from_the_same_path(module, name):
    assert _imports(module, name), f"from {module} import {name} fails; give it an entry point or a reason in ABSENT"


def test_every_absent_name_is_absent_and_was_the_originals():
    assert sorted(set(ABSENT) - set(PAIRS)) == []  # no reason for a name the original did not have
    assert [pair for pair in ABSENT if _imports(*pair)] == []  # a name given an entry point leaves the table


def test_the_tally():
    # the figures of the docs page: how many of the original's documented names work here
    working = [pair for pair in PAIRS if pair not in ABSENT]
    assert (len(PAIRS), len(working)) == (143, 67)
