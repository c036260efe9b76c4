"""What a bandit has learned about its contexts: average marginal effects, and one row's decision explained.

:func:`effects` is :meth:`~pybandits.bandits.base.BaseMab.effects`, :func:`explain`
:meth:`~pybandits.bandits.base.BaseMab.explain`. Both draw from their own generator
(``random_seed``): the bandit, its random stream included, is left as it was.

**Effects.** For one posterior draw ``s`` of an action's networks, the average marginal effect of a
numeric feature ``j`` over rows ``x_1 .. x_n`` is ``mean_i d E[reward | x_i, s] / d x_j`` (the
derivative computed exactly, by back-propagation); a categorical column's level ``l`` has the
effect ``mean_i (E[reward | x_i with the column at l, s] - E[reward | x_i with it at r, s])``
against the reference ``r``, the most frequent level among the rows. Each effect's posterior mean
and equal-tailed credible interval come from the ``n_draws`` draws; every feature of an action is
computed from the same draws.

**Explain.** One row's Thompson draws, ``n_draws`` of every allowed action, made exactly as
:meth:`~pybandits.bandits.contextual.BaseCmab.action_probabilities` makes them: the expected
reward's mean and interval, and the probability of playing each action (the propensity), from the
same draws. With the same seed, the probabilities equal ``action_probabilities`` of that row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from pybandits.boundary import validation as check
from pybandits.boundary.context import column_label
from pybandits.model.bnn.candidates import quantity_inputs
from pybandits.model.bnn.effects import expected_and_mean_gradient, expected_rewards

__all__ = ["effects", "explain"]


def _summary(draws: np.ndarray, ci_prob: float) -> dict[str, np.ndarray]:
    """Posterior mean, sd and equal-tailed interval over the first axis."""
    tail = (1.0 - ci_prob) / 2.0
    lower, upper = np.quantile(draws, [tail, 1.0 - tail], axis=0)
    return {
        "mean": draws.mean(axis=0),
        "sd": draws.std(axis=0, ddof=1) if len(draws) > 1 else 0.0 * lower,
        "lower": lower,
        "upper": upper,
    }


def _known_codes(mab: Any, context: np.ndarray, name: str, given: object) -> None:
    """Refuse a categorical value the bandit never saw (it has no learned effect), naming the column, value and row."""
    for column, cardinality in mab.categorical_features.items():
        vocabulary = mab.vocabularies.get(column, [])
        known = len(vocabulary) or cardinality
        codes = context[:, column]
        if codes.size and codes.max() >= known:
            row = int(np.argmax(codes >= known))
            if hasattr(given, "iloc"):
                label = mab.feature_names[column] if mab.feature_names else column
                value = repr(given.iloc[row][label] if label in given.columns else given.iloc[row, column])
            else:
                value = f"code {codes[row]:g}"
            seen = f"{known} values: {', '.join(map(repr, vocabulary[:5]))}" if vocabulary else f"codes below {known}"
            raise ValueError(
                f"{name}: expected values of {column_label(column, mab.feature_names)} the bandit has seen ({seen}), "
                f"got {value} in row {row}; effects and explanations describe learned values only"
            )


def _feature_names(mab: Any) -> list[str]:
    return list(mab.feature_names) if mab.feature_names else [f"x{c}" for c in range(mab.input_dim)]


def effects(
    mab: Any,
    context: object,
    n_draws: int,
    random_seed: int | None,
    ci_prob: float,
    features: list[str] | None,
    quantities: dict[str, Any] | None,
) -> pd.DataFrame:
    """The average marginal effects of ``mab``'s features (see the module).

    Examples
    --------
    >>> from pybandits.cmab import CmabBernoulli
    >>> mab = CmabBernoulli.cold_start(action_ids=["a"], n_features=2, random_seed=0)
    >>> table = effects(mab, np.zeros((4, 2)), 20, 0, 0.9, ["x1"], None)
    >>> table["feature"].tolist(), table.attrs["ci_prob"]
    (['x1'], 0.9)
    """
    if not hasattr(mab, "categorical_features"):
        raise TypeError(
            f"mab: expected a contextual bandit (effects are of context features), got a {type(mab).__name__}, "
            "which has no context; to_inference_data and explain describe its actions"
        )
    n_draws = check.check_positive_int(n_draws, "n_draws")
    ci_prob = check.check_open_probability(ci_prob, "ci_prob")
    random_seed = check.check_random_seed(random_seed)
    names = _feature_names(mab)
    wanted = _checked_features(features, names)
    mab = mab._view()  # one state, whatever another thread installs meanwhile
    rows, _ = mab._context(context, learn=False)
    _known_codes(mab, rows, "context", context)
    per_draw = 16 * (len(rows) + mab.input_dim)  # expected rewards and gradients, float64
    check.check_memory("n_draws", n_draws, per_draw * n_draws, f"{per_draw} bytes per draw and action")
    settings = _quantity_settings(mab, quantities)
    rng = np.random.default_rng(random_seed)
    categorical = mab.categorical_features
    records = []
    for action_id in mab.actions:
        action_rows = rows
        if action_id in settings:
            q = np.broadcast_to(
                quantity_inputs(settings[action_id][None], mab.actions[action_id].quantity_encoding),
                (len(rows), len(settings[action_id])),
            )
            action_rows = np.concatenate([rows, q], axis=1)
        per_objective = mab.kind.reward_stages(mab, action_id, n_draws, rng)
        for objective, (family, stages) in enumerate(per_objective):
            label = {"action": action_id} if len(per_objective) == 1 else {"action": action_id, "objective": objective}
            numeric = list(stages[0].numeric_columns) or list(range(action_rows.shape[1]))
            wanted_numeric = [c for c in wanted if c not in categorical]
            if wanted_numeric:
                _, gradient = expected_and_mean_gradient(stages, action_rows, family, n_draws)
                for column in wanted_numeric:
                    stats = _summary(gradient[:, numeric.index(column)], ci_prob)
                    records.append({**label, "feature": names[column], "level": None, "reference": None, **stats})
            for column in (c for c in wanted if c in categorical):
                records += _level_effects(mab, stages, family, action_rows, column, n_draws, ci_prob, label, names)
    label = ["action", "objective"] if mab.n_objectives else ["action"]
    columns = [*label, "feature", "level", "reference", "mean", "sd", "lower", "upper"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for key in ("mean", "sd", "lower", "upper"):
        frame[key] = frame[key].astype(float)
    frame.attrs.update({"ci_prob": ci_prob, "n_draws": n_draws, "n_rows": len(rows), "random_seed": random_seed})
    return frame


def _level_effects(
    mab: Any,
    stages: list,
    family: Any,
    rows: np.ndarray,
    column: int,
    n_draws: int,
    ci_prob: float,
    label: dict,
    names: list[str],
) -> list[dict]:
    """Each level's effect against the most frequent level among the rows, from the same draws."""
    known = len(mab.vocabularies.get(column, [])) or mab.categorical_features[column]
    values = [str(v) for v in mab.vocabularies.get(column, [])] or [str(k) for k in range(known)]
    counts = np.bincount(rows[:, column].astype(np.intp), minlength=known)
    reference = int(np.argmax(counts))

    def mean_at(level: int) -> np.ndarray:
        changed = rows.copy()
        changed[:, column] = level
        return expected_rewards(stages, changed, family, n_draws).mean(axis=1)

    base = mean_at(reference)
    records = []
    for level in range(known):
        if level != reference:
            stats = _summary(mean_at(level) - base, ci_prob)
            records.append(
                {**label, "feature": names[column], "level": values[level], "reference": values[reference], **stats}
            )
    return records


