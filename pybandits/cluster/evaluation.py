"""Offline evaluation of a dataset bigger than one machine: every partition reduced to sums where it lies.

:func:`run_evaluate` is :func:`pybandits.offline.evaluate` for a Dask dataset. Every estimator is a
ratio of sums over rows, ``V = sum_k (sum_i numerator_ik) / (sum_i denominator_ik)``, whose per-row terms
depend on the row alone (its reward, logged action, propensity, the evaluated policy's probabilities
and the reward model's predictions) and on the hyperparameters: ``switch_dr``'s threshold, ``dros``'s
and the sub-Gaussian estimators' shrinkage are functions of the row's weight. So each partition, on the
worker that reads it, computes its rows' terms (:func:`~pybandits.offline.report.report_terms`, the
in-memory evaluation's code) and reduces them to sums; the partitions' sums are added on the cluster
(:meth:`~pybandits.cluster.runner.Runner.reduce`) and only they reach the client, which divides them
(:func:`~pybandits.offline.terms.ratio_sums`). Every estimator merges this way: none is refused.

The passes over the partitions:

1. **Check and count** (when the logs have no ``propensity`` column, or a model-based estimator is
   asked for): every row is checked, and the rows per action counted.
2. **Reward model** (model-based estimators): every row has a fold, from its position in the dataset
   (:func:`pybandits.offline.seeds.folds`, as in memory; the first pass counts each partition's rows,
   which gives its first row's position); for each fold, a cold model of the bandit's reward family
   (seeded as in memory) is updated with the rows of the other folds, in the dataset's order, by
   :func:`pybandits.cluster.update` (a stochastic model from the merged statistics, a contextual
   one fitted where the rows lie), as ``offline.evaluate`` cross-fits in memory.
3. **Evaluate**: each partition's policy probabilities (its own generator, seeded
   ``[policy seed, partition]``), propensities, reward model predictions (its rows' folds' models),
   terms, and their sums: on every row once, and with a Poisson(1) weight per row and bootstrap replicate (its own
   generator too), one weighted sum per replicate.

What differs from the in-memory evaluation:

- the bootstrap is a *Poisson* bootstrap (each row weighted by an independent Poisson(1) count, drawn
  from 16 random bits through a table, within 2^-16 of each probability) rather than resampling
  exactly ``n`` rows: it merges by adding, and its intervals match the multinomial bootstrap's to its
  Monte Carlo error;
- a contextual bandit's policy probabilities are drawn per partition, so they (and the estimates)
  agree with the in-memory ones to their Monte Carlo error (``n_draws`` per row); a stochastic
  bandit's are one row for all, drawn as in memory: equal for the same seed;
- without a ``propensity`` column the propensities are each action's frequency, for a contextual
  bandit too (in memory, a logistic regression on the context up to 2 million rows x actions): the
  report's ``attrs["propensities"]`` says so; give the logs a ``propensity`` column.

Refused by name: quantitative actions (as in memory) and multi-objective bandits (one reward column).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from pybandits.boundary import validation as check
from pybandits.boundary.datasets import Partition, open_dataset, partitions
from pybandits.boundary.tabular import DataError, LoggedRows, logged_rows_of, text_categories
from pybandits.cluster.runner import Runner
from pybandits.cluster.scan import RowSpec, action_indices, features_of
from pybandits.cluster.updates import run_update
from pybandits.offline.inputs import Arguments
from pybandits.offline.report import (
    ESTIMATORS_WITH_MODEL,
    ReportRow,
    action_costs,
    cold_reward_model,
    fixed_prices,
    frequency_source,
    model_source,
    posterior_means,
    report_frame,
    report_terms,
)
from pybandits.offline.seeds import Seeds, folds
from pybandits.offline.terms import ratio_sums

__all__ = ["EvaluationSpec", "Sums", "poisson_weights", "read_partition", "run_evaluate"]

#: Poisson(1) counts by 16 random bits: entry ``u`` is the count of the ``u``-th of 2^16 equal slices of [0, 1).
_POISSON = np.searchsorted(
    np.round(np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(16)]) * 2**16),
    np.arange(2**16),
    side="right",
).astype(np.float64)
#: Bootstrap weights held at once per partition (rows x replicates): 32 MiB as float64.
_WEIGHTS = 2**22


@dataclass(frozen=True)
class EvaluationSpec:
    """What every partition's task needs: plain data, small, sent with every task."""

    rows: RowSpec
    has_propensity: bool
    names: list[str]
    settings: dict[str, dict[str, float]]
    n_draws: int
    n_bootstrap: int
    n_folds: int
    seeds: Seeds
    #: Each action's logged frequency (no propensity column), in the bandit's action order.
    frequencies: np.ndarray | None = None
    #: A stochastic bandit's action probabilities (the same in every row).
    one_row: np.ndarray | None = None
    prices: np.ndarray | None = None
    costs: np.ndarray | None = None


