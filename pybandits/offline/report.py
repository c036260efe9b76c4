"""An evaluation report from per-row arrays: every row's estimator terms, the reward model, and the report's table.

Written once for the two evaluations: :func:`~pybandits.offline.evaluate.evaluate` applies
:func:`report_terms` to the whole table of logs, and ``pybandits.cluster.evaluate`` to each partition
of a dataset, adding the partitions' sums (:meth:`~pybandits.offline.terms.EstimatorTerms.sums`);
both turn the sums into estimates with :func:`~pybandits.offline.terms.ratio_sums` and into the report
with :func:`report_frame`. Every term of every estimator depends on its own row only (the row's reward,
logged action, propensity, policy probabilities and reward model predictions) and on the
hyperparameters, so the estimates are ratios of sums over rows: they merge by adding.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pybandits.exceptions import DataWarning
from pybandits.offline.terms import EstimatorTerms, estimator_terms

__all__ = [
    "ESTIMATORS_WITH_MODEL",
    "ReportRow",
    "action_costs",
    "cold_reward_model",
    "fixed_prices",
    "frequency_source",
    "model_source",
    "fit_logging_policy",
    "logging_probabilities",
    "posterior_means",
    "report_frame",
    "report_terms",
]

#: The estimators that need a reward model's predictions.
ESTIMATORS_WITH_MODEL = frozenset({"dm", "dr", "sndr", "switch_dr", "dros", "sg_dr"})

#: One row of a report before its bootstrap: estimator, objective (None for the cost rows) and terms.
ReportRow = tuple[str, int | None, EstimatorTerms]


def fixed_prices(mab: Any) -> np.ndarray | None:
    """A dynamic-pricing bandit's price per action (in its actions' order; numbers, as none is quantitative)."""
    return np.array([float(mab.action_prices[a]) for a in mab.actions]) if mab.strategy.uses_prices else None


def action_costs(mab: Any) -> np.ndarray | None:
    """A cost-control bandit's cost per action (in its actions' order), else None."""
    if not mab.strategy.uses_costs:
        return None
    return np.array([model.cost for model in mab.actions.values()], dtype=float)


def _mean_terms(values: np.ndarray) -> EstimatorTerms:
    return EstimatorTerms(numerators=values[None, :], denominators=np.ones((1, values.shape[0])))


def report_terms(
    names: Sequence[str],
    settings: Mapping[str, Mapping[str, float]],
    rewards: np.ndarray,
    actions: np.ndarray,
    propensities: np.ndarray,
    probabilities: np.ndarray,
    model: np.ndarray | None,
    prices: np.ndarray | None = None,
    costs: np.ndarray | None = None,
) -> list[ReportRow]:
    """The per-row terms of every row of a report, for one table of logged rows.

    Parameters
    ----------
    names : sequence of str
        The estimators, in the report's order.
    settings : mapping
        ``{estimator: {hyperparameter: value}}`` for every name.
    rewards : numpy.ndarray
        ``(n, n_objectives)`` logged rewards.
    actions, propensities : numpy.ndarray
        ``(n,)`` logged action indices (in the bandit's action order) and logging propensities.
    probabilities : numpy.ndarray
        ``(n, n_actions)``: the evaluated policy's probability of each action in each row.
    model : numpy.ndarray or None
        ``(n, n_actions, n_objectives)`` reward model predictions; None without a model-based estimator.
    prices : numpy.ndarray, optional
        A dynamic-pricing bandit's price per action: the rewards (purchases) and the model's purchase
        probabilities are valued at the price, ``price x reward``.
    costs : numpy.ndarray, optional
        A cost-control bandit's cost per action: adds the rows ``cost`` (the evaluated policy's mean
        cost) and ``logged_cost``.

    Returns
    -------
    list of (str, int or None, EstimatorTerms)
        Per objective, each estimator then ``logged`` (the mean logged reward); then the cost rows.

    Examples
    --------
    >>> rows = report_terms(["ipw"], {"ipw": {}}, np.array([[1.0], [0.0]]), np.array([0, 1]), np.array([0.5, 0.5]),
    ...                     np.array([[1.0, 0.0], [0.5, 0.5]]), None)
    >>> [(name, objective, terms.value()) for name, objective, terms in rows]
    [('ipw', 0, 1.0), ('logged', 0, 0.5)]
    """
    if prices is not None:  # dynamic pricing: value the revenue, price x purchase
        rewards = rewards * prices[actions][:, None]
        model = None if model is None else model * prices[None, :, None]
    rows: list[ReportRow] = []
    for objective in range(rewards.shape[1]):
        reward = rewards[:, objective]
        estimated = None if model is None else model[..., objective]
        for name in names:
            terms = estimator_terms(name, reward, actions, propensities, probabilities, estimated, **settings[name])
            rows.append((name, objective, terms))
        rows.append(("logged", objective, _mean_terms(reward)))
    if costs is not None:
        rows.append(("cost", None, _mean_terms(probabilities @ costs)))
        rows.append(("logged_cost", None, _mean_terms(costs[actions])))
    return rows


def _summary(name: str, value: float, replicates: np.ndarray, level: float, stacklevel: int) -> dict[str, Any]:
    finite = replicates[np.isfinite(replicates)]
    if not np.isfinite(value) or finite.size < len(replicates):
        warnings.warn(
            f"evaluate: {name} is undefined on the logs or on {len(replicates) - finite.size} of {len(replicates)} "
            "bootstrap resamples (no row with a positive weight, e.g. replay without a logged action the policy "
            "plays); its interval uses the defined resamples",
            DataWarning,
            stacklevel=stacklevel,
        )
    tail = (1.0 - level) / 2
    lower, upper = np.quantile(finite, [tail, 1.0 - tail]) if finite.size else (np.nan, np.nan)
    return {
        "estimator": name,
        "value": value,
        "lower": float(lower),
        "upper": float(upper),
        "std": float(finite.std(ddof=1)) if finite.size > 1 else np.nan,
    }


def report_frame(
    estimates: Sequence[tuple[str, int | None, float, np.ndarray]],
    level: float,
    multi_objective: bool,
    attrs: Mapping[str, Any],
    stacklevel: int = 4,
) -> Any:
    """The report: a row per ``(estimator, objective, value, bootstrap replicates)``, percentile intervals at ``level``.

    Columns ``estimator``, ``objective`` (``multi_objective`` only), ``value``, ``lower``, ``upper``,
    ``std``; ``attrs`` as given. An estimate undefined on the rows, or on some replicates, warns
    (:class:`~pybandits.exceptions.DataWarning`), at ``stacklevel`` frames up (the caller's caller).
    """
    import pandas as pd

    records = []
    for name, objective, value, replicates in estimates:
        record = _summary(name, value, replicates, level, stacklevel)
        if multi_objective:
            record["objective"] = objective
        records.append(record)
    report = pd.DataFrame.from_records(records)
    report = report[["estimator", *(["objective"] if multi_objective else []), "value", "lower", "upper", "std"]]
    if "objective" in report:
        report["objective"] = report["objective"].astype("Int64")  # cost rows have none
    report.attrs.update(attrs)
    return report


def frequency_source(why: str = "") -> str:
    """The report's words for propensities estimated as each action's logged frequency (``why``: in parentheses)."""
    return f"estimated: each action's frequency in the logs{why}; assumes a logging policy that ignores the context"


def model_source(n_folds: int, contextual: bool) -> str:
    """The report's words for the cross-fitted reward model."""
    return f"cross-fitted ({n_folds} folds): " + (
        "per-action regression on the context" if contextual else "per-action posterior mean"
    )


def cold_reward_model(
    mab: Any, contextual: bool, model_kwargs: Mapping[str, Any] | None, seed: int, code_vocabularies: bool = False
) -> Any:
    """A cold reward model for ``mab``'s logs: of its reward family, over its actions.

    A stochastic bandit's is a stochastic bandit (each action's posterior mean); a contextual
    bandit's a contextual bandit without hidden layers over the same columns, taken by position,
    whose categorical columns hold the bandit's codes, with one spare level (a value the bandit
    never saw has the code ``cardinality``). With ``code_vocabularies``, each categorical column
    declares the codes' text (``"0"``, ``"1"``, ...) as its vocabulary, so that a table of codes read
    as values (a dataset's partition) maps every code to itself.
    """
    family = mab.family.name
    if not contextual:
        from pybandits.smab import SmabBernoulli, SmabGaussian

        cls = SmabBernoulli if family == "bernoulli" else SmabGaussian
        return cls.cold_start(action_ids=list(mab.actions), random_seed=seed)
    from pybandits.cmab import CmabBernoulli, CmabGaussian

    cls = CmabBernoulli if family == "bernoulli" else CmabGaussian
    categorical: dict[int, Any] = {column: k + 1 for column, k in mab.categorical_features.items()}
    if code_vocabularies:
        categorical = {column: [str(code) for code in range(k)] for column, k in categorical.items()}
    return cls.cold_start(
        action_ids=list(mab.actions),
        n_features=mab.input_dim,
        categorical_features=categorical or None,
        update_kwargs=dict(model_kwargs or {"num_steps": 500}),
        random_seed=seed,
    )


def fit_logging_policy(mab: Any, actions: np.ndarray, codes: np.ndarray, seed: int) -> Any:
    """A model of the logging policy: one Bayesian logistic regression per action of "the logger played it".

    A pybandits contextual model over ``mab``'s columns (categorical ones as embeddings, with one
    spare level), fitted on every row of ``codes`` with ``actions`` (indices into ``mab.actions``).
    """
    from pybandits.cmab import CmabBernoulli

    action_ids = list(mab.actions)
    n, n_actions = len(actions), len(action_ids)
    settings = {"num_steps": 300} | ({"batch_size": 1024} if n > 5_000 else {})
    model = CmabBernoulli.cold_start(
        action_ids=action_ids,
        n_features=mab.input_dim,
        categorical_features={column: k + 1 for column, k in mab.categorical_features.items()} or None,
        update_kwargs=settings,
        random_seed=int(np.random.default_rng(seed).integers(2**31)),
    )
    played = (actions[None, :] == np.arange(n_actions)[:, None]).astype(int)  # (actions, rows)
    model.update(np.repeat(action_ids, n).tolist(), played.ravel(), np.tile(codes, (n_actions, 1)), progressbar=False)
    return model


def logging_probabilities(model: Any, codes: np.ndarray, action_ids: list[str]) -> np.ndarray:
    """``(n_rows, n_actions)``: the logging policy model's scores normalised per row (:func:`fit_logging_policy`)."""
    scores = posterior_means(model, codes, action_ids)
    return scores / scores.sum(axis=1, keepdims=True)


def posterior_means(model: Any, context: np.ndarray, action_ids: list[str]) -> np.ndarray:
    """Every action's expected reward at its posterior mean weights, ``(n_rows, n_actions)`` in ``action_ids`` order."""
    columns = []
    for action in (model.actions[a] for a in action_ids):
        outputs = action.network.mean_outputs(context)
        columns.append(action.family.expected_reward(outputs))
    return np.stack(columns, axis=1)
