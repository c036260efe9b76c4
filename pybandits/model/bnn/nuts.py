"""NUTS fits: one PyMC model per action, sampled with ``pm.sample``, summarised as mean-field Normals.

The model is the fitting layer's (:func:`pybandits.model.bnn.fit._build_model`, one slot, every
row observed), so ADVI and NUTS fit the same posterior. The draws' means and standard deviations
become the posterior; ArviZ's r_hat, bulk ESS and the divergences are the fit's diagnostics, and a
:class:`~pybandits.exceptions.ConvergenceWarning` points at the user's call when they are poor.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import numpy as np

from pybandits.exceptions import ConvergenceWarning, FitError
from pybandits.model.bnn.diagnostics import FitDiagnostics
from pybandits.model.bnn.fit import FitResult, _build_model, _compile_mode, _set_inputs, _stack_priors, _stack_rows, pm
from pybandits.model.bnn.settings import MCMCSettings
from pybandits.model.priors import MAX_MAGNITUDE, LocationScale

__all__ = ["fit_mcmc"]


def fit_mcmc(action: Any, context: np.ndarray, rewards: np.ndarray, settings: MCMCSettings, seed: int) -> FitResult:
    """Sample ``action``'s posterior given one batch with NUTS; called by :func:`~pybandits.model.bnn.fit.fit_models`.

    Raises
    ------
    FitError
        When the draws are non-finite or beyond the magnitudes a network can compute with.
    """
    import arviz as az

    model = _build_model(action, n_slots=1, batch_size=None)
    _set_inputs(model, _stack_priors([action], 1), *_stack_rows([action], [context], [rewards], 1))
    with model:
        idata = pm.sample(
            draws=settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            cores=1,
            target_accept=settings.target_accept,
            random_seed=seed,
            progressbar=settings.progressbar,
            compute_convergence_checks=False,
            return_inferencedata=True,
            compile_kwargs={"mode": _compile_mode()},
        )
    posterior = idata.posterior
    parameters, rhat, ess = {}, {}, {}
    shapes = {name: dist.shape for name, dist in action.parameters.items()}
    for name, shape in shapes.items():
        draws = np.asarray(posterior[name]).reshape(-1, *shape)  # (chain, draw, 1 slot, *shape)
        mean, std = draws.mean(axis=0), draws.std(axis=0, ddof=1)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
            raise FitError(f"NUTS returned non-finite draws for {name}")
        if max(np.abs(mean).max(), std.max()) > MAX_MAGNITUDE:
            raise FitError(f"NUTS returned draws beyond {MAX_MAGNITUDE:g} for {name}")
        parameters[name] = LocationScale(mu=mean, sigma=np.maximum(std, 1e-12))
        rhat[name] = float(np.nanmax(np.asarray(az.rhat(idata, var_names=[name])[name])))
        ess[name] = float(np.nanmin(np.asarray(az.ess(idata, var_names=[name], method="bulk")[name])))
    divergences = int(np.asarray(idata.sample_stats["diverging"]).sum())
    problems = []
    if max(rhat.values()) > settings.rhat_max:
        problems.append(f"max r_hat {max(rhat.values()):.3f} > {settings.rhat_max}")
    if min(ess.values()) < settings.ess_min:
        problems.append(f"min bulk ESS {min(ess.values()):.0f} < {settings.ess_min:g}")
    if divergences:
        problems.append(f"{divergences} divergent transitions")
    if problems:
        warnings.warn(
            "NUTS may not have converged: "
            + "; ".join(problems)
            + ". Consider more draws/tune or a higher target_accept.",
            ConvergenceWarning,
            stacklevel=_user_stacklevel(),
        )
    diagnostics = FitDiagnostics(
        method="MCMC",
        n_rows=len(rewards),
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        max_rhat=max(rhat.values()),
        min_ess_bulk=min(ess.values()),
        divergences=divergences,
    )
    return FitResult(parameters=parameters, diagnostics=diagnostics)


def _user_stacklevel() -> int:
    """The ``stacklevel`` of a warning that points at the first frame outside pybandits (the user's call)."""
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level
