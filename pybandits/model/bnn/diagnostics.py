"""What a fit reports: the typed summary an action keeps of its last fit."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict

from pybandits.base import PyBanditsBaseModel

__all__ = ["FitDiagnostics"]


class FitDiagnostics(PyBanditsBaseModel):
    """Summary of an action's last fit (ADVI's loss history stays in memory: :attr:`Bnn.loss_history`).

    Attributes
    ----------
    method : {"VI", "MCMC"}
    n_rows : int
        Rows fitted.
    num_steps, converged, final_loss, n_networks
        ADVI: steps run, whether the convergence test stopped it (None without one), mean loss
        of the last steps, and the number of networks fitted together in one batched graph
        (``final_loss``, the loss history and the convergence test are those of the whole graph,
        the sum over its networks).
    draws, tune, chains, max_rhat, min_ess_bulk, divergences
        NUTS: draws kept and tuning steps per chain, chains, and ArviZ's diagnostics.

    Examples
    --------
    >>> FitDiagnostics(method="VI", n_rows=200, num_steps=200, final_loss=135.2).converged is None
    True
    """

    model_config = ConfigDict(frozen=True)

    method: Literal["VI", "MCMC"]
    n_rows: int
    num_steps: int | None = None
    converged: bool | None = None
    final_loss: float | None = None
    n_networks: int | None = None
    draws: int | None = None
    tune: int | None = None
    chains: int | None = None
    max_rhat: float | None = None
    min_ess_bulk: float | None = None
    divergences: int | None = None
