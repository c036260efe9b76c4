"""ArviZ objects from named arrays, with the ArviZ that PyMC installs: 0.x (``InferenceData``) or 1.x (``DataTree``).

ArviZ 0.x (with PyMC 5) takes each group as a keyword of ``az.from_dict``; ArviZ 1.x (with PyMC 6)
takes a mapping of groups and returns an xarray ``DataTree``. :func:`build` hides the difference:
``az.summary``, ``az.plot_forest`` and ``az.plot_posterior`` work on what it returns, as on a PyMC
trace.

Examples
--------
>>> import numpy as np
>>> data = build({"p": np.full((10, 2), 0.5)}, {"alpha": np.ones(2)}, {"action": ["a", "b"]}, {"p": ["action"],
...              "alpha": ["action"]}, {"bandit": "SmabBernoulli"})
>>> [str(name) for name in data["posterior"]["p"].dims]
['chain', 'draw', 'action']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["arviz_major", "build"]


def arviz_major() -> int:
    """The installed ArviZ's major version (0 or 1).

    Examples
    --------
    >>> arviz_major() in (0, 1)
    True
    """
    import arviz

    return int(arviz.__version__.split(".")[0])


def build(
    posterior: Mapping[str, np.ndarray],
    constant_data: Mapping[str, np.ndarray],
    coords: Mapping[str, Sequence[Any]],
    dims: Mapping[str, Sequence[str]],
    attrs: Mapping[str, Any],
) -> Any:
    """An ArviZ object of one chain: ``posterior`` arrays ``(n_draws, ...)``, ``constant_data`` without draws.

    ``attrs`` describe the posterior group (``data["posterior"].attrs``).

    The draws are independent (a bandit's posterior is drawn directly, not by a Markov chain), so
    they form one chain, whose ``r_hat`` is undefined.

    Examples
    --------
    >>> data = build({"w": np.zeros((5, 3))}, {}, {"input": ["x0", "x1", "x2"]}, {"w": ["input"]}, {"n_draws": 5})
    >>> data["posterior"]["w"].shape, data["posterior"].attrs["n_draws"]
    ((1, 5, 3), 5)
    """
    import arviz

    chain = {name: np.asarray(values)[None] for name, values in posterior.items()}
    constants = {name: np.asarray(values) for name, values in constant_data.items()}
    coords = {name: list(values) for name, values in coords.items()}
    dims = {name: list(values) for name, values in dims.items()}
    if arviz_major() >= 1:
        groups = {"posterior": chain, **({"constant_data": constants} if constants else {})}
        data = arviz.from_dict(groups, coords=coords, dims=dims)
    else:
        import logging

        logger = logging.getLogger("arviz")
        level = logger.level
        logger.setLevel(logging.ERROR)  # "shape validation failed" for one chain: the draws are independent
        try:
            data = arviz.from_dict(posterior=chain, constant_data=constants or None, coords=coords, dims=dims)
        finally:
            logger.setLevel(level)
    data["posterior"].attrs.update(attrs)
    return data
