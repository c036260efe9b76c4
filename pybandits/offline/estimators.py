"""Off-policy estimators: the value of a policy, estimated from rows logged by another policy.

Every estimator is a plain function of numpy arrays with the same signature::

    f(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, **hyperparameters) -> float

- ``rewards`` (n,): the logged rewards r_i (finite real numbers).
- ``actions`` (n,): the logged actions a_i, as integer column indices into ``policy_probabilities``.
- ``propensities`` (n,): p_i, the logging policy's probability of the logged action a_i, in (0, 1].
- ``policy_probabilities`` (n, n_actions): pi(a | x_i), the evaluated policy's probability of each action
  in each logged row; every row sums to 1 (a deterministic policy has one 1 per row).
- ``estimated_rewards`` (n, n_actions): q(x_i, a), a reward model's prediction for each action in each row.
  Required by the model-based estimators (``dm``, ``dr``, ``sndr``, ``switch_dr``, ``dros``, ``sg_dr``),
  which raise a ``TypeError`` without it. The other estimators (``replay``, ``ipw``, ``snipw``,
  ``sg_ipw``) do not use it: they accept it, so that one call can feed every estimator, check its shape
  when given, and ignore it.

Notation of the docstrings: w_i = pi(a_i | x_i) / p_i is the importance weight of row i,
dm_i = sum_a pi(a | x_i) q(x_i, a) the reward model's value of the policy in row i, and
q_i = q(x_i, a_i) the model's prediction for the logged action.

Hyperparameters are keyword-only and named as in the Open Bandit Pipeline (Saito et al. 2021,
"Open Bandit Dataset and Pipeline: Towards Realistic and Reproducible Off-Policy Evaluation"): ``lambda_``.
They have no default, since each value is a different estimator (``dros`` with ``lambda_=0`` is ``dm``,
``switch_dr`` with ``lambda_=inf`` is ``dr``): the caller chooses.

Bootstrap
---------
Every estimator here is a sum of ratios of row sums,
``V = sum_k (sum_i numerators[k, i]) / (sum_i denominators[k, i])``, usually with one ratio
(``denominators`` all 1 for a plain mean; the self-normalised estimators divide by the sum of their
weights; ``sndr`` is the sum of two ratios). :func:`estimator_terms` returns these per-row arrays as an
:class:`EstimatorTerms`, whose :meth:`EstimatorTerms.value` takes a matrix of resampling counts
(n_bootstrap, n) and returns every bootstrap replicate with two matrix products, no Python loop over
replicates. The estimator functions are exactly ``estimator_terms(...).value()``.

Examples
--------
>>> from pybandits.offline import ipw, snipw
>>> rewards, actions, propensities = [1.0, 0.0, 1.0], [0, 1, 1], [0.5, 0.5, 0.5]
>>> policy = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
>>> ipw(rewards, actions, propensities, policy)  # (2*1 + 2*0 + 2*1) / 3
1.3333333333333333
>>> snipw(rewards, actions, propensities, policy)  # (2 + 0 + 2) / (2 + 2 + 2)
0.6666666666666666
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pybandits.boundary.validation import describe, is_real
from pybandits.exceptions import DataWarning

__all__ = [
    "ESTIMATORS",
    "EstimatorTerms",
    "dm",
    "dr",
    "dros",
    "estimator_terms",
    "ipw",
    "replay",
    "sg_dr",
    "sg_ipw",
    "sndr",
    "snipw",
    "switch_dr",
]

_ROW_SUM_TOLERANCE = 1e-6


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
        if counts is None:
            numerator_sums = self.numerators.sum(axis=1)
            denominator_sums = self.denominators.sum(axis=1)
        else:
            counts = np.asarray(counts, dtype=float)
            if counts.ndim not in (1, 2) or counts.shape[-1] != self.n_rows:
                raise ValueError(
                    f"counts: expected an array of shape ({self.n_rows},) or (n_bootstrap, {self.n_rows}), "
                    f"got shape {counts.shape}"
                )
            # one pass over the counts for both sums: (..., n) @ (n, 2 n_ratios)
            sums = counts @ np.concatenate([self.numerators, self.denominators]).T
            k = self.numerators.shape[0]
            numerator_sums, denominator_sums = sums[..., :k], sums[..., k:]
        ratios = np.divide(
            numerator_sums,
            denominator_sums,
            out=np.full(np.shape(numerator_sums), np.nan),
            where=denominator_sums != 0,
        )
        total = ratios.sum(axis=-1)
        return float(total) if np.ndim(total) == 0 else total


# --------------------------------------------------------------------------------------------------------------------
# Input checks (one place)


def _real_array(value: object, name: str, ndim: int, shape_text: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected an array of real numbers of shape {shape_text}, got {describe(value)}")
    if array.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array of shape {shape_text}, got shape {array.shape}")
    array = array.astype(float)
    if not np.all(np.isfinite(array)):
        bad = np.flatnonzero(~np.isfinite(array.ravel()))[:5].tolist()
        raise ValueError(f"{name}: expected finite numbers, got nan or inf (at flat positions {bad})")
    return array


def _check_length(array: np.ndarray, name: str, n: int) -> None:
    if array.shape[0] != n:
        raise ValueError(f"{name}: expected {n} rows (one per logged reward), got {array.shape[0]}")


@dataclass(frozen=True, eq=False)
class _Log:
    """Checked logged data, with the derived per-row quantities the estimators share."""

    rewards: np.ndarray
    actions: np.ndarray
    propensities: np.ndarray
    policy_probabilities: np.ndarray
    estimated_rewards: np.ndarray | None

    @property
    def policy_of_logged(self) -> np.ndarray:
        """pi(a_i | x_i)."""
        return self.policy_probabilities[np.arange(self.rewards.shape[0]), self.actions]

    @property
    def weights(self) -> np.ndarray:
        """w_i = pi(a_i | x_i) / p_i."""
        return self.policy_of_logged / self.propensities

    @property
    def model_value(self) -> np.ndarray:
        """dm_i = sum_a pi(a | x_i) q(x_i, a)."""
        return np.sum(self.policy_probabilities * self.estimated_rewards, axis=1)

    @property
    def residuals(self) -> np.ndarray:
        """r_i - q(x_i, a_i)."""
        return self.rewards - self.estimated_rewards[np.arange(self.rewards.shape[0]), self.actions]


def _check_log(
    estimator: str,
    rewards: object,
    actions: object,
    propensities: object,
    policy_probabilities: object,
    estimated_rewards: object,
    needs_model: bool,
) -> _Log:
    rewards = _real_array(rewards, "rewards", 1, "(n,)")
    n = rewards.shape[0]
    if n == 0:
        raise ValueError("rewards: expected at least one logged row, got an empty array")

    raw_actions = np.asarray(actions)
    if raw_actions.dtype.kind not in "iuf":
        raise TypeError(f"actions: expected integer action indices of shape (n,), got {describe(actions)}")
    if raw_actions.ndim != 1:
        raise ValueError(f"actions: expected a 1-D array of shape (n,), got shape {raw_actions.shape}")
    _check_length(raw_actions, "actions", n)
    if raw_actions.dtype.kind == "f":
        whole = np.isfinite(raw_actions) & (raw_actions == np.round(raw_actions))
        if not np.all(whole):
            bad = raw_actions[~whole][:5].tolist()
            raise TypeError(f"actions: expected integer action indices, got non-integer values {bad}")
    actions = raw_actions.astype(np.int64)

    propensities = _real_array(propensities, "propensities", 1, "(n,)")
    _check_length(propensities, "propensities", n)
    outside = (propensities <= 0) | (propensities > 1)
    if np.any(outside):
        bad = propensities[outside][:5].tolist()
        raise ValueError(f"propensities: expected probabilities in (0, 1], got {bad}")

    policy_probabilities = _real_array(policy_probabilities, "policy_probabilities", 2, "(n, n_actions)")
    _check_length(policy_probabilities, "policy_probabilities", n)
    n_actions = policy_probabilities.shape[1]
    if n_actions == 0:
        raise ValueError("policy_probabilities: expected at least one action column, got shape (n, 0)")
    if np.any(policy_probabilities < 0):
        bad = policy_probabilities[policy_probabilities < 0][:5].tolist()
        raise ValueError(f"policy_probabilities: expected probabilities >= 0, got {bad}")
    row_sums = policy_probabilities.sum(axis=1)
    off = np.abs(row_sums - 1.0) > _ROW_SUM_TOLERANCE
    if np.any(off):
        rows = np.flatnonzero(off)[:5].tolist()
        raise ValueError(
            f"policy_probabilities: expected every row to sum to 1 (within {_ROW_SUM_TOLERANCE:g}), "
            f"got sums {row_sums[off][:5].tolist()} in rows {rows}"
        )

    out_of_range = (actions < 0) | (actions >= n_actions)
    if np.any(out_of_range):
        bad = actions[out_of_range][:5].tolist()
        raise ValueError(
            f"actions: expected indices in [0, {n_actions}) (the columns of policy_probabilities), got {bad}"
        )

    if estimated_rewards is None:
        if needs_model:
            raise TypeError(
                f"estimated_rewards: {estimator} needs a reward model's predictions, "
                f"an array of shape ({n}, {n_actions}), got None"
            )
    else:
        estimated_rewards = _real_array(estimated_rewards, "estimated_rewards", 2, f"({n}, {n_actions})")
        if estimated_rewards.shape != policy_probabilities.shape:
            raise ValueError(
                f"estimated_rewards: expected shape ({n}, {n_actions}) like policy_probabilities, "
                f"got {estimated_rewards.shape}"
            )
    return _Log(rewards, actions, propensities, policy_probabilities, estimated_rewards)


def _check_lambda(value: object, upper: float = math.inf, name: str = "lambda_") -> float:
    if not is_real(value):
        raise TypeError(f"{name}: expected a real number, got {describe(value)}")
    value = float(value)
    if math.isnan(value) or value < 0 or value > upper:
        interval = "[0, inf]" if upper == math.inf else f"[0, {upper:g}]"
        raise ValueError(f"{name}: expected a number in {interval}, got {value!r}")
    return value


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


def _replay_terms(log: _Log) -> EstimatorTerms:
    chance = log.policy_of_logged
    return _ratio_of(chance * log.rewards, chance)


def _ipw_terms(log: _Log) -> EstimatorTerms:
    return _mean_of(log.weights * log.rewards)


def _snipw_terms(log: _Log) -> EstimatorTerms:
    weights = log.weights
    return _ratio_of(weights * log.rewards, weights)


def _dm_terms(log: _Log) -> EstimatorTerms:
    return _mean_of(log.model_value)


def _dr_terms(log: _Log) -> EstimatorTerms:
    return _mean_of(log.model_value + log.weights * log.residuals)


def _sndr_terms(log: _Log) -> EstimatorTerms:
    weights = log.weights
    n = weights.shape[0]
    return EstimatorTerms(
        numerators=np.stack([log.model_value, weights * log.residuals]),
        denominators=np.stack([np.ones(n), weights]),
    )


def _switch_dr_terms(log: _Log, lambda_: float) -> EstimatorTerms:
    weights = log.weights
    kept = np.where(weights <= lambda_, weights, 0.0)
    return _mean_of(log.model_value + kept * log.residuals)


def _dros_terms(log: _Log, lambda_: float) -> EstimatorTerms:
    return _mean_of(log.model_value + _shrunk_dros(log.weights, lambda_) * log.residuals)


def _sg_ipw_terms(log: _Log, lambda_: float) -> EstimatorTerms:
    return _mean_of(_shrunk_sg(log.weights, lambda_) * log.rewards)


def _sg_dr_terms(log: _Log, lambda_: float) -> EstimatorTerms:
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
    >>> terms.value() == snipw(rewards, actions, propensities, policy)
    True
    >>> counts = np.random.default_rng(0).multinomial(3, [1 / 3] * 3, size=1000)  # 1,000 resamples of 3 rows
    >>> terms.value(counts).shape
    (1000,)
    """
    if name not in _SPECS:
        raise ValueError(f"name: expected one of {list(ESTIMATORS)}, got {describe(name)}")
    spec = _SPECS[name]
    expected = set() if spec.lambda_upper is None else {"lambda_"}
    unknown = sorted(set(hyperparameters) - expected)
    if unknown:
        accepted = "no hyperparameters" if not expected else "only lambda_"
        raise TypeError(f"{name}: takes {accepted}, got {unknown}")
    if expected and "lambda_" not in hyperparameters:
        raise TypeError(f"lambda_: {name} needs the hyperparameter lambda_ (a keyword argument), got none")
    if spec.lambda_upper is not None:
        hyperparameters = {"lambda_": _check_lambda(hyperparameters["lambda_"], upper=spec.lambda_upper)}
    log = _check_log(
        name, rewards, actions, propensities, policy_probabilities, estimated_rewards, needs_model=spec.needs_model
    )
    return spec.terms(log, **hyperparameters)