def _checked_features(features: object, names: list[str]) -> list[int]:
    if features is None:
        return list(range(len(names)))
    if isinstance(features, str | bytes) or not isinstance(features, Iterable):
        raise TypeError(f"features: expected a list of feature names, got {check.describe(features)}")
    wanted = list(features)
    unknown = [f for f in wanted if f not in names]
    if unknown:
        raise ValueError(f"features: expected names among the bandit's features {names[:10]}, got unknown {unknown}")
    if not wanted or len(set(wanted)) < len(wanted):
        raise ValueError(f"features: expected one or more distinct feature names, got {wanted}")
    return [names.index(f) for f in wanted]


def _quantity_settings(mab: Any, quantities: object) -> dict[str, np.ndarray]:
    """Per quantitative action, the quantity its effects are computed at (the centre of [0, 1]^d by default)."""
    dimensions = mab.quantity_dimensions
    given = {} if quantities is None else quantities
    if not isinstance(given, dict):
        raise TypeError(f"quantities: expected a dict of action id to a quantity, got {check.describe(quantities)}")
    unknown = sorted(set(given) - set(dimensions))
    if unknown:
        raise ValueError(f"quantities: expected quantitative actions among {sorted(dimensions)}, got {unknown}")
    settings = {}
    for action_id, d in dimensions.items():
        q = np.atleast_1d(np.asarray(given.get(action_id, np.full(d, 0.5)), dtype=float))
        if q.shape != (d,) or not np.all((q >= 0) & (q <= 1)):
            raise ValueError(f"quantities: expected {d} number(s) in [0, 1] for {action_id!r}, got {q.tolist()}")
        settings[action_id] = q
    return settings


