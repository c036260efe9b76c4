"""An evaluation's random choices, each from its own seed, and the rows' cross-fitting folds by position.

An offline evaluation draws four things: the evaluated policy's probabilities, the rows' folds, the
reward models' fits and the bootstrap (and, for contextual logs without propensities, the logging
policy's model). :class:`Seeds` derives one seed for each from the evaluation's ``random_seed``, so no
draw depends on how many numbers another one took: the in-memory evaluation and the cluster's, which
makes its draws in other processes and in another order, use the same seeds for the same things.

:func:`folds` gives a row its fold from its position in the logs alone, so a partition of a dataset
knows its rows' folds from its first row's position, and the folds of the same rows are the same
in memory and on a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Seeds", "folds"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


@dataclass(frozen=True)
class Seeds:
    """One seed per random choice of an evaluation.

    Examples
    --------
    >>> seeds = Seeds.of(0)
    >>> seeds == Seeds.of(0), seeds.policy == Seeds.of(1).policy
    (True, False)
    >>> seeds.model(fold=1) == seeds.model(fold=1) != seeds.model(fold=0)
    True
    """

    policy: int
    folds: int
    bootstrap: int
    models: int
    propensities: int

    @classmethod
    def of(cls, random_seed: int | None) -> Seeds:
        """The seeds of an evaluation seeded ``random_seed`` (None: fresh entropy)."""
        rng = np.random.default_rng(random_seed)
        return cls(*(int(rng.integers(2**63)) for _ in range(5)))

    def model(self, fold: int, objective: int = 0) -> int:
        """The seed of the reward model of ``fold`` (fitted on the other folds) for ``objective``."""
        return int(np.random.default_rng([self.models, fold, objective]).integers(2**31))


def _mixed(values: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's): every bit of the output depends on every bit of the input."""
    with np.errstate(over="ignore"):
        values = values + _GOLDEN
        values = (values ^ (values >> np.uint64(30))) * _MIX_1
        values = (values ^ (values >> np.uint64(27))) * _MIX_2
    return values ^ (values >> np.uint64(31))


def folds(seed: int, start: int, n_rows: int, n_folds: int) -> np.ndarray:
    """The folds of the rows at positions ``start .. start + n_rows - 1`` of the logs.

    The rows are taken in blocks of ``n_folds`` consecutive positions; each block's rows get every
    fold once, rotated by a random shift per block (a hash of ``seed`` and the block). The folds are
    balanced to one row per fold, random, and a function of the position alone: any slice of the
    logs computes its own.

    Examples
    --------
    >>> whole = folds(7, 0, 10, 2)
    >>> np.bincount(whole).tolist()
    [5, 5]
    >>> bool((np.concatenate([folds(7, 0, 4, 2), folds(7, 4, 6, 2)]) == whole).all())
    True
    """
    positions = np.arange(start, start + n_rows, dtype=np.uint64)
    blocks = positions // np.uint64(n_folds)
    key = _mixed(np.array([seed], dtype=np.uint64))
    shifts = _mixed(blocks ^ key) % np.uint64(n_folds)
    return ((positions + shifts) % np.uint64(n_folds)).astype(np.int64)
