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

    def describe(self) -> str:
        """One line: the method, its size and what its diagnostics say.

        Examples
        --------
        >>> FitDiagnostics(method="VI", n_rows=200, num_steps=200, final_loss=135.2).describe()
        'VI on 200 rows: 200 steps, final loss 135.2'
        >>> FitDiagnostics(method="MCMC", n_rows=50, draws=500, tune=500, chains=2, max_rhat=1.004,
        ...                min_ess_bulk=812.0, divergences=0).describe()
        'MCMC on 50 rows: 2 chains x 500 draws (500 tune), max r_hat 1.004, min bulk ESS 812, 0 divergences'
        """
        if self.method == "VI":
            parts = [f"{self.num_steps} steps"] if self.num_steps is not None else []
            if self.final_loss is not None:
                parts.append(f"final loss {self.final_loss:.4g}")
            if self.converged is not None:
                parts.append("converged" if self.converged else "not converged")
        else:
            parts = [f"{self.chains} chains x {self.draws} draws ({self.tune} tune)"]
            if self.max_rhat is not None:
                parts.append(f"max r_hat {self.max_rhat:.4g}")
            if self.min_ess_bulk is not None:
                parts.append(f"min bulk ESS {self.min_ess_bulk:.0f}")
            if self.divergences is not None:
                parts.append(f"{self.divergences} divergences")
        return f"{self.method} on {self.n_rows} rows: {', '.join(parts)}"
