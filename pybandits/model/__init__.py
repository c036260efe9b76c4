"""Action models: the posterior an action keeps about its reward probability."""

from pybandits.model.beta import Beta, BetaMO
from pybandits.model.bnn import Bnn, BnnMO
from pybandits.model.priors import LocationScale

__all__ = ["Beta", "BetaMO", "Bnn", "BnnMO", "LocationScale"]
