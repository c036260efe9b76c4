"""How would a bandit have done on logged traffic: every estimator, with bootstrap intervals.

:func:`evaluate` takes a bandit (the policy to evaluate) and rows another policy logged (the
action it played, the reward, the context and, ideally, the probability it had of playing that
action: its *propensity*), and returns one row per estimator of :mod:`pybandits.offline.estimators`
with a bootstrap percentile interval.

What goes into the estimators:

- the evaluated policy's probabilities of every action in every logged row, from the bandit's own
  selection (:meth:`~pybandits.bandits.base.BaseMab.action_probabilities`, ``n_draws`` per row);
- the logging propensities: the ``propensity`` column when the logs have one; otherwise they are
  *estimated*, and the report says how (``DataFrame.attrs["propensities"]``): for a contextual
  bandit by a logistic regression per action of the logged action on the context (a pybandits model,
  categorical columns as embeddings), normalised per row; for a stochastic bandit (or logs of more
  than 2 million rows x actions) as each action's logged frequency, which assumes a logging policy
  that ignores the context;
- for the model-based estimators (``dm``, ``dr``, ``sndr``, ``switch_dr``, ``dros``, ``sg_dr``), a
  reward model fitted on the logs by cross-fitting: the rows are split in ``n_folds`` folds (by
  position, :func:`pybandits.offline.seeds.folds`: every block of ``n_folds`` consecutive rows has
  one row in each fold, rotated at random: neighbouring rows fall in different folds, so logs whose
  neighbouring rows are near-copies, such as one user's consecutive sessions, are better shuffled
  first), and a pybandits model of the bandit's reward family
  fitted on the other folds predicts each fold's expected rewards (the posterior mean). A contextual
  bandit's reward model is a contextual bandit of the same columns without hidden layers (logistic or
  linear regression per action); a stochastic bandit's is the per-action posterior mean.
  ``estimated_rewards`` replaces it with your own.

What is valued: the reward; for a dynamic-pricing bandit (``SmabBernoulliDP``, ``CmabBernoulliDP``),
the revenue it maximises, ``price x reward`` (each logged purchase times its action's price; the
reward model's purchase probabilities times each action's price). Quantitative actions are refused
(``ValueError``): weighting a logged (action, quantity) needs both policies' probability *density* at
the logged quantity, and ``action_probabilities`` give one probability per action, so scoring by
action id would value another policy. That covers prices that are functions of a quantity.

The interval resamples the logged rows (a nonparametric bootstrap, all replicates at once by matrix
products); it holds the policy probabilities and the reward model fixed, so it reflects the
estimators' sampling noise given them. The report also holds the logging policy's own value (the
mean logged reward, estimator ``logged``) and, for cost-control bandits, each policy's mean cost
(``cost`` rows: exact for the evaluated policy, given its action probabilities).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pybandits.offline import inputs
from pybandits.offline.inputs import DEFAULT_HYPERPARAMETERS
from pybandits.offline.report import (
    ESTIMATORS_WITH_MODEL,
    action_costs,
    cold_reward_model,
    fit_logging_policy,
    fixed_prices,
    frequency_source,
    logging_probabilities,
    model_source,
    posterior_means,
    report_frame,
    report_terms,
)
from pybandits.offline.seeds import Seeds
from pybandits.offline.seeds import folds as fold_of

__all__ = ["DEFAULT_HYPERPARAMETERS", "evaluate"]

#: Bootstrap replicates computed at once (a (chunk, n_rows) matrix of counts).
_BOOTSTRAP_CHUNK = 100


def evaluate(
    mab: Any,
    logs: Any,
    estimators: Sequence[str] | None = None,
    n_draws: int = 100,
    n_bootstrap: int = 1000,
    random_seed: int | None = None,
    *,
    level: float = 0.95,
    estimated_rewards: np.ndarray | None = None,
    n_folds: int = 2,
    hyperparameters: Mapping[str, Mapping[str, float]] | None = None,
    reward_model_kwargs: Mapping[str, Any] | None = None,
) -> Any:
    """Estimate what ``mab`` would have earned on ``logs``, with every off-policy estimator.

    Parameters
    ----------
    mab : BaseMab
        The policy to evaluate: any pybandits bandit. Not changed (its random generator is
        copied, not advanced).
    logs : pandas.DataFrame or path
        The CLI's update data (``action``, ``reward``, then the features: by name for a bandit
        with ``feature_names``; for multi-objective bandits ``reward_0``, ``reward_1``, ... instead
        of ``reward``), plus, ideally, ``propensity``: the logging policy's probability of the
        logged action. A path is read as CSV or Parquet.
    estimators : sequence of str, optional
        Names from :data:`~pybandits.offline.estimators.ESTIMATORS`; all of them by default.
    n_draws : int, default 100
        Selections per row for the bandit's action probabilities.
    n_bootstrap : int, default 1000
        Bootstrap replicates for the intervals.
    random_seed : int, optional
        Seeds the bootstrap, the folds, the reward models and the bandit's draws (a copy of its
        generator is reseeded), each from its own seed (:class:`pybandits.offline.seeds.Seeds`): a
        cluster evaluation of the same rows uses the same ones.
    level : float, default 0.95
        Coverage of the percentile intervals.
    estimated_rewards : array, optional
        ``(n_rows, n_actions)`` (``(n_rows, n_actions, n_objectives)`` for multi-objective bandits):
        your own reward model's predictions, in the order of ``mab.actions``; no model is fitted.
        For dynamic pricing, purchase probabilities (they are multiplied by the prices).
    n_folds : int, default 2
        Folds of the cross-fitted reward model.
    hyperparameters : mapping, optional
        ``{estimator: {name: value}}``, over :data:`DEFAULT_HYPERPARAMETERS`.
    reward_model_kwargs : mapping, optional
        ``update_kwargs`` of the contextual reward model (default ``{"num_steps": 500}``).

    Returns
    -------
    pandas.DataFrame
        One row per estimator (and objective), columns ``estimator``, ``objective`` (multi-objective
        bandits only), ``value``, ``lower``, ``upper``, ``std``; then ``logged`` (the logging policy's
        mean reward) and, for cost-control bandits, ``cost`` of the evaluated policy and
        ``logged_cost``. ``attrs`` records how the propensities were obtained, the reward model,
        what is valued (``reward``: ``"reward"``, or the revenue for dynamic pricing), ``n_rows``
        and ``level``.

    Raises
    ------
    ValueError
        For a bandit with quantitative actions (see the module notes), or invalid logs or arguments.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybandits.smab import SmabBernoulli
    >>> mab = SmabBernoulli.cold_start(action_ids={"a", "b"}, random_seed=0)
    >>> mab.update(actions=["a"] * 50 + ["b"] * 50, rewards=[1] * 40 + [0] * 10 + [1] * 10 + [0] * 40)
    >>> rng = np.random.default_rng(1)
    >>> played = rng.choice(["a", "b"], 400)
    >>> logs = pd.DataFrame({"action": played, "reward": (rng.random(400) < np.where(played == "a", 0.8, 0.2)) * 1})
    >>> logs["propensity"] = 0.5
    >>> report = evaluate(mab, logs, estimators=["ipw", "dr"], n_bootstrap=200, random_seed=0)
    >>> report["estimator"].tolist()
    ['ipw', 'dr', 'logged']
    >>> bool(report.set_index("estimator").loc["dr", "value"] > 0.7), report.attrs["propensities"]
    (True, 'given (column propensity)')
    """
    arguments = inputs.check_arguments(
        mab, estimators, n_draws, n_bootstrap, random_seed, level, n_folds, hyperparameters, reward_model_kwargs
    )
    names, contextual = arguments.names, arguments.contextual
    seeds = Seeds.of(arguments.random_seed)
    frame = inputs.read_logs(logs, mab)
    action_ids = list(mab.actions)
    actions, rewards, context, propensities, source = inputs.logged(mab, frame, contextual)
    n = len(actions)
    given_model = None
    if estimated_rewards is not None:
        given_model = inputs.check_estimated_rewards(estimated_rewards, n, len(action_ids), mab.n_objectives)
    if propensities is None:
        propensities, source = _estimated_propensities(
            mab, actions, context[1] if contextual else None, seeds.propensities
        )

    policy = mab.model_copy(deep=True)
    policy.reseed(seeds.policy)
    if contextual:
        _, probabilities = policy.action_probabilities(context[0], n_draws=arguments.n_draws)
    else:
        _, one_row = policy.action_probabilities(n_draws=arguments.n_draws)
        probabilities = np.repeat(one_row, n, axis=0)

    columns = rewards[:, None] if rewards.ndim == 1 else rewards
    if given_model is not None:
        model, model_name = given_model, "given (estimated_rewards)"
    elif ESTIMATORS_WITH_MODEL.intersection(names):
        codes = context[1] if contextual else None
        model = _cross_fitted(mab, actions, columns, codes, arguments.n_folds, seeds, reward_model_kwargs, contextual)
        model_name = model_source(arguments.n_folds, contextual)
    else:
        model, model_name = None, "none (no model-based estimator)"

    prices = fixed_prices(mab)
    rows = report_terms(
        names, arguments.settings, columns, actions, propensities, probabilities, model, prices, action_costs(mab)
    )
    # the bootstrap: every estimator on the same resamples, a chunk of resamples at a time
    replicates: list[list[np.ndarray]] = [[] for _ in rows]
    rng = np.random.default_rng(seeds.bootstrap)
    for start in range(0, arguments.n_bootstrap, _BOOTSTRAP_CHUNK):
        counts = _resample_counts(rng, n, min(_BOOTSTRAP_CHUNK, arguments.n_bootstrap - start))
        for index, (_, _, terms) in enumerate(rows):
            replicates[index].append(np.atleast_1d(terms.value(counts)))
        del counts
    estimates = [
        (name, objective, terms.value(), np.concatenate(values))
        for (name, objective, terms), values in zip(rows, replicates, strict=True)
    ]
    attrs = {
        "propensities": source,
        "reward_model": model_name,
        "reward": "reward" if prices is None else "revenue: price x reward (purchase)",
        "n_rows": n,
        "level": level,
        "n_draws": arguments.n_draws,
    }
    return report_frame(estimates, level, rewards.ndim == 2, attrs)


def _resample_counts(rng: np.random.Generator, n: int, n_replicates: int) -> np.ndarray:
    """How many times each row is drawn in each of ``n_replicates`` resamples of ``n`` rows with replacement."""
    drawn = rng.integers(0, n, size=(n_replicates, n)) + (np.arange(n_replicates) * n)[:, None]
    return np.bincount(drawn.ravel(), minlength=n_replicates * n).reshape(n_replicates, n).astype(np.float64)


#: Largest (logged rows x actions) for which the logging policy is estimated from the context.
_MAX_PROPENSITY_ROWS = 2_000_000


def _estimated_propensities(
    mab: Any, actions: np.ndarray, codes: np.ndarray | None, seed: int
) -> tuple[np.ndarray, str]:
    """The logging policy's probability of each logged action, estimated from the logs, and how.

    With a context: one Bayesian logistic regression per action (a pybandits contextual model, with
    the bandit's categorical columns as embeddings) of "the logger played this action" on the
    context, fitted on every row, at its posterior mean, normalised over the actions per row.
    Without one (stochastic bandits), or when the logs are too large for that: each action's
    frequency, which assumes a logging policy that ignores the context.
    """
    action_ids = list(mab.actions)
    n, n_actions = len(actions), len(action_ids)
    if codes is None or n * n_actions > _MAX_PROPENSITY_ROWS:
        frequencies = np.bincount(actions, minlength=n_actions) / n
        why = "" if codes is None else f" (more than {_MAX_PROPENSITY_ROWS:,} rows x actions for a contextual model)"
        return frequencies[actions], frequency_source(why)
    model = fit_logging_policy(mab, actions, codes, seed)
    probabilities = logging_probabilities(model, codes, action_ids)
    return (
        probabilities[np.arange(n), actions],
        "estimated: a logistic regression per action of the logged action on the context, normalised per row",
    )


def _cross_fitted(
    mab: Any,
    actions: np.ndarray,
    rewards: np.ndarray,
    context: np.ndarray | None,
    n_folds: int,
    seeds: Seeds,
    model_kwargs: Mapping[str, Any] | None,
    contextual: bool,
) -> np.ndarray:
    """``(n, n_actions, n_objectives)`` expected rewards, each fold's from a model fitted on the others."""
    n, n_actions = len(actions), len(mab.actions)
    folds = fold_of(seeds.folds, 0, n, n_folds)
    out = np.empty((n, n_actions, rewards.shape[1]))
    action_ids = list(mab.actions)
    for fold in range(n_folds):
        train, test = folds != fold, folds == fold
        for objective in range(rewards.shape[1]):
            model = cold_reward_model(mab, contextual, model_kwargs, seeds.model(fold, objective))
            played = [action_ids[a] for a in actions[train]]
            if contextual:
                model.update(played, rewards[train, objective], context[train], progressbar=False)
                out[test, :, objective] = posterior_means(model, context[test], action_ids)
            else:
                model.update(played, rewards[train, objective])
                out[test, :, objective] = [model.actions[a].mean for a in action_ids]
    return out
