"""Predictions and propensities for every row of a dataset, written partition by partition where it lies.

:func:`prediction_frame` is what the CLI's ``predict`` writes for one table of contexts: the chosen
action, optionally the probability the bandit plays it (``propensity``), and every action's sampled
expected reward. :func:`predict_dataset` and :func:`probabilities_dataset` apply it (or the action
probabilities) to every partition of a dataset with ``map_partitions``: the bandit is one literal
of the task graph, sent to each worker that needs it (and again if a worker is lost; scattered
data would be lost with it), and each partition draws from a generator of its own, seeded from one
draw of the bandit's generator and the partition's position, so the result does not depend on
which worker ran which partition.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pybandits.boundary.datasets import Partition, open_dataset, partitions
from pybandits.boundary.tabular import contexts_of

__all__ = ["predict_dataset", "prediction_frame", "probabilities_dataset"]


def prediction_frame(mab: Any, context: Any, propensity: bool = False, n_draws: int = 1000) -> Any:
    """The predictions of a contextual bandit without quantitative actions for ``context``, as a DataFrame.

    Columns: ``action``; with ``propensity``, ``propensity`` (the action is then drawn from the
    bandit's estimated probabilities, ``n_draws`` selections per row, so that the logged
    propensity is exactly the one it was played with); then ``sampled_<expected>_<action>`` per
    action (``_<objective>`` too for multi-objective bandits): one Thompson draw each.

    Examples
    --------
    >>> from pybandits.cmab import CmabBernoulli
    >>> mab = CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=2, random_seed=0)
    >>> list(prediction_frame(mab, np.zeros((3, 2)), propensity=True, n_draws=10).columns)
    ['action', 'propensity', 'sampled_probability_a', 'sampled_probability_b']
    """
    import pandas as pd

    allowed, chosen, expected = mab.predict_arrays(context)
    columns: dict[str, Any] = {"action": np.asarray(allowed, dtype=object)[chosen]}
    if propensity:
        action_ids, probabilities = mab.action_probabilities(context, n_draws=n_draws)
        uniform = mab._rng.random(len(probabilities))[:, None]
        drawn = np.minimum((probabilities.cumsum(axis=1) < uniform).sum(axis=1), len(action_ids) - 1)
        columns["action"] = np.asarray(action_ids, dtype=object)[drawn]
        columns["propensity"] = probabilities[np.arange(len(drawn)), drawn]
    name = f"sampled_{mab.family.expected_column}"
    if expected.ndim == 2:
        columns |= {f"{name}_{a}": expected[:, j] for j, a in enumerate(allowed)}
    else:
        for j, a in enumerate(allowed):
            columns |= {f"{name}_{a}_{o}": expected[:, j, o] for o in range(expected.shape[2])}
    return pd.DataFrame(columns)


def _check(mab: Any) -> None:
    from pybandits.bandits.contextual import BaseCmab

    if not isinstance(mab, BaseCmab):
        raise TypeError(f"mab: expected a contextual bandit, got {type(mab).__name__}")
    if mab.quantity_dimensions:
        raise ValueError(
            f"mab: predictions over a dataset serve bandits without quantitative actions, got "
            f"{sorted(mab.quantity_dimensions)}; predict them with mab.predict(context)"
        )


def _partition_seeds(mab: Any, n_partitions: int) -> list[list[int]]:
    """A seed per partition (its generator is made in its task), from one draw of the bandit's generator."""
    seed = int(mab._rng.integers(2**63))
    return [[seed, k] for k in range(n_partitions)]


def predict_dataset(mab: Any, data: Any, *, propensity: bool = False, n_draws: int = 1000) -> tuple[Any, str]:
    """A lazy Dask DataFrame of :func:`prediction_frame` for every row of ``data``, and the dataset's name."""
    _check(mab)
    frame, source = _dataset(mab, data)
    seeds = _partition_seeds(mab, frame.npartitions)
    shared = _shared(mab)
    meta = prediction_frame(mab._with_generator(np.random.default_rng(0)), np.zeros((1, mab.input_dim)), propensity, 1)
    parts = [
        _on_partition(part, Partition(source, k), shared, seeds[k], meta.iloc[:0], propensity, n_draws)
        for k, part in enumerate(partitions(frame))
    ]
    import dask.dataframe as dd

    return dd.from_delayed(parts, meta=meta.iloc[:0], verify_meta=False), source


def probabilities_dataset(mab: Any, data: Any, *, n_draws: int = 1000) -> tuple[Any, str]:
    """A lazy Dask DataFrame of every row's action probabilities (one column per action), and the dataset's name."""
    import pandas as pd

    _check(mab)
    frame, source = _dataset(mab, data)
    seeds = _partition_seeds(mab, frame.npartitions)
    shared = _shared(mab)
    meta = pd.DataFrame({a: np.zeros(0) for a in mab.actions})
    parts = [
        _on_partition(part, Partition(source, k), shared, seeds[k], meta, False, n_draws)
        for k, part in enumerate(partitions(frame))
    ]
    import dask.dataframe as dd

    return dd.from_delayed(parts, meta=meta, verify_meta=False), source


def _dataset(mab: Any, data: Any) -> tuple[Any, str]:
    names = mab.feature_names
    text = [names[j] for j in sorted(mab.categorical_features)] if names else []
    return open_dataset(data, None if names is None else list(names), text)


def _on_partition(
    part: Any, where: Partition, mab: Any, seed: list[int], meta: Any, propensity: bool, n_draws: int
) -> Any:
    from dask import delayed

    return delayed(_partition_output)(part, where, mab, seed, meta, propensity, n_draws)


def _partition_output(
    frame: Any, where: Partition, mab: Any, seed: list[int], meta: Any, propensity: bool, n_draws: int
) -> Any:
    """One partition's predictions (``meta`` has their columns) or probabilities (one column per action)."""
    import pandas as pd

    if len(frame) == 0:
        return meta.iloc[:0]
    context = contexts_of(where, frame, mab.input_dim, mab.feature_names, mab.categorical_features)
    view = mab._with_generator(np.random.default_rng(seed))
    if "action" in meta.columns:
        out = prediction_frame(view, context, propensity, n_draws)
    else:
        action_ids, probabilities = view.action_probabilities(context, n_draws=n_draws)
        out = pd.DataFrame(probabilities, columns=action_ids)
    out.index = frame.index
    return out


def _shared(mab: Any) -> Any:
    """The bandit as one literal of the task graph, read by every partition's task.

    Not scattered: scattered data dies with the worker holding it, while a literal of the graph is
    sent again to whichever worker runs a task that a lost worker had started.
    """
    from dask import delayed

    return delayed(mab, traverse=False)