def explain(mab: Any, row: object, n_draws: int, random_seed: int | None, ci_prob: float, forbidden_actions: object):
    """One row's decision, per action (see the module).

    Examples
    --------
    >>> from pybandits.cmab import CmabBernoulli
    >>> mab = CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=2, random_seed=0)
    >>> table = explain(mab, [0.0, 1.0], 500, 0, 0.94, ["b"])
    >>> table["probability"].tolist(), table["forbidden"].tolist()
    ([1.0, 0.0], ['', 'forbidden_actions'])
    """
    n_draws = check.check_positive_int(n_draws, "n_draws")
    ci_prob = check.check_open_probability(ci_prob, "ci_prob")
    random_seed = check.check_random_seed(random_seed)
    view = mab._with_generator(np.random.default_rng(random_seed))
    if hasattr(mab, "categorical_features"):
        if row is None:
            raise TypeError(f"row: expected one context row of {mab.input_dim} features, got None")
        if not hasattr(row, "columns"):  # a Series, list or 1-d array is one row
            row = row.to_frame().T if isinstance(row, pd.Series) else (row if np.ndim(row) == 2 else [row])
        try:
            context, _ = view._context(row, learn=False)
        except (TypeError, ValueError) as error:  # the context's checks, said of the row
            message = str(error)
            raise type(error)(
                f"row:{message[len('context:') :]}" if message.startswith("context:") else message
            ) from None
        if context.shape[0] != 1:
            raise ValueError(f"row: expected one context row, got {context.shape[0]} rows")
        _known_codes(mab, context, "row", row)
        allowed, regions = view._allowed_and_regions(forbidden_actions)
        view._check_draw_memory("n_draws", n_draws, n_draws)
        expected, _, _, prices = view._sampler(context, allowed, regions)(context, n_draws)
    else:
        if row is not None:
            raise TypeError(f"row: a stochastic bandit takes no context, expected None, got {check.describe(row)}")
        allowed, regions = view._allowed_and_regions(forbidden_actions)
        per_draw = 32 * len(allowed) * (mab.n_objectives or 1)
        check.check_memory("n_draws", n_draws, per_draw * n_draws, f"about {per_draw} bytes per draw")
        expected, _, prices = view._draw(allowed, n_draws, regions)
    probabilities = view._choice_probabilities(expected, allowed, 1, prices)[0]
    stats = _summary(expected, ci_prob)  # (n_allowed,) or (n_allowed, n_objectives)
    action_ids = list(mab.actions)
    columns: dict[str, Any] = {}
    n_objectives = expected.shape[2] if expected.ndim == 3 else None
    for key in ("mean", "lower", "upper"):
        values = np.full((len(action_ids), n_objectives or 1), np.nan)
        values[[action_ids.index(a) for a in allowed]] = stats[key].reshape(len(allowed), -1)
        if n_objectives is None:
            columns[key] = values[:, 0]
        else:
            columns.update({f"{key}_{k}": values[:, k] for k in range(n_objectives)})
    if any(model.cost is not None for model in mab.actions.values()):
        columns["cost"] = [model.cost for model in mab.actions.values()]
    if mab.action_prices is not None:
        columns["price"] = list(mab.action_prices.values())
    columns["probability"] = probabilities
    columns["forbidden"] = [
        "forbidden_actions" if a not in allowed else ("some quantities, by forbidden_actions" if a in regions else "")
        for a in action_ids
    ]
    frame = pd.DataFrame(columns, index=pd.Index(action_ids, name="action"))
    frame.attrs.update({"ci_prob": ci_prob, "n_draws": n_draws, "random_seed": random_seed})
    return frame
