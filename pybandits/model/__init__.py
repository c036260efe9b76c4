"""Action models and reward families: what an action believes about its reward, and what a reward is.

Reward families (:mod:`pybandits.model.family`): ``Bernoulli`` and ``Gaussian``. Action models:
``Beta`` and ``NormalInverseGamma`` (stochastic bandits), ``Bnn`` (contextual bandits), and their
multi-objective forms; weight distributions ``LocationScale``.
"""

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
