"""Action models: the posterior an action keeps about its reward probability."""

from pybandits.model.beta import Beta, BetaMO

__all__ = ["Beta", "BetaMO"]
