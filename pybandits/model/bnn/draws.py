"""Thompson draws of many networks at once, with their families' expected rewards and details.

:func:`draw_networks` is what :func:`~pybandits.model.bnn.multi.draw_actions` runs once the
actions (and their objectives) are a flat list: every network is drawn per row by
:func:`~pybandits.model.bnn.sampler.sample_networks`, which stacks networks of one architecture,
and each family's elementwise methods run once per group of columns that share it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from pybandits.model.bnn.sampler import sample_networks
from pybandits.model.priors import LocationScale

__all__ = ["draw_networks"]


def draw_networks(
    objectives: Sequence[Any], context: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Expected rewards and details ``(n_rows, n_objectives)`` of one draw of every objective's network per row.

    ``objectives`` are single-objective models with a ``network``, a ``family`` and ``aux``
    (:class:`~pybandits.model.bnn.action.Bnn`).
    """
    outputs = sample_networks([objective.network for objective in objectives], context, rng)
    # the families' methods are elementwise: one call per group of columns that share a family
    # (expected rewards) or a family and auxiliary parameters (details), not one per action
    expected = _per_group(outputs, objectives, lambda o, block: o.family.expected_reward(block), with_aux=False)
    detail = _per_group(outputs, objectives, lambda o, block: o.family.prediction_detail(block, o.aux), with_aux=True)
    return expected, detail


def _per_group(
    outputs: np.ndarray, objectives: Sequence[Any], function: Callable[[Any, np.ndarray], np.ndarray], with_aux: bool
) -> np.ndarray:
    """``function(objective, outputs[:, columns])`` for every group of columns with equal settings.

    A group is the columns whose objectives have the same family (and, ``with_aux``, the same
    auxiliary parameters): a bandit's actions share their family, and Bernoulli actions have no
    auxiliary parameter, so a Bernoulli bandit makes one call for all its actions.
    """
    groups: dict[tuple, tuple[list[int], Any]] = {}
    for column, objective in enumerate(objectives):
        aux = _aux_key(objective.aux) if with_aux else ()
        groups.setdefault((objective.family, aux), ([], objective))[0].append(column)
    if len(groups) == 1:
        ((_, objective),) = groups.values()
        return function(objective, outputs)
    result = np.empty_like(outputs)
    for columns, objective in groups.values():
        index = columns[0] if len(columns) == 1 else columns
        result[:, index] = function(objective, outputs[:, index])
    return result


def _aux_key(aux: Mapping[str, LocationScale]) -> tuple:
    """Auxiliary parameters as a hashable key (equal keys for equal parameters)."""
    return tuple(
        (name, dist.shape, dist.mu.tobytes(), dist.sigma.tobytes(), None if dist.nu is None else dist.nu.tobytes())
        for name, dist in aux.items()
    )
