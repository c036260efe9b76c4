"""Off-policy evaluation: estimate a policy's value from rows logged by another policy.

The estimators are plain functions of numpy arrays (see :mod:`pybandits.offline.estimators`), and
:func:`~pybandits.offline.estimators.estimator_terms` exposes their per-row terms for vectorised bootstraps.

Examples
--------
>>> from pybandits.offline import dr
>>> dr([1.0, 0.0], [0, 1], [0.5, 0.5], [[1.0, 0.0], [0.5, 0.5]], [[0.8, 0.2], [0.4, 0.6]])
0.55
"""

from pybandits.offline.estimators import (
    ESTIMATORS,
    EstimatorTerms,
    dm,
    dr,
    dros,
    estimator_terms,
    ipw,
    replay,
    sg_dr,
    sg_ipw,
    sndr,
    snipw,
    switch_dr,
)
from pybandits.offline.evaluate import DEFAULT_HYPERPARAMETERS, evaluate

__all__ = [
    "DEFAULT_HYPERPARAMETERS",
    "ESTIMATORS",
    "EstimatorTerms",
    "dm",
    "dr",
    "dros",
    "estimator_terms",
    "evaluate",
    "ipw",
    "replay",
    "sg_dr",
    "sg_ipw",
    "sndr",
    "snipw",
    "switch_dr",
]