@dataclass(frozen=True)
class Sums:
    """A set of rows' sums: per report row ``(estimator, objective, n_ratios)`` of ``layout``, its numerator
    sums then its denominator sums, on the rows once (``totals``) and per bootstrap replicate."""

    layout: list[tuple[str, int | None, int]]
    n_rows: int
    totals: np.ndarray
    replicates: np.ndarray


def merged(left: Sums | None, right: Sums | None) -> Sums | None:
    """The sums of two sets of rows (None: no rows)."""
    if left is None or right is None:
        return right if left is None else left
    return Sums(left.layout, left.n_rows + right.n_rows, left.totals + right.totals, left.replicates + right.replicates)


@dataclass(frozen=True)
class Counts:
    """Partitions' rows per action, and each partition's number of rows (by its index)."""

    per_action: np.ndarray
    rows: dict[int, int]

    def merged(self, other: Counts) -> Counts:
        return Counts(self.per_action + other.per_action, {**self.rows, **other.rows})

    def starts(self, n_partitions: int) -> list[int]:
        """Each partition's first row's position in the dataset."""
        sizes = [self.rows[k] for k in range(n_partitions)]
        return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist()


def poisson_weights(rng: np.random.Generator, n_replicates: int, n_rows: int) -> np.ndarray:
    """``(n_replicates, n_rows)`` independent Poisson(1) counts (to 2^-16 per probability), as float64.

    Examples
    --------
    >>> weights = poisson_weights(np.random.default_rng(0), 200, 1000)
    >>> weights.shape, round(float(weights.mean()), 1), round(float(weights.var()), 1)
    ((200, 1000), 1.0, 1.0)
    """
    return _POISSON[rng.integers(0, 2**16, size=(n_replicates, n_rows), dtype=np.uint16)]


def _sums(rows: list[ReportRow], n_bootstrap: int, rng: np.random.Generator) -> Sums:
    """The sums of a chunk's report rows, on its rows once and with Poisson weights (from ``rng``) per replicate."""
    stacked = np.concatenate([block for _, _, terms in rows for block in (terms.numerators, terms.denominators)])
    n = stacked.shape[1]
    replicates = np.zeros((n_bootstrap, stacked.shape[0]))
    chunk = max(1, _WEIGHTS // n_bootstrap)
    for start in range(0, n, chunk):
        block = stacked[:, start : start + chunk]
        replicates += poisson_weights(rng, n_bootstrap, block.shape[1]) @ block.T
    layout = [(name, objective, terms.numerators.shape[0]) for name, objective, terms in rows]
    return Sums(layout, n, stacked.sum(axis=1), replicates)


def _estimates(sums: Sums) -> list[tuple[str, int | None, float, np.ndarray]]:
    """Every report row's estimate and bootstrap replicates, from the merged sums."""
    out, offset = [], 0
    for name, objective, k in sums.layout:
        value = ratio_sums(sums.totals[offset : offset + k], sums.totals[offset + k : offset + 2 * k])
        replicates = ratio_sums(
            sums.replicates[:, offset : offset + k], sums.replicates[:, offset + k : offset + 2 * k]
        )
        out.append((name, objective, value, np.atleast_1d(replicates)))
        offset += 2 * k
    return out


# --------------------------------------------------------------------------------------------------------------------
# Reading a partition


def _propensities(frame: Any, where: Partition) -> np.ndarray:
    """The ``propensity`` column, checked: finite numbers in (0, 1]; errors name the partition and the row."""
    values, row = check.float_column(frame["propensity"])
    if row is not None:
        cell = frame["propensity"].iloc[row]
        raise DataError(f"{where.at(row)}, column 'propensity': expected a finite number, got {cell!r}")
    bad = ~((values > 0) & (values <= 1))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where.at(row)}, column 'propensity': expected a probability in (0, 1] (the logging policy's "
            f"probability of the logged action), got {float(values[row])!r}"
        )
    return values


