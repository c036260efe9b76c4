"""The original library's path of its offline evaluator (:class:`pybandits.compat.evaluator.OfflinePolicyEvaluator`)."""

from pybandits.compat.evaluator import OfflinePolicyEvaluator

__all__ = ["OfflinePolicyEvaluator"]
