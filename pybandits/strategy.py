"""The strategies, at the import path users know: see :mod:`pybandits.bandits.strategies`."""

from pybandits.bandits.strategies import (
    BestActionIdentificationBandit,
    ClassicBandit,
    CostControlBandit,
    DynamicPricingBandit,
    MultiObjectiveBandit,
    MultiObjectiveCostControlBandit,
    Strategy,
)

__all__ = [
    "BestActionIdentificationBandit",
    "ClassicBandit",
    "CostControlBandit",
    "DynamicPricingBandit",
    "MultiObjectiveBandit",
    "MultiObjectiveCostControlBandit",
    "Strategy",
]
