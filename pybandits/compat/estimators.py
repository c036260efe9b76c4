"""The original library's off-policy estimator classes, over :mod:`pybandits.offline`'s estimators.

Each class names one of this library's estimators (:data:`pybandits.offline.ESTIMATORS`) with the
original's short name (``rep``, ``ipw``, ``snips``, ``dm``, ``dr``, ``sndr``, ``switch-dr``,
``dros-opt``, ``sg-ipw``, ``sg-dr``) and fields (``alpha``, ``n_bootstrap_samples``,
``random_state``, and the shrinkage or switch settings); the terms are computed by
:func:`pybandits.offline.estimator_terms`. Two of the original's estimators have no counterpart
here and are refused by name: ``BalancedInverseProbabilityWeighting`` (``b-ipw``, which needs a
classifier of the two policies' actions) and ``DoublyRobustWithPessimisticShrinkage``
(``dros-pess``).

What differs:

- the interval is a percentile bootstrap of the *estimator* on resampled rows, so self-normalised
  estimators are normalised in each resample (the original bootstraps the mean of per-row terms
  normalised once);
- ``SwitchDoublyRobust(switch_threshold=t)`` corrects the rows whose importance weight is at most
  ``t`` (the switch estimator of Wang, Agarwal and Dudik, 2017; with ``t = inf`` it is ``dr``): the
  original keeps the rows whose weight is at least ``t``, so that its default, ``inf``, gives ``dm``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from pybandits.boundary.validation import describe
from pybandits.offline import estimator_terms
from pybandits.offline.terms import check_hyperparameters

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

#: Resampling counts held at once (``replicates x rows``): 32 MiB as float64.
_COUNTS_AT_ONCE = 2**22


class BaseOfflinePolicyEstimator:
    """An off-policy estimator with a bootstrap interval: the original's base class.

    Parameters
    ----------
    alpha : float, default 0.05
        One minus the interval's coverage.
    n_bootstrap_samples : int, default 10000
        Bootstrap replicates.
    random_state : int, optional
        Seeds the bootstrap.
    bootstrap_batch_size : int, optional
        Replicates computed at once; by default as many as hold 2^22 resampling counts (rows x
        replicates) in memory.

    Examples
    --------
    >>> estimator = InverseProbabilityWeighting(n_bootstrap_samples=200, random_state=0)
    >>> estimator.name, estimator.pybandits_name
    ('ipw', 'ipw')
    """

    _name: ClassVar[str]
    #: The estimator of :mod:`pybandits.offline` this class computes.
    pybandits_name: ClassVar[str]
    #: The original's field that is this library's ``lambda_``, and its default.
    _setting: ClassVar[tuple[str, float] | None] = None
    #: Whether the estimator needs the reward model's predictions (``expected_reward``).
    needs_expected_reward: ClassVar[bool] = False

    def __init__(
        self,
        alpha: float = 0.05,
        n_bootstrap_samples: int = 10000,
        random_state: int | None = None,
        bootstrap_batch_size: int | None = None,
        **setting: Any,
    ) -> None:
        if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
            raise ValueError(f"alpha: expected a number strictly between 0 and 1, got {describe(alpha)}")
        if isinstance(n_bootstrap_samples, bool) or not isinstance(n_bootstrap_samples, int) or n_bootstrap_samples < 1:
            raise ValueError(f"n_bootstrap_samples: expected a positive integer, got {describe(n_bootstrap_samples)}")
        if random_state is not None and (isinstance(random_state, bool) or not isinstance(random_state, int)):
            raise TypeError(f"random_state: expected an integer or None, got {describe(random_state)}")
        if bootstrap_batch_size is not None and (
            isinstance(bootstrap_batch_size, bool)
            or not isinstance(bootstrap_batch_size, int)
            or bootstrap_batch_size < 1
        ):
            raise ValueError(
                f"bootstrap_batch_size: expected a positive integer or None, got {describe(bootstrap_batch_size)}"
            )
        known = {} if self._setting is None else {self._setting[0]: self._setting[1]}
        unknown = sorted(set(setting) - set(known))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected arguments {unknown} (its settings: {sorted(known)})")
        self.alpha, self.n_bootstrap_samples, self.random_state = float(alpha), n_bootstrap_samples, random_state
        self.bootstrap_batch_size = bootstrap_batch_size
        self.hyperparameters: dict[str, float] = {}
        if self._setting is not None:
            field, default = self._setting
            value = setting.get(field, default)
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                raise TypeError(f"{field}: expected a number, got {describe(value)}")
            try:  # the range this library's estimator accepts, checked now and named as the original names it
                check_hyperparameters(self.pybandits_name, {"lambda_": float(value)})
            except (TypeError, ValueError) as error:
                raise ValueError(f"{field}: {str(error).removeprefix('lambda_: ')}") from None
            setattr(self, field, float(value))
            self.hyperparameters = {"lambda_": float(value)}

    @property
    def name(self) -> str:
        """The original's short name of the estimator."""
        return self._name

    def __repr__(self) -> str:
        setting = "" if self._setting is None else f", {self._setting[0]}={getattr(self, self._setting[0])}"
        return f"{type(self).__name__}(alpha={self.alpha}, n_bootstrap_samples={self.n_bootstrap_samples}{setting})"

    def estimate_policy_value_with_confidence_interval(
        self,
        action: Any,
        reward: Any,
        propensity_score: Any,
        estimated_policy: Any,
        expected_reward: Any = None,
        **unused: Any,
    ) -> tuple[float, float, float, float]:
        """``(value, lower, upper, std)``: the estimate, its percentile bootstrap interval and the replicates' spread.

        ``action`` holds the logged actions as column indices of ``estimated_policy`` (rows x
        actions, the evaluated policy's probabilities); ``expected_reward`` (rows x actions) is
        needed by the model-based estimators. Other keyword arguments (such as the original's
        ``expected_importance_weight``) are not used.

        Examples
        --------
        >>> policy = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
        >>> estimator = InverseProbabilityWeighting(n_bootstrap_samples=500, random_state=0)
        >>> value, lower, upper, std = estimator.estimate_policy_value_with_confidence_interval(
        ...     action=np.array([0, 1, 0, 1]), reward=np.array([1, 0, 1, 1]),
        ...     propensity_score=np.full(4, 0.5), estimated_policy=policy,
        ... )
        >>> value, bool(lower <= value <= upper)
        (0.75, True)
        """
        if self.needs_expected_reward and expected_reward is None:
            raise TypeError(f"expected_reward: {self.name} needs the reward model's predictions, got None")
        terms = estimator_terms(
            self.pybandits_name,
            np.asarray(reward, dtype=np.float64),
            np.asarray(action),
            np.asarray(propensity_score, dtype=np.float64),
            np.asarray(estimated_policy, dtype=np.float64),
            None if expected_reward is None else np.asarray(expected_reward, dtype=np.float64),
            **self.hyperparameters,
        )
        value = float(terms.value())
        rng = np.random.default_rng(self.random_state)
        n = terms.n_rows
        replicates = []
        at_once = self.bootstrap_batch_size or max(1, _COUNTS_AT_ONCE // n)
        for start in range(0, self.n_bootstrap_samples, at_once):
            size = min(at_once, self.n_bootstrap_samples - start)
            counts = rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(np.float64)
            replicates.append(np.atleast_1d(terms.value(counts)))
        values = np.concatenate(replicates)
        values = values[np.isfinite(values)]
        if not values.size:
            return value, math.nan, math.nan, math.nan
        lower, upper = np.quantile(values, [self.alpha / 2, 1 - self.alpha / 2])
        spread = float(values.std(ddof=1)) if values.size > 1 else math.nan
        return value, float(lower), float(upper), spread


class ReplayMethod(BaseOfflinePolicyEstimator):
    """The replay method (``rep``): :func:`pybandits.offline.replay`.

    Examples
    --------
    >>> ReplayMethod().name
    'rep'
    """

    _name, pybandits_name = "rep", "replay"


class InverseProbabilityWeighting(BaseOfflinePolicyEstimator):
    """Inverse probability weighting (``ipw``): :func:`pybandits.offline.ipw`.

    Examples
    --------
    >>> InverseProbabilityWeighting().name
    'ipw'
    """

    _name, pybandits_name = "ipw", "ipw"


class SelfNormalizedInverseProbabilityWeighting(BaseOfflinePolicyEstimator):
    """Self-normalised inverse probability weighting (``snips``): :func:`pybandits.offline.snipw`.

    Examples
    --------
    >>> SelfNormalizedInverseProbabilityWeighting().name
    'snips'
    """

    _name, pybandits_name = "snips", "snipw"


class DirectMethod(BaseOfflinePolicyEstimator):
    """The direct method (``dm``): :func:`pybandits.offline.dm`.

    Examples
    --------
    >>> DirectMethod().needs_expected_reward
    True
    """

    _name, pybandits_name, needs_expected_reward = "dm", "dm", True


class DoublyRobust(BaseOfflinePolicyEstimator):
    """Doubly robust (``dr``): :func:`pybandits.offline.dr`.

    Examples
    --------
    >>> DoublyRobust().name
    'dr'
    """

    _name, pybandits_name, needs_expected_reward = "dr", "dr", True


class SelfNormalizedDoublyRobust(BaseOfflinePolicyEstimator):
    """Self-normalised doubly robust (``sndr``): :func:`pybandits.offline.sndr`.

    Examples
    --------
    >>> SelfNormalizedDoublyRobust().name
    'sndr'
    """

    _name, pybandits_name, needs_expected_reward = "sndr", "sndr", True


class SwitchDoublyRobust(BaseOfflinePolicyEstimator):
    """Switch doubly robust (``switch-dr``): :func:`pybandits.offline.switch_dr` with ``lambda_ = switch_threshold``.

    Rows whose importance weight is at most ``switch_threshold`` get ``dr``'s correction; the
    original corrects those at least it (see the module).

    Examples
    --------
    >>> SwitchDoublyRobust(switch_threshold=5.0).hyperparameters
    {'lambda_': 5.0}
    """

    _name, pybandits_name, needs_expected_reward = "switch-dr", "switch_dr", True
    _setting = ("switch_threshold", math.inf)


class DoublyRobustWithOptimisticShrinkage(BaseOfflinePolicyEstimator):
    """Doubly robust with optimistic shrinkage (``dros-opt``): :func:`pybandits.offline.dros`.

    ``shrinkage_factor`` is ``lambda_``: a weight ``w`` becomes ``lambda_ w / (w^2 + lambda_)``; 0
    (the original's default) gives ``dm``, ``inf`` gives ``dr``.

    Examples
    --------
    >>> DoublyRobustWithOptimisticShrinkage().hyperparameters
    {'lambda_': 0.0}
    """

    _name, pybandits_name, needs_expected_reward = "dros-opt", "dros", True
    _setting = ("shrinkage_factor", 0.0)


class SubGaussianInverseProbabilityWeighting(BaseOfflinePolicyEstimator):
    """Sub-Gaussian inverse probability weighting (``sg-ipw``): :func:`pybandits.offline.sg_ipw`.

    ``shrinkage_factor`` in [0, 1] is ``lambda_``; 0 (the original's default) gives ``ipw``.

    Examples
    --------
    >>> SubGaussianInverseProbabilityWeighting(shrinkage_factor=0.1).hyperparameters
    {'lambda_': 0.1}
    """

    _name, pybandits_name = "sg-ipw", "sg_ipw"
    _setting = ("shrinkage_factor", 0.0)


class SubGaussianDoublyRobust(BaseOfflinePolicyEstimator):
    """Sub-Gaussian doubly robust (``sg-dr``): :func:`pybandits.offline.sg_dr` with the original's shrinkage, 0.

    With ``lambda_ = 0`` the weights are not shrunk: the original's ``sg-dr`` has no setting and
    uses its sub-Gaussian weighting's default, 0.

    Examples
    --------
    >>> SubGaussianDoublyRobust().hyperparameters
    {'lambda_': 0.0}
    """

    _name, pybandits_name, needs_expected_reward = "sg-dr", "sg_dr", True

    def __init__(self, alpha: float = 0.05, n_bootstrap_samples: int = 10000, random_state: int | None = None):
        super().__init__(alpha, n_bootstrap_samples, random_state)
        self.hyperparameters = {"lambda_": 0.0}


class _Refused(BaseOfflinePolicyEstimator):
    """An estimator of the original with no counterpart here: constructing it raises, naming what to use."""

    _instead: ClassVar[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ValueError(f"{type(self).__name__} ({self._name}): {self._instead}")


class BalancedInverseProbabilityWeighting(_Refused):
    """The original's ``b-ipw``: refused (it weights rows by a classifier of the two policies' actions).

    Examples
    --------
    >>> BalancedInverseProbabilityWeighting()
    Traceback (most recent call last):
    ...
    ValueError: BalancedInverseProbabilityWeighting (b-ipw): no counterpart in pybandits ...
    """

    _name = "b-ipw"
    _instead = (
        "no counterpart in pybandits (its weights come from a classifier of the logged against the evaluated "
        "policy's actions); use SelfNormalizedInverseProbabilityWeighting or SubGaussianInverseProbabilityWeighting "
        "for weights that stay bounded"
    )


class DoublyRobustWithPessimisticShrinkage(_Refused):
    """The original's ``dros-pess``: refused (weights clipped at a threshold).

    Examples
    --------
    >>> DoublyRobustWithPessimisticShrinkage(shrinkage_factor=5.0)
    Traceback (most recent call last):
    ...
    ValueError: DoublyRobustWithPessimisticShrinkage (dros-pess): no counterpart in pybandits ...
    """

    _name = "dros-pess"
    _instead = (
        "no counterpart in pybandits (it clips the weights at shrinkage_factor); use "
        "DoublyRobustWithOptimisticShrinkage(shrinkage_factor=...) or SwitchDoublyRobust(switch_threshold=...)"
    )


#: One instance of every estimator with a counterpart: the original's ``ope_estimators=None``.
def every_estimator() -> list[BaseOfflinePolicyEstimator]:
    """The estimators ``ope_estimators=None`` stands for: one of each class with a counterpart, at its defaults.

    Examples
    --------
    >>> [estimator.name for estimator in every_estimator()]
    ['rep', 'ipw', 'snips', 'dm', 'dr', 'sndr', 'switch-dr', 'dros-opt', 'sg-ipw', 'sg-dr']
    """
    classes = [
        ReplayMethod,
        InverseProbabilityWeighting,
        SelfNormalizedInverseProbabilityWeighting,
        DirectMethod,
        DoublyRobust,
        SelfNormalizedDoublyRobust,
        SwitchDoublyRobust,
        DoublyRobustWithOptimisticShrinkage,
        SubGaussianInverseProbabilityWeighting,
        SubGaussianDoublyRobust,
    ]
    return [cls() for cls in classes]
