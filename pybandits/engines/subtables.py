"""Fitting only the embedding rows a batch looks up (a step of every fit, in numpy).

A category absent from a batch has no likelihood term in it: its posterior after the update is
its prior, exactly. So a fit cuts every embedding table to the rows its batch uses, padded with
rows no code looks up to a size that is the same for every network of a group, fits those, and
writes them back; every other row keeps its distribution, a Student-t prior included.

The size is what keeps graphs few. A table of at most :data:`WHOLE_TABLE_ROWS` rows and
:data:`WHOLE_TABLE_ENTRIES` entries is cut to its own cardinality, whatever the batch holds: one
graph per architecture, since a batch's number of levels changes from one update to the next (a
50-level column with Zipf-like traffic met a new size, and compiled a graph for seconds, at most
updates otherwise), and padding a table that small costs next to nothing. A larger table is cut to
the next rung of a ladder (:func:`_table_rows`), so that its cost grows with the categories a batch
holds, not with the cardinality: a 10,000-level column costs what the batch's few hundred levels
cost.

Examples
--------
>>> from pybandits.model.bnn.action import Bnn
>>> action = Bnn.cold_start(n_features=2, categorical={1: (5000, 4)})
>>> context = np.array([[0.5, 7.0], [0.1, 4993.0], [0.2, 7.0]])
>>> cut, contexts, restore = observed_rows([action], [context])
>>> cut[0].network.embeddings[0].cardinality, contexts[0][:, 1].tolist()
(2, [0.0, 1.0, 0.0])
>>> small = Bnn.cold_start(n_features=2, categorical={1: (50, 4)})
>>> observed_rows([small], [np.array([[0.5, 3.0]])])[0][0].network.embeddings[0].cardinality  # cut to its size
50
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pybandits.model.priors import LocationScale

__all__ = ["WHOLE_TABLE_ENTRIES", "WHOLE_TABLE_ROWS", "observed_rows"]

#: A table of at most this many rows and :data:`WHOLE_TABLE_ENTRIES` entries (rows x dimension) is
#: fitted at its full size (see the module notes).
WHOLE_TABLE_ROWS = 1024
WHOLE_TABLE_ENTRIES = 4096


def _table_size(cardinality: int, dim: int, n_used: int) -> int:
    """Rows of the cut of a ``cardinality``-row table of ``dim`` columns whose batch uses ``n_used`` rows.

    Examples
    --------
    >>> _table_size(50, 1, 3), _table_size(1024, 4, 9), _table_size(1024, 16, 9), _table_size(5000, 1, 4990)
    (50, 1024, 10, 5000)
    """
    if cardinality <= WHOLE_TABLE_ROWS and cardinality * dim <= WHOLE_TABLE_ENTRIES:
        return cardinality
    return min(cardinality, _table_rows(max(2, n_used)))


def _table_rows(n_used: int) -> int:
    """Rows of a cut table that holds ``n_used`` rows: the next multiple of a quarter of the power of two below.

    Padding rows cost as much as fitted ones at every step, so the ladder is finer than the slot
    ladder (at most a quarter of padding rather than a half); an eighth would pad less, but
    compiles about twice as many graphs while a bandit's batches settle.

    Examples
    --------
    >>> [_table_rows(n) for n in (2, 7, 9, 17, 63, 65, 100, 1000)]
    [2, 7, 10, 20, 64, 80, 112, 1024]
    """
    step = 1 << max(0, n_used.bit_length() - 3)
    return -(-n_used // step) * step


def _cut(table: LocationScale, used: np.ndarray, size: int) -> LocationScale:
    """``table``'s rows ``used``, padded with standard Normal rows to ``size`` (padding is never looked up)."""
    pad = size - len(used)
    mu = np.concatenate([table.mu[used], np.zeros((pad, table.shape[1]))])
    sigma = np.concatenate([table.sigma[used], np.ones((pad, table.shape[1]))])
    nu = None if table.nu is None else np.concatenate([table.nu[used], np.full((pad, table.shape[1]), np.inf)])
    return LocationScale(mu=mu, sigma=sigma, nu=nu)


def _paste(table: LocationScale, used: np.ndarray, fitted: LocationScale) -> LocationScale:
    """``table`` with rows ``used`` replaced by ``fitted``'s first rows (Normal posteriors)."""
    mu, sigma = np.array(table.mu), np.array(table.sigma)
    mu[used], sigma[used] = fitted.mu[: len(used)], fitted.sigma[: len(used)]
    nu = None
    if table.nu is not None:
        nu = np.array(table.nu)
        nu[used] = np.inf  # a fitted row is a Normal posterior, beside the untouched Student-t prior rows
    for array in (mu, sigma, nu):
        if array is not None:
            array.flags.writeable = False
    # Not validated again (a copy and a check of the whole table, milliseconds for a large one): the
    # other rows come from a valid table, and the fit checked the fitted ones (finite, in range, sigma > 0).
    return LocationScale.model_construct(mu=mu, sigma=sigma, nu=nu)


def observed_rows(
    actions: Sequence[Any], contexts: Sequence[np.ndarray]
) -> tuple[list[Any], list[np.ndarray], Callable[[int, dict[str, LocationScale]], dict[str, LocationScale]]]:
    """The actions with tables cut to their batch's rows, the contexts recoded, and how to restore a posterior.

    ``restore(index, parameters)`` turns action ``index``'s fitted parameters (cut tables) into
    parameters of its full network (every other table row as before the fit).
    """
    embeddings = actions[0].network.embeddings
    if not embeddings:
        return list(actions), list(contexts), lambda index, parameters: parameters
    used = [[np.unique(context[:, e.column]).astype(np.intp) for e in embeddings] for context in contexts]
    sizes = [  # the same for every network of the group, and never more rows than the table has
        _table_size(e.cardinality, e.dim, max(len(rows[k]) for rows in used)) for k, e in enumerate(embeddings)
    ]
    cut_actions, recoded = [], []
    for action, context, rows in zip(actions, contexts, used, strict=True):
        network = action.network
        parameters = network.parameters
        tables = {}
        context = np.array(context)
        for k, embedding in enumerate(network.embeddings):
            tables[f"e{embedding.column}"] = _cut(embedding.table, rows[k], sizes[k])
            context[:, embedding.column] = np.searchsorted(rows[k], context[:, embedding.column])
        cut_actions.append(action.model_copy(update={"network": network.with_parameters({**parameters, **tables})}))
        recoded.append(context)

    def restore(index: int, parameters: dict[str, LocationScale]) -> dict[str, LocationScale]:
        full = dict(parameters)
        for k, embedding in enumerate(actions[index].network.embeddings):
            name = f"e{embedding.column}"
            full[name] = _paste(embedding.table, used[index][k], parameters[name])
        return full

    return cut_actions, recoded, restore
