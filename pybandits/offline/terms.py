"""The estimators' per-row terms and how their sums combine: written once, for every estimator and for merged sums."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from pybandits.boundary.validation import describe
from pybandits.exceptions import DataWarning
from pybandits.offline.logs import Log, check_lambda, check_log

__all__ = ["ESTIMATORS", "EstimatorTerms", "check_hyperparameters", "estimate", "estimator_terms", "ratio_sums"]


# --------------------------------------------------------------------------------------------------------------------
# The per-row terms and how to combine their sums


@dataclass(frozen=True, eq=False)
class EstimatorTerms:
    """The per-row arrays of an estimator and the way to combine their sums.

    The estimate is ``V = sum_k (sum_i numerators[k, i]) / (sum_i denominators[k, i])``: a sum over
    ``k`` of ratios of row sums. Both arrays have shape (n_ratios, n); ``n_ratios`` is 1 for every
    estimator but ``sndr`` (2: the model term and the self-normalised correction).

    A bootstrap replicate resamples rows: with ``c_i`` the number of times row i is drawn, it is
    ``sum_k (sum_i c_i numerators[k, i]) / (sum_i c_i denominators[k, i])``, so a (n_bootstrap, n) matrix
    of counts gives all replicates with two matrix products (:meth:`value`). Any non-negative row weights
    work the same way (for example the Dirichlet weights of a Bayesian bootstrap). A ratio whose
    denominator sums to 0 is undefined and gives ``nan``.

    Attributes
    ----------
    numerators : numpy.ndarray
        Shape (n_ratios, n).
    denominators : numpy.ndarray
        Shape (n_ratios, n).

    Examples
    --------
    >>> import numpy as np
    >>> terms = EstimatorTerms(numerators=np.array([[2.0, 0.0, 4.0]]), denominators=np.ones((1, 3)))
    >>> terms.value()  # (2 + 0 + 4) / 3
    2.0
    >>> terms.value(np.array([[3, 0, 0], [0, 1, 2], [1, 1, 1]]))  # three resamples of the three rows
    array([2.        , 2.66666667, 2.        ])
    """

    numerators: np.ndarray
    denominators: np.ndarray

    @property
    def n_rows(self) -> int:
        """The number of logged rows n.

        Examples
        --------
        >>> EstimatorTerms(numerators=np.zeros((1, 4)), denominators=np.ones((1, 4))).n_rows
        4
        """
        return self.numerators.shape[1]

    def value(self, counts: np.ndarray | None = None) -> float | np.ndarray:
        """The estimate on the full sample (``counts=None``) or on resamples described by ``counts``.

        Parameters
        ----------
        counts : array of shape (n,) or (n_bootstrap, n), optional
            How many times each row is drawn in each resample (or any non-negative row weights).
            Without it, every row counts once: the estimate on the logged sample. Integer counts are
            converted to float64; to bound memory with many rows (1,000 resamples of 100,000 rows are
            800 MB as float64), pass float64 counts in chunks of resamples and concatenate the results.

        Returns
        -------
        float or numpy.ndarray
            A float for the full sample or a (n,) ``counts``; an (n_bootstrap,) array for a 2-D ``counts``.
            A ratio whose denominator sums to 0 makes the result ``nan`` (no warning here).

        Examples
        --------
        >>> terms = EstimatorTerms(numerators=np.array([[1.0, 0.0, 3.0]]), denominators=np.array([[1.0, 0.0, 1.0]]))
        >>> terms.value()  # (1 + 0 + 3) / (1 + 0 + 1)
        2.0
        >>> terms.value(np.array([0, 2, 0]))  # only the row with denominator 0: undefined
        nan
        """
        return ratio_sums(*self.sums(counts))

    def sums(self, counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The row sums of the numerators and of the denominators, each row counted ``counts`` times.

        What rows held on different machines add up to: the sums of two sets of rows are the sums of
        their union, and :func:`ratio_sums` of the added sums is the estimate on all of them.

        Parameters
        ----------
        counts : array of shape (n,) or (n_bootstrap, n), optional
            Row weights, as for :meth:`value`; every row once without it.

        Returns
        -------
        tuple of numpy.ndarray
            The numerator sums and the denominator sums, each of shape (n_ratios,), or
            (n_bootstrap, n_ratios) for a 2-D ``counts``.

        Examples
        --------
        >>> terms = EstimatorTerms(numerators=np.array([[1.0, 0.0, 3.0]]), denominators=np.array([[1.0, 0.0, 1.0]]))
        >>> terms.sums()
        (array([4.]), array([2.]))
        >>> ratio_sums(*terms.sums()) == terms.value()
        True
        """
        if counts is None:
            return self.numerators.sum(axis=1), self.denominators.sum(axis=1)
        counts = np.asarray(counts, dtype=float)
        if counts.ndim not in (1, 2) or counts.shape[-1] != self.n_rows:
            raise ValueError(
                f"counts: expected an array of shape ({self.n_rows},) or (n_bootstrap, {self.n_rows}), "
                f"got shape {counts.shape}"
            )
        # one pass over the counts for both sums: (..., n) @ (n, 2 n_ratios)
        sums = counts @ np.concatenate([self.numerators, self.denominators]).T
        k = self.numerators.shape[0]
        return sums[..., :k], sums[..., k:]


