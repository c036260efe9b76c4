"""The original library's path of its off-policy estimators (:mod:`pybandits.compat.estimators`)."""

from pybandits.compat.estimators import (
    BalancedInverseProbabilityWeighting,
    BaseOfflinePolicyEstimator,
    DirectMethod,
    DoublyRobust,
    DoublyRobustWithOptimisticShrinkage,
    DoublyRobustWithPessimisticShrinkage,
    InverseProbabilityWeighting,
    ReplayMethod,
    SelfNormalizedDoublyRobust,
    SelfNormalizedInverseProbabilityWeighting,
    SubGaussianDoublyRobust,
    SubGaussianInverseProbabilityWeighting,
    SwitchDoublyRobust,
)

__all__ = [
    "BalancedInverseProbabilityWeighting",
    "BaseOfflinePolicyEstimator",
    "DirectMethod",
    "DoublyRobust",
    "DoublyRobustWithOptimisticShrinkage",
    "DoublyRobustWithPessimisticShrinkage",
    "InverseProbabilityWeighting",
    "ReplayMethod",
    "SelfNormalizedDoublyRobust",
    "SelfNormalizedInverseProbabilityWeighting",
    "SubGaussianDoublyRobust",
    "SubGaussianInverseProbabilityWeighting",
    "SwitchDoublyRobust",
]
