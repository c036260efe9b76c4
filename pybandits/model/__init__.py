"""Action models and reward families: what an action believes about its reward, and what a reward is.

Reward families (:mod:`pybandits.model.family`): ``Bernoulli`` and ``Gaussian``. Action models:
``Beta`` and ``NormalInverseGamma`` (stochastic bandits), ``Bnn`` (contextual bandits), and their
multi-objective forms; weight distributions ``LocationScale``.

The original pybandits library's model names (``BayesianNeuralNetwork``, ``StudentTArray``,
``FeaturesConfig``, ...) are found here too, as that library's users import them: they live in
:mod:`pybandits.compat.model`, on top of every layer, and are fetched from there the first time one
is asked for (this module does not import it).
"""

import importlib
from typing import Any

from pybandits.model.beta import Beta, BetaMO
from pybandits.model.bnn import Bnn, BnnMO
from pybandits.model.family import Bernoulli, Gaussian, NoisePrior
from pybandits.model.nig import NormalInverseGamma, NormalInverseGammaMO
from pybandits.model.priors import LocationScale

__all__ = [
    "Bernoulli",
    "Beta",
    "BetaMO",
    "Bnn",
    "BnnMO",
    "Gaussian",
    "LocationScale",
    "NoisePrior",
    "NormalInverseGamma",
    "NormalInverseGammaMO",
]

#: The original library's names served by :mod:`pybandits.compat.model`, fetched when first asked for.
ORIGINAL_NAMES = frozenset(
    {
        "BayesianLogisticRegression",
        "BayesianLogisticRegressionCC",
        "BayesianNeuralNetwork",
        "BayesianNeuralNetworkCC",
        "BayesianNeuralNetworkMO",
        "BayesianNeuralNetworkMOCC",
        "BetaCC",
        "BetaMOCC",
        "BnnLayerParams",
        "BnnParams",
        "CategoricalFeatureConfig",
        "EmbeddingParams",
        "FeaturesConfig",
        "NormalArray",
        "StudentTArray",
    }
)


def __getattr__(name: str) -> Any:
    if name in ORIGINAL_NAMES:
        return getattr(importlib.import_module("pybandits.compat.model"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *ORIGINAL_NAMES})