def read_partition(frame: Any, where: Partition, spec: EvaluationSpec) -> tuple[LoggedRows, np.ndarray, Any]:
    """A partition's checked rows, their action indices, and their propensities (None without the column).

    Checked as an update's rows are (:func:`~pybandits.cluster.scan.checked_rows`), but a category value
    the bandit never saw is a value like any other (the policy and the model give it the spare code).
    """
    rows_spec = spec.rows
    expected = ["action", "reward", *(["propensity"] if spec.has_propensity else []), *(rows_spec.feature_names or [])]
    missing = [column for column in expected if column not in frame.columns]
    if missing:
        raise DataError(f"{where}: expected the columns {expected}, missing {missing} (got {list(frame.columns)})")
    propensities = None
    if spec.has_propensity:
        propensities = _propensities(frame, where)
        frame = frame.drop(columns="propensity")
    frame = text_categories(where, frame, rows_spec.feature_names, rows_spec.categorical, skip={"action", "reward"})
    rows = logged_rows_of(
        where,
        frame,
        rows_spec.n_features,
        rows_spec.action_ids,
        rows_spec.family,
        rows_spec.feature_names,
        rows_spec.categorical,
    )
    return rows, action_indices(rows.actions, rows_spec.action_ids), propensities


def _count(frame: Any, where: Partition, spec: EvaluationSpec) -> Counts:
    """A partition's rows per action, every row checked, and its number of rows."""
    if len(frame) == 0:
        return Counts(np.zeros(len(spec.rows.action_ids), dtype=np.int64), {where.index: 0})
    _, actions, _ = read_partition(frame, where, spec)
    return Counts(np.bincount(actions, minlength=len(spec.rows.action_ids)), {where.index: len(actions)})


def _same_rows(where: Partition, n_rows: int, counted: int) -> None:
    """A partition read again has the rows it had when counted (its folds are placed by that count)."""
    if n_rows != counted:
        raise DataError(f"{where}: expected the {counted} rows counted in the first pass, got {n_rows}: did it change?")


def _training_rows(
    frame: Any, where: Partition, spec: EvaluationSpec, fold: int, contextual: bool, start: int, counted: int
) -> Any:
    """A partition's rows outside ``fold``, as a reward model reads them: ``action,reward`` and the context's codes.

    ``start`` is the position of the partition's first row in the dataset, ``counted`` its rows.
    """
    import pandas as pd

    rows, actions, _ = read_partition(frame, where, spec)
    _same_rows(where, len(actions), counted)
    keep = folds(spec.seeds.folds, start, len(actions), spec.n_folds) != fold
    columns: dict[str, Any] = {"action": rows.actions[keep], "reward": np.asarray(rows.rewards, np.float64)[keep]}
    if contextual:
        codes = features_of(rows, spec.rows)[keep]
        for j in range(spec.rows.n_features):  # codes as integers: a categorical column's values
            columns[f"x{j}"] = codes[:, j].astype(np.int64) if j in spec.rows.categorical else codes[:, j]
    return pd.DataFrame(columns)


def _predictions(codes: np.ndarray | None, folds: np.ndarray, spec: EvaluationSpec, models: Any) -> np.ndarray:
    """``(n, n_actions, 1)``: every row's expected rewards by the model of its fold (fitted on the other folds)."""
    if isinstance(models, np.ndarray):  # a stochastic model: each fold's posterior means
        return models[folds][:, :, None]
    out = np.empty((len(folds), len(spec.rows.action_ids), 1))
    for fold, model in enumerate(models):
        test = folds == fold
        if test.any():
            out[test, :, 0] = posterior_means(model, codes[test], spec.rows.action_ids)
    return out


