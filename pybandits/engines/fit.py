"""Fitting action models: the entry point of the engines, ADVI or NUTS by the models' settings.

:func:`fit_models` takes action models (their current distributions are the prior of this update)
and each one's batch of contexts and rewards, and returns every posterior as mean-field Normal
arrays together with the fit's diagnostics (:class:`~pybandits.engines.result.FitResult`); nothing
PyMC leaves the engines. :func:`fit_group` returns the new models themselves, and
:func:`run_group` fits one planned group (:class:`~pybandits.engines.plan.FitGroup`), naming its
actions when it fails.

A fit cuts every embedding table to the rows its batch uses (:mod:`pybandits.engines.subtables`),
runs with PyMC's informational log lines muted in its own thread (:mod:`pybandits.engines.quiet`),
and imports PyMC only when it runs: this module is imported with the bandits, the engines'
PyMC modules (:mod:`pybandits.engines.advi`, :mod:`pybandits.engines.nuts`) on the first fit.

Examples
--------
>>> from pybandits.model.bnn.action import Bnn
>>> prior = Bnn.cold_start(n_features=2, update_kwargs={"num_steps": 20})
>>> result = fit_models([prior], [np.zeros((4, 2))], [np.ones(4)], [0])[0]
>>> sorted(result.parameters), result.diagnostics.method
(['b0', 'w0'], 'VI')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pybandits.engines.plan import FitGroup
from pybandits.engines.quiet import Quiet
from pybandits.engines.result import FitResult
from pybandits.engines.subtables import observed_rows
from pybandits.exceptions import FitError
from pybandits.model.bnn.settings import VISettings

__all__ = ["FitResult", "fit_group", "fit_models", "run_group"]


def fit_models(
    actions: Sequence[Any],
    contexts: Sequence[np.ndarray],
    rewards: Sequence[np.ndarray],
    seeds: Sequence[int],
    weights: Sequence[np.ndarray] | None = None,
    n_slots: int | None = None,
) -> list[FitResult]:
    """Fit the posterior of every action (its distributions are the prior) to its batch.

    ADVI fits them together in one graph (:mod:`pybandits.engines.advi`); they must share the
    graph key and the inference settings. NUTS fits them one after the other, each with its own
    seed (:mod:`pybandits.engines.nuts`).

    Parameters
    ----------
    actions : sequence of Bnn
        The action models: network and auxiliary distributions (the prior), reward family and
        inference settings.
    contexts : sequence of numpy.ndarray
        Per action, ``(n_rows, n_features)`` float64, finite, validated by the caller.
    rewards : sequence of numpy.ndarray
        Per action, ``(n_rows,)``, checked by the family, in reward units.
    seeds : sequence of int
        Per action; an ADVI fit draws from all of them together.
    weights : sequence of numpy.ndarray, optional
        Per action, ``(n_rows,)`` weights in (0, 1] of the rows' likelihoods (forgetting,
        :mod:`pybandits.model.forgetting`); None weighs every row 1.
    n_slots : int, optional
        ADVI only: the slots of the compiled graph, at least ``len(actions)`` (the plan's
        :attr:`~pybandits.engines.plan.FitGroup.n_slots`); None: the next rung of the slot ladder.

    Raises
    ------
    ValueError
        When ADVI is asked to fit actions of different graphs or settings together.
    FitError
        When the fit diverges (a non-finite loss or posterior).
    """
    if not (len(actions) == len(contexts) == len(rewards) == len(seeds)) or not actions:
        raise ValueError(
            "fit_models: expected one context, reward array and seed per action, got "
            f"{len(actions)} actions, {len(contexts)} contexts, {len(rewards)} reward arrays, {len(seeds)} seeds"
        )
    contexts = [np.ascontiguousarray(context, dtype=np.float64) for context in contexts]
    rewards = [np.ascontiguousarray(observed, dtype=np.float64) for observed in rewards]
    if weights is None:
        weights = [np.ones(len(observed)) for observed in rewards]
    settings = actions[0].inference
    # the engines import PyMC: on the first fit, never with the bandits
    from pybandits.engines import advi, nuts
    from pybandits.engines.graph import graph_key

    if isinstance(settings, VISettings):
        key = graph_key(actions[0], settings)
        if any(graph_key(a, a.inference) != key or a.inference != settings for a in actions[1:]):
            raise ValueError("fit_models: expected actions of one architecture and settings to fit together")
    actions, contexts, restore = observed_rows(actions, contexts)  # embeddings: the rows the batch uses
    with Quiet():
        if isinstance(settings, VISettings):
            results = advi.fit_vi(actions, contexts, rewards, settings, seeds, weights, n_slots)
        else:
            results = [
                nuts.fit_mcmc(action, context, observed, action.inference, int(seed), row_weights)
                for action, context, observed, seed, row_weights in zip(
                    actions, contexts, rewards, seeds, weights, strict=True
                )
            ]
    for index, result in enumerate(results):
        result.parameters = restore(index, result.parameters)
    return results


def fit_group(
    models: Sequence[Any],
    contexts: Sequence[np.ndarray],
    rewards: Sequence[np.ndarray],
    seeds: Sequence[int],
    weights: Sequence[np.ndarray] | None = None,
    n_slots: int | None = None,
) -> list[Any]:
    """Fit networks of one graph and settings together; the new models (posterior fitted, statistics added).

    Examples
    --------
    >>> from pybandits.model.bnn.action import Bnn
    >>> prior = Bnn.cold_start(n_features=2, update_kwargs={"num_steps": 20})
    >>> rng = np.random.default_rng(0)
    >>> fitted = fit_group([prior, prior], [rng.normal(size=(30, 2))] * 2, [np.ones(30), np.zeros(30)], [1, 2])
    >>> [model.n_successes for model in fitted], fitted[0].last_fit.n_networks
    ([31, 1], 2)
    """
    results = fit_models(models, contexts, rewards, seeds, weights, n_slots)
    return [model.with_fit(result, observed) for model, result, observed in zip(models, results, rewards, strict=True)]


def run_group(group: FitGroup) -> list[Any]:
    """The fitted models of a planned group, in the order of its members.

    A failed fit names the actions of the group (the whole group fails with one network).

    Examples
    --------
    >>> from pybandits.engines.plan import plan_fits
    >>> from pybandits.model.bnn.action import Bnn
    >>> models = {"a": Bnn.cold_start(n_features=2, update_kwargs={"num_steps": 20})}
    >>> (group,) = plan_fits(models, [("a", np.arange(3), 1)], np.zeros((3, 2)), np.ones(3))
    >>> run_group(group)[0].n_successes
    4
    """
    try:
        return fit_group(group.models, group.contexts, group.rewards, group.seeds, group.weights, group.n_slots)
    except FitError as error:
        if len(group.members) == 1:
            raise FitError(f"{error} (action {group.members[0][0]!r})") from None
        actions = sorted({action_id for action_id, _ in group.members})
        raise FitError(
            f"{error} (actions fitted together: {actions}; update_kwargs={{'actions_per_fit': 1}} fits them "
            "one at a time and names the one that fails)"
        ) from None
