"""What a contextual bandit with a shared trunk does differently: its cold-start checks, state checks, update.

:class:`~pybandits.contextual.BaseCmab` calls these when ``backbone_hidden_dim_list`` is given, so
that the bandit class keeps one code path for everything the trunk does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from pybandits import _validation as check
from pybandits._progress import progress_bar
from pybandits.engines.backbone import refit_heads, updated_backbone
from pybandits.model.backbone.heads import LinearHead, default_head_sigma
from pybandits.model.bnn.action import Bnn, DistParams

__all__ = ["check_backbone_fields", "check_trunk_arguments", "linear_head", "update_with_backbone"]

#: Seconds an update runs before its default progress bar appears (as for every bandit).
_BAR_DELAY = 2.0


def check_trunk_arguments(
    class_name: str,
    backbone_hidden_dim_list: Sequence[int] | None,
    backbone_kwargs: Mapping[str, Any] | None,
    n_objectives: int | None,
) -> list[int] | None:
    """The trunk's layer widths from ``cold_start``'s arguments (None without a trunk), or a clear error."""
    if backbone_hidden_dim_list is None:
        if backbone_kwargs is not None:
            raise ValueError("backbone_kwargs: expected it with backbone_hidden_dim_list (a trunk), got it alone")
        return None
    if n_objectives is not None:
        raise TypeError(
            f"backbone_hidden_dim_list: {class_name} is multi-objective, which a shared trunk does not support; "
            f"expected None, got {check.describe(backbone_hidden_dim_list)}"
        )
    widths = check.check_hidden_dim_list(backbone_hidden_dim_list)
    if not widths:
        raise ValueError("backbone_hidden_dim_list: expected at least one layer width, got []")
    return widths


def linear_head(
    width: int,
    family: Any,
    update_method: str,
    update_kwargs: Mapping[str, Any] | None,
    dist_params_init: Mapping[str, float] | None,
) -> LinearHead:
    """A cold linear head on ``width`` trunk features, refusing the fitting settings it has no use for.

    Its prior is ``N(mu, sigma**2)`` with ``dist_params_init``'s ``mu`` (default 0) and ``sigma``
    when given, :func:`~pybandits.model.backbone.heads.default_head_sigma` otherwise.
    """
    why = "linear heads on a shared trunk are computed in closed form; give hidden_dim_list for network heads"
    if update_method != "VI":
        raise ValueError(f"update_method: {why} (fitted by VI or MCMC); expected 'VI', got {update_method!r}")
    if update_kwargs is not None:
        raise ValueError(f"update_kwargs: {why}; expected None, got {check.describe(update_kwargs)}")
    given = dict(dist_params_init or {})
    if "nu" in given:
        raise ValueError(f"dist_params_init: a linear head's prior is Normal (mu, sigma); expected no nu, got {given}")
    params = DistParams.model_validate(given)
    sigma = params.sigma if "sigma" in given else default_head_sigma(width)
    return LinearHead.cold_start(width, family, params.mu, sigma)


def check_backbone_fields(mab: Any, head_inputs: int) -> None:
    """A bandit's trunk has a readout per action and feeds heads of its width; linear heads need a trunk."""
    backbone = mab.backbone
    if backbone is None:
        if any(isinstance(model, LinearHead) for model in mab.actions.values()):
            raise ValueError("actions: linear heads need a backbone (the shared trunk they read), got none")
        return
    if mab.strategy_type.multi_objective:
        raise ValueError(f"backbone: {type(mab).__name__} is multi-objective; a shared trunk has one objective")
    if set(backbone.readout) != set(mab.actions):
        raise ValueError(
            f"backbone: expected a readout for every action {sorted(mab.actions)}, got {sorted(backbone.readout)}"
        )
    if head_inputs != backbone.width:
        raise ValueError(f"actions: expected heads on the backbone's {backbone.width} features, got {head_inputs}")
    if any(isinstance(model, Bnn) and model.network.embeddings for model in mab.actions.values()):
        raise ValueError("actions: with a backbone, the trunk embeds the categorical columns, not the heads")


def update_with_backbone(
    mab: Any,
    played: np.ndarray,
    observed: np.ndarray,
    features: np.ndarray,
    executor: Executor | None,
    callback: Callable[[str, int], None] | None,
    progressbar: bool | None,
) -> None:
    """An update of a bandit with a shared trunk: buffer, trunk, every head (see :mod:`pybandits.model.backbone`).

    Runs inside the bandit's rollback block: the fields are replaced only at the end.
    """
    backbone = updated_backbone(mab.backbone, features, played.tolist(), observed, mab.family, mab._rng)
    seeds = {action_id: int(mab._rng.integers(2**63)) for action_id in mab.actions}
    delay = _BAR_DELAY if progressbar is None else 0.0
    with progress_bar(len(mab.actions), "fitting heads", progressbar, delay=delay) as bar:

        def report(action_id: str, n_rows: int) -> None:
            bar.advance()
            if callback is not None:
                callback(action_id, n_rows)

        heads = refit_heads(mab.actions, backbone, seeds.__getitem__, executor, report)
    for action_id in np.unique(played).tolist():
        head = heads[action_id]
        heads[action_id] = head.model_copy(update={"stats": head.stats.added(observed[played == action_id])})
    mab.backbone, mab.actions = backbone, heads