def chunk_rows(spec: EvaluationSpec) -> int:
    """Rows a partition's evaluation holds at once: its probabilities, predictions and bootstrap weights grow with them.

    About :data:`_WEIGHTS` values of the widest of them (32 MiB as float64).
    """
    return max(16, _WEIGHTS // max(3 * len(spec.rows.action_ids), spec.n_bootstrap, 1))


def _partition_sums(
    frame: Any, where: Partition, spec: EvaluationSpec, policy: Any, models: Any, start: int, counted: int | None
) -> Sums | None:
    """One partition's sums (None when it has no rows), computed :func:`chunk_rows` rows at a time.

    ``start`` is the position of the partition's first row in the dataset (its rows' folds), ``counted``
    its rows when the first pass counted them.

    The policy's generator and the bootstrap's run on from one chunk to the next, so the sums depend
    on the partition and the seeds, not on where the task ran.
    """
    if len(frame) == 0:
        if counted:
            _same_rows(where, 0, counted)
        return None
    rows, actions, propensities = read_partition(frame, where, spec)
    n = len(actions)
    if counted is not None:
        _same_rows(where, n, counted)
    if propensities is None:
        propensities = spec.frequencies[actions]
    positions = None if models is None else folds(spec.seeds.folds, start, n, spec.n_folds)
    codes = features_of(rows, spec.rows) if models is not None and not isinstance(models, np.ndarray) else None
    view = None
    if spec.one_row is None:
        view = policy._with_generator(np.random.default_rng([spec.seeds.policy, where.index]))
    rewards = np.asarray(rows.rewards, dtype=np.float64)[:, None]
    bootstrap = np.random.default_rng([spec.seeds.bootstrap, where.index])
    total, step = None, chunk_rows(spec)
    for start in range(0, n, step):
        part = slice(start, start + step)
        if view is None:
            probabilities = np.repeat(spec.one_row, len(actions[part]), axis=0)
        else:
            context = rows.context.iloc[part] if hasattr(rows.context, "iloc") else rows.context[part]
            _, probabilities = view.action_probabilities(context, n_draws=spec.n_draws)
        model = None
        if models is not None:
            model = _predictions(None if codes is None else codes[part], positions[part], spec, models)
        terms = report_terms(
            spec.names,
            spec.settings,
            rewards[part],
            actions[part],
            propensities[part],
            probabilities,
            model,
            spec.prices,
            spec.costs,
        )
        total = merged(total, _sums(terms, spec.n_bootstrap, bootstrap))
    return total


# --------------------------------------------------------------------------------------------------------------------
# The evaluation


def _row_spec(mab: Any, contextual: bool) -> RowSpec:
    if mab.n_objectives is not None:
        raise ValueError(
            f"mab: a cluster evaluation reads one reward column, got a multi-objective {type(mab).__name__} "
            f"({mab.n_objectives} objectives); evaluate it in memory with pybandits.offline.evaluate"
        )
    if not contextual:
        return RowSpec(list(mab.actions), mab.family)
    return RowSpec(
        list(mab.actions),
        mab.family,
        mab.input_dim,
        mab.feature_names,
        dict(mab.categorical_features),
        {column: list(values) for column, values in mab.vocabularies.items()},
    )


def _columns(data: Any, spec: RowSpec) -> tuple[Any, str, bool]:
    """The dataset's columns an evaluation reads, in order (``action,reward[,propensity],<features>``)."""
    frame, source = open_dataset(data, None, spec.text_columns)
    columns = list(map(str, frame.columns))
    missing = [c for c in ("action", "reward", *(spec.feature_names or [])) if c not in columns]
    if missing:
        raise DataError(f"{source}: expected the columns action, reward and the features, missing {missing}")
    has_propensity = "propensity" in columns
    if spec.n_features == 0:
        features: list[str] = []
    elif spec.feature_names is not None:
        features = list(spec.feature_names)
    else:
        features = [c for c in columns if c not in ("action", "reward", "propensity")]
        if len(features) != spec.n_features:
            raise DataError(
                f"{source}: expected {spec.n_features} feature columns besides action, reward and propensity, got "
                f"{len(features)}"
            )
    selected = ["action", "reward", *(["propensity"] if has_propensity else []), *features]
    return frame[selected], source, has_propensity


def run_evaluate(mab: Any, data: Any, arguments: Arguments, reward_model_kwargs: Any, runner: Runner) -> Any:
    """The report of :func:`pybandits.offline.evaluate` for the rows of ``data`` (see the module); ``mab`` unchanged."""
    from dask import delayed

    contextual = arguments.contextual
    spec_rows = _row_spec(mab, contextual)
    frame, source, has_propensity = _columns(data, spec_rows)
    seeds = Seeds.of(arguments.random_seed)
    spec = EvaluationSpec(
        spec_rows,
        has_propensity,
        arguments.names,
        arguments.settings,
        arguments.n_draws,
        arguments.n_bootstrap,
        arguments.n_folds,
        seeds,
        prices=fixed_prices(mab),
        costs=action_costs(mab),
    )
    parts = partitions(frame)
    labels = [str(Partition(source, k)) for k in range(len(parts))]
    needs_model = bool(ESTIMATORS_WITH_MODEL.intersection(arguments.names))
    propensity_source = "given (column propensity)"
    sizes: list[int | None] = [None] * len(parts)
    starts = [0] * len(parts)
    if not has_propensity or needs_model:
        tasks = [delayed(_count)(part, Partition(source, k), spec) for k, part in enumerate(parts)]
        counted = runner.reduce(tasks, labels, Counts.merged, "checking partitions") if parts else None
        counts = np.zeros(0) if counted is None else counted.per_action
        if counts.sum() == 0:
            raise DataError(
                f"{source}: expected at least one logged row, got an empty dataset ({len(parts)} partitions)"
            )
        if not has_propensity:
            spec = replace(spec, frequencies=counts / counts.sum())
            why = " (a cluster evaluation fits no contextual model of the logging policy)" if contextual else ""
            propensity_source = frequency_source(why)
        sizes, starts = [counted.rows[k] for k in range(len(parts))], counted.starts(len(parts))
    if not contextual:  # one row of probabilities for every row, drawn as in memory
        policy = mab.model_copy(deep=True)
        policy.reseed(seeds.policy)
        spec = replace(spec, one_row=policy.action_probabilities(n_draws=arguments.n_draws)[1])
    models, model_name = None, "none (no model-based estimator)"
    if needs_model:
        models = _fold_models(mab, parts, source, spec, starts, sizes, reward_model_kwargs, contextual, runner)
        model_name = model_source(arguments.n_folds, contextual)
    policy = None
    if contextual:  # literals of the graph, not scattered data: a worker lost mid-run gets them again
        policy = delayed(mab, traverse=False)
        if models is not None:
            models = delayed(models, traverse=False)
    tasks = [
        delayed(_partition_sums)(part, Partition(source, k), spec, policy, models, starts[k], sizes[k])
        for k, part in enumerate(parts)
    ]
    sums = runner.reduce(tasks, labels, merged, "evaluating partitions") if parts else None
    if sums is None:
        raise DataError(f"{source}: expected at least one logged row, got an empty dataset ({len(parts)} partitions)")
    attrs = {
        "propensities": propensity_source,
        "reward_model": model_name,
        "reward": "reward" if spec.prices is None else "revenue: price x reward (purchase)",
        "n_rows": sums.n_rows,
        "level": arguments.level,
        "n_draws": arguments.n_draws,
    }
    return report_frame(_estimates(sums), arguments.level, False, attrs, stacklevel=5)


def _fold_models(
    mab: Any,
    parts: list,
    source: str,
    spec: EvaluationSpec,
    starts: list[int],
    sizes: list[int],
    model_kwargs: Any,
    contextual: bool,
    runner: Runner,
) -> Any:
    """Each fold's reward model, updated on the cluster with the other folds' rows.

    A stochastic model's posterior means ``(n_folds, n_actions)``, or the contextual models, a list.
    """
    import dask.dataframe as dd
    import pandas as pd
    from dask import delayed

    meta = {"action": pd.Series(dtype=object), "reward": pd.Series(dtype=np.float64)}
    for j in range(spec.rows.n_features if contextual else 0):
        meta[f"x{j}"] = pd.Series(dtype=np.int64 if j in spec.rows.categorical else np.float64)
    models = []
    for fold in range(spec.n_folds):
        seed = spec.seeds.model(fold)
        model = cold_reward_model(mab, contextual, model_kwargs, seed, code_vocabularies=True)
        pieces = [
            delayed(_training_rows)(part, Partition(source, k), spec, fold, contextual, starts[k], sizes[k])
            for k, part in enumerate(parts)
        ]
        run_update(model, dd.from_delayed(pieces, meta=pd.DataFrame(meta), verify_meta=False), runner)
        models.append(model)
    if contextual:
        return models
    return np.array([[model.actions[a].mean for a in spec.rows.action_ids] for model in models])