def ratio_sums(numerator_sums: np.ndarray, denominator_sums: np.ndarray) -> float | np.ndarray:
    """An estimate from its sums: ``sum_k numerator_sums[..., k] / denominator_sums[..., k]``.

    The one formula that turns :meth:`EstimatorTerms.sums` into an estimate, whether the sums come
    from one table or were added up over the partitions of a dataset. A ratio whose denominator sum
    is 0 is undefined: the result is ``nan`` (no warning here).

    Parameters
    ----------
    numerator_sums, denominator_sums : numpy.ndarray
        Shape (n_ratios,), or (..., n_ratios) for several resamples at once.

    Returns
    -------
    float or numpy.ndarray
        A float for 1-D sums, else an array of the leading shape.

    Examples
    --------
    >>> ratio_sums(np.array([6.0, 1.0]), np.array([3.0, 2.0]))  # 6/3 + 1/2
    2.5
    >>> ratio_sums(np.array([[1.0], [2.0]]), np.array([[0.0], [4.0]]))
    array([nan, 0.5])
    """
    ratios = np.divide(
        numerator_sums,
        denominator_sums,
        out=np.full(np.shape(numerator_sums), np.nan),
        where=denominator_sums != 0,
    )
    total = ratios.sum(axis=-1)
    return float(total) if np.ndim(total) == 0 else total


# --------------------------------------------------------------------------------------------------------------------
# The per-row terms of each estimator


def _mean_of(row_terms: np.ndarray) -> EstimatorTerms:
    return EstimatorTerms(numerators=row_terms[None, :], denominators=np.ones((1, row_terms.shape[0])))


def _ratio_of(numerators: np.ndarray, denominators: np.ndarray) -> EstimatorTerms:
    return EstimatorTerms(numerators=numerators[None, :], denominators=denominators[None, :])


def _shrunk_dros(weights: np.ndarray, lambda_: float) -> np.ndarray:
    # lambda w / (w^2 + lambda), written so that lambda = inf gives w and a huge lambda cannot overflow.
    if lambda_ == 0:
        return np.zeros_like(weights)
    return weights / (1.0 + weights * weights / lambda_)


def _shrunk_sg(weights: np.ndarray, lambda_: float) -> np.ndarray:
    # w / ((1 - lambda) + lambda w); a row of weight 0 keeps weight 0 (also at lambda = 1, where 0/0).
    denominator = (1.0 - lambda_) + lambda_ * weights
    return np.divide(weights, denominator, out=np.zeros_like(weights), where=weights > 0)


def _replay_terms(log: Log) -> EstimatorTerms:
    chance = log.policy_of_logged
    return _ratio_of(chance * log.rewards, chance)


def _ipw_terms(log: Log) -> EstimatorTerms:
    return _mean_of(log.weights * log.rewards)


def _snipw_terms(log: Log) -> EstimatorTerms:
    weights = log.weights
    return _ratio_of(weights * log.rewards, weights)


def _dm_terms(log: Log) -> EstimatorTerms:
    return _mean_of(log.model_value)


def _dr_terms(log: Log) -> EstimatorTerms:
    return _mean_of(log.model_value + log.weights * log.residuals)


def _sndr_terms(log: Log) -> EstimatorTerms:
    weights = log.weights
    n = weights.shape[0]
    return EstimatorTerms(
        numerators=np.stack([log.model_value, weights * log.residuals]),
        denominators=np.stack([np.ones(n), weights]),
    )


def _switch_dr_terms(log: Log, lambda_: float) -> EstimatorTerms:
    weights = log.weights
    kept = np.where(weights <= lambda_, weights, 0.0)
    return _mean_of(log.model_value + kept * log.residuals)


def _dros_terms(log: Log, lambda_: float) -> EstimatorTerms:
    return _mean_of(log.model_value + _shrunk_dros(log.weights, lambda_) * log.residuals)


def _sg_ipw_terms(log: Log, lambda_: float) -> EstimatorTerms:
    return _mean_of(_shrunk_sg(log.weights, lambda_) * log.rewards)


def _sg_dr_terms(log: Log, lambda_: float) -> EstimatorTerms:
    return _mean_of(log.model_value + _shrunk_sg(log.weights, lambda_) * log.residuals)


@dataclass(frozen=True)
class _Spec:
    terms: Callable[..., EstimatorTerms]
    needs_model: bool
    lambda_upper: float | None  # None: no hyperparameter; else lambda_ must lie in [0, lambda_upper]