def _estimate(name: str, *arrays: object, **hyperparameters: float) -> float:
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


# --------------------------------------------------------------------------------------------------------------------
# The estimators


def replay(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Replay method: the mean reward of the rows where the evaluated policy would have chosen the logged action.

    V = sum_i pi(a_i | x_i) r_i / sum_i pi(a_i | x_i)

    For a deterministic policy (one 1 per row of ``policy_probabilities``), pi(a_i | x_i) is 1 where the
    policy's action equals the logged one and 0 elsewhere: the mean reward over the matching rows, as in
    the source. For a stochastic policy each row counts with the probability that the policy would have
    chosen the logged action (the expected outcome of drawing the policy's action and keeping the row on a
    match), not by the argmax. The propensities are checked but not used: the estimate is consistent for
    the policy's value (unbiased in the sense of the source) only when the logging policy was uniform over
    the actions; under any other logging policy it is biased. ``estimated_rewards`` is not used.

    Returns ``nan`` with a :class:`~pybandits.exceptions.DataWarning` when no row matches (the policy gives
    probability 0 to every logged action).

    Source: Li, Chu, Langford, Wang (2011), "Unbiased offline evaluation of contextual-bandit-based news
    article recommendation algorithms".

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0, 1.0, 0.0], [0, 1, 1, 0], [0.5] * 4
    >>> policy = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]  # matches rows 0, 1, 2
    >>> replay(rewards, actions, propensities, policy)  # (1 + 0 + 1) / 3
    0.6666666666666666
    """
    return _estimate("replay", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def ipw(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Inverse propensity weighting (Horvitz-Thompson): the mean of the importance-weighted rewards.

    V = (1/n) sum_i w_i r_i, with w_i = pi(a_i | x_i) / p_i

    Unbiased when the propensities are the logging policy's true probabilities and the logging policy
    gives a positive probability to every action the evaluated policy can take. ``estimated_rewards`` is
    not used.

    Source: Horvitz, Thompson (1952), "A generalization of sampling without replacement from a finite
    universe"; for bandits, Dudik, Langford, Li (2011), "Doubly robust policy evaluation and learning".

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0, 1.0], [0, 1, 1], [0.5, 0.5, 0.25]
    >>> policy = [[1.0, 0.0], [0.5, 0.5], [0.5, 0.5]]  # weights 2, 1, 2
    >>> ipw(rewards, actions, propensities, policy)  # (2*1 + 1*0 + 2*1) / 3
    1.3333333333333333
    """
    return _estimate("ipw", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def snipw(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Self-normalised inverse propensity weighting: the weighted mean of the rewards.

    V = sum_i w_i r_i / sum_i w_i, with w_i = pi(a_i | x_i) / p_i

    Biased but consistent; stays within the range of the rewards. Returns ``nan`` with a
    :class:`~pybandits.exceptions.DataWarning` when every weight is 0. ``estimated_rewards`` is not used.

    Source: Swaminathan, Joachims (2015), "The self-normalized estimator for counterfactual learning".

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0, 1.0], [0, 1, 1], [0.5, 0.5, 0.25]
    >>> policy = [[1.0, 0.0], [0.5, 0.5], [0.5, 0.5]]  # weights 2, 1, 2
    >>> snipw(rewards, actions, propensities, policy)  # (2*1 + 1*0 + 2*1) / (2 + 1 + 2)
    0.8
    """
    return _estimate("snipw", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def dm(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Direct method: the reward model's value of the policy, averaged over the logged contexts.

    V = (1/n) sum_i dm_i, with dm_i = sum_a pi(a | x_i) q(x_i, a)

    Uses neither the rewards nor the propensities (both are still checked); as good as the reward model.
    ``estimated_rewards`` is required.

    Source: Dudik, Langford, Li (2011), "Doubly robust policy evaluation and learning" (the direct method
    they compare with).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]
    >>> model = [[0.8, 0.2], [0.4, 0.6]]
    >>> dm(rewards, actions, propensities, policy, model)  # (0.8 + (0.2 + 0.3)) / 2
    0.65
    """
    return _estimate("dm", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def dr(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Doubly robust: the direct method plus an importance-weighted correction of the model's error.

    V = (1/n) sum_i [dm_i + w_i (r_i - q_i)], with w_i = pi(a_i | x_i) / p_i and q_i = q(x_i, a_i)

    Unbiased when the propensities are right (whatever the model); when the model is right, the
    correction has mean 0. ``estimated_rewards`` is required.

    Source: Dudik, Langford, Li (2011), "Doubly robust policy evaluation and learning".

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> dr(rewards, actions, propensities, policy, model)  # (0.8 + 2*(1 - 0.8) + 0.5 + 1*(0 - 0.6)) / 2
    0.55
    """
    return _estimate("dr", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def sndr(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Self-normalised doubly robust: the correction of ``dr`` divided by the mean weight.

    V = (1/n) sum_i dm_i + sum_i w_i (r_i - q_i) / sum_i w_i

    that is the mean of dm_i + w_i (r_i - q_i) / mean(w), the definition of the Open Bandit Pipeline.
    Returns ``nan`` with a :class:`~pybandits.exceptions.DataWarning` when every weight is 0.
    ``estimated_rewards`` is required.

    Source: Dudik, Erhan, Langford, Li (2014), "Doubly robust policy evaluation and optimization"; Kallus,
    Uehara (2019), "Intrinsically efficient, stable, and bounded off-policy evaluation for reinforcement
    learning" (self-normalisation); as in Saito et al. (2021), Open Bandit Pipeline.

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> round(sndr(rewards, actions, propensities, policy, model), 6)  # 0.65 + (2*0.2 + 1*(-0.6)) / 3
    0.583333
    """
    return _estimate("sndr", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def switch_dr(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, *, lambda_) -> float:
    """Switch doubly robust: ``dr`` on the rows whose weight is at most ``lambda_``, ``dm`` on the others.

    V = (1/n) sum_i [dm_i + 1{w_i <= lambda_} w_i (r_i - q_i)]

    ``lambda_`` (keyword, in [0, inf]) is the threshold on the importance weight; a weight equal to it keeps
    its correction. ``lambda_=inf`` gives ``dr``; ``lambda_=0`` gives ``dm`` (a row of weight 0 has no
    correction). ``estimated_rewards`` is required.

    This is the paper's SWITCH-DR: DR where the logged weight is at most the threshold, and the model alone
    for the actions above it; the model terms of the two parts add up to dm_i.

    Source: Wang, Agarwal, Dudik (2017), "Optimal and adaptive off-policy evaluation in contextual
    bandits"; parameterised as the Open Bandit Pipeline's SwitchDoublyRobust (Saito et al. 2021).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> round(switch_dr(rewards, actions, propensities, policy, model, lambda_=1.5), 6)  # (0.8 + 0.5 - 0.6) / 2
    0.35
    """
    return _estimate(
        "switch_dr", rewards, actions, propensities, policy_probabilities, estimated_rewards, lambda_=lambda_
    )


def dros(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, *, lambda_) -> float:
    """Doubly robust with optimistic shrinkage: ``dr`` with the weights shrunk towards 0.

    V = (1/n) sum_i [dm_i + v_i (r_i - q_i)], with v_i = lambda_ w_i / (w_i^2 + lambda_)

    ``lambda_`` (keyword, in [0, inf]): ``lambda_=0`` gives ``dm``, and as ``lambda_`` grows v_i tends to w_i,
    ``lambda_=inf`` giving ``dr``. ``estimated_rewards`` is required.

    Source: Su, Dimakopoulou, Krishnamurthy, Dudik (2020), "Doubly robust off-policy evaluation with
    shrinkage"; parameterised as the Open Bandit Pipeline's DoublyRobustWithShrinkage (Saito et al. 2021).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1; with lambda_=4, shrunk to 8/8 = 1 and 4/5 = 0.8
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> round(dros(rewards, actions, propensities, policy, model, lambda_=4.0), 6)  # (0.8 + 0.2 + 0.5 - 0.48) / 2
    0.51
    """
    return _estimate("dros", rewards, actions, propensities, policy_probabilities, estimated_rewards, lambda_=lambda_)


def sg_ipw(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, *, lambda_) -> float:
    """Subgaussian inverse propensity weighting: ``ipw`` with the weights corrected by a harmonic power mean.

    V = (1/n) sum_i v_i r_i, with v_i = w_i / ((1 - lambda_) + lambda_ w_i)

    ``lambda_`` (keyword, in [0, 1]): ``lambda_=0`` gives ``ipw``; ``lambda_=1`` gives every row of positive
    weight the weight 1 (a row of weight 0 keeps 0). ``estimated_rewards`` is not used.

    Source: Metelli, Russo, Restelli (2021), "Subgaussian and differentiable importance sampling for
    off-policy evaluation and learning"; parameterised as the Open Bandit Pipeline's
    SubGaussianInverseProbabilityWeighting (Saito et al. 2021).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0, 1.0], [0, 1, 1], [0.5, 0.5, 0.25]
    >>> policy = [[1.0, 0.0], [0.5, 0.5], [0.5, 0.5]]  # weights 2, 1, 2; with lambda_=0.5: 4/3, 1, 4/3
    >>> round(sg_ipw(rewards, actions, propensities, policy, lambda_=0.5), 6)  # (4/3 + 0 + 4/3) / 3
    0.888889
    """
    return _estimate("sg_ipw", rewards, actions, propensities, policy_probabilities, estimated_rewards, lambda_=lambda_)


def sg_dr(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, *, lambda_) -> float:
    """Subgaussian doubly robust: ``dr`` with the weights corrected by a harmonic power mean.

    V = (1/n) sum_i [dm_i + v_i (r_i - q_i)], with v_i = w_i / ((1 - lambda_) + lambda_ w_i)

    ``lambda_`` (keyword, in [0, 1]): ``lambda_=0`` gives ``dr``. ``estimated_rewards`` is required.

    Source: Metelli, Russo, Restelli (2021), "Subgaussian and differentiable importance sampling for
    off-policy evaluation and learning"; parameterised as the Open Bandit Pipeline's
    SubGaussianDoublyRobust (Saito et al. 2021).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1; with lambda_=0.5: 4/3, 1
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> round(sg_dr(rewards, actions, propensities, policy, model, lambda_=0.5), 6)  # (0.8 + 0.8/3 + 0.5 - 0.6) / 2
    0.483333
    """
    return _estimate("sg_dr", rewards, actions, propensities, policy_probabilities, estimated_rewards, lambda_=lambda_)