_SPECS: dict[str, _Spec] = {
    "replay": _Spec(_replay_terms, needs_model=False, lambda_upper=None),
    "ipw": _Spec(_ipw_terms, needs_model=False, lambda_upper=None),
    "snipw": _Spec(_snipw_terms, needs_model=False, lambda_upper=None),
    "dm": _Spec(_dm_terms, needs_model=True, lambda_upper=None),
    "dr": _Spec(_dr_terms, needs_model=True, lambda_upper=None),
    "sndr": _Spec(_sndr_terms, needs_model=True, lambda_upper=None),
    "switch_dr": _Spec(_switch_dr_terms, needs_model=True, lambda_upper=math.inf),
    "dros": _Spec(_dros_terms, needs_model=True, lambda_upper=math.inf),
    "sg_ipw": _Spec(_sg_ipw_terms, needs_model=False, lambda_upper=1.0),
    "sg_dr": _Spec(_sg_dr_terms, needs_model=True, lambda_upper=1.0),
}

#: The names of the estimators, as accepted by :func:`estimator_terms`.
ESTIMATORS: tuple[str, ...] = tuple(_SPECS)


def estimator_terms(
    name: str,
    rewards: object,
    actions: object,
    propensities: object,
    policy_probabilities: object,
    estimated_rewards: object = None,
    **hyperparameters: float,
) -> EstimatorTerms:
    """The per-row terms of estimator ``name``, for computing many bootstrap replicates at once.

    The inputs are checked as by the estimator itself, and ``estimator_terms(name, ...).value()`` is
    exactly ``name(...)`` (without its warning when undefined). See :class:`EstimatorTerms`.

    Parameters
    ----------
    name : str
        One of :data:`ESTIMATORS`: ``"replay"``, ``"ipw"``, ``"snipw"``, ``"dm"``, ``"dr"``, ``"sndr"``,
        ``"switch_dr"``, ``"dros"``, ``"sg_ipw"``, ``"sg_dr"``.
    rewards, actions, propensities, policy_probabilities, estimated_rewards
        As for the estimators (see the module documentation).
    **hyperparameters
        ``lambda_`` for ``switch_dr``, ``dros``, ``sg_ipw`` and ``sg_dr``; nothing for the others.

    Returns
    -------
    EstimatorTerms

    Examples
    --------
    >>> import numpy as np
    >>> rewards, actions, propensities = [1.0, 0.0, 1.0], [0, 1, 1], [0.5, 0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
    >>> terms = estimator_terms("snipw", rewards, actions, propensities, policy)
    >>> terms.numerators, terms.denominators
    (array([[2., 0., 2.]]), array([[2., 2., 2.]]))
    >>> from pybandits.offline.estimators import snipw
    >>> terms.value() == snipw(rewards, actions, propensities, policy)
    True
    >>> counts = np.random.default_rng(0).multinomial(3, [1 / 3] * 3, size=1000)  # 1,000 resamples of 3 rows
    >>> terms.value(counts).shape
    (1000,)
    """
    if name not in _SPECS:
        raise ValueError(f"name: expected one of {list(ESTIMATORS)}, got {describe(name)}")
    spec = _SPECS[name]
    hyperparameters = check_hyperparameters(name, hyperparameters)
    log = check_log(
        name, rewards, actions, propensities, policy_probabilities, estimated_rewards, needs_model=spec.needs_model
    )
    return spec.terms(log, **hyperparameters)


def check_hyperparameters(name: str, hyperparameters: Mapping[str, object]) -> dict[str, float]:
    """Estimator ``name``'s hyperparameters, checked: ``lambda_`` for those that take one, nothing for the others."""
    spec = _SPECS[name]
    expected = set() if spec.lambda_upper is None else {"lambda_"}
    unknown = sorted(set(hyperparameters) - expected)
    if unknown:
        accepted = "no hyperparameters" if not expected else "only lambda_"
        raise TypeError(f"{name}: takes {accepted} (expected {sorted(expected)}), got {unknown}")
    if expected and "lambda_" not in hyperparameters:
        raise TypeError(f"lambda_: {name} needs the hyperparameter lambda_ (a keyword argument), expected it, got none")
    if spec.lambda_upper is None:
        return {}
    return {"lambda_": check_lambda(hyperparameters["lambda_"], upper=spec.lambda_upper)}


def estimate(name: str, *arrays: object, **hyperparameters: float) -> float:
    terms = estimator_terms(name, *arrays, **hyperparameters)
    value = terms.value()
    if math.isnan(value):
        warnings.warn(
            f"{name}: undefined on these rows, since the evaluated policy gives probability 0 to every logged "
            "action (the normalising sum is 0); returning nan",
            DataWarning,
            stacklevel=3,
        )
    return value
