"""The NUTS engine: the PyMC model of one action, sampled by nutpie or ``pm.sample``.

The model is the one ADVI fits (:func:`pybandits.engines.graph.build_model`, one network
without the slot axis, every row observed), so ADVI and NUTS fit the same posterior. The draws'
means and standard deviations become the posterior; ArviZ's r_hat, bulk ESS and the divergences
are the fit's diagnostics, and a :class:`~pybandits.exceptions.ConvergenceWarning` points at the
user's call when they are poor.

**Two samplers.** ``pm.sample`` builds the model's functions for every fit, which costs seconds.
nutpie (the ``nuts`` extra) compiles the model once per network shape and process, and keeps it in
the engine cache (:data:`~pybandits.engines.cache.ENGINES`: bounded, a lock per entry). Every fit
then swaps in its data and priors, the model's ``pm.Data``, with ``with_data`` and samples. The
chains run in parallel threads, in Rust. ``MCMCSettings.sampler`` chooses: ``"auto"`` (nutpie when
installed), ``"nutpie"`` (an ``ImportError`` without it, never a silent switch) or ``"pymc"``.
Both give the same posterior within Monte Carlo error, and equal results for equal seeds.

Examples
--------
>>> isinstance(nutpie_available(), bool)
True
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from typing import Any

import numpy as np

from pybandits.engines.backend import import_pymc
from pybandits.engines.cache import ENGINES
from pybandits.engines.graph import build_model, set_inputs, stack_priors, stack_rows
from pybandits.engines.result import FitResult
from pybandits.engines.rewrites import compile_mode
from pybandits.exceptions import ConvergenceWarning, FitError
from pybandits.model.bnn.diagnostics import FitDiagnostics
from pybandits.model.bnn.settings import MCMCSettings
from pybandits.model.priors import MAX_MAGNITUDE, LocationScale

pm = import_pymc()

__all__ = ["fit_mcmc", "nutpie_available"]


def fit_mcmc(
    action: Any,
    context: np.ndarray,
    rewards: np.ndarray,
    settings: MCMCSettings,
    seed: int,
    weights: np.ndarray | None = None,
) -> FitResult:
    """Sample ``action``'s posterior given one batch with NUTS; called by :func:`~pybandits.engines.fit.fit_models`.

    ``weights``: the rows' likelihood weights (forgetting), None for all 1.

    Raises
    ------
    FitError
        When the draws are non-finite or beyond the magnitudes a network can compute with.
    """
    import arviz as az

    # one network, without the slot axis of batched ADVI (plain matrix products: a cheaper gradient)
    priors = {
        name: {part: value[0] for part, value in arrays.items()} for name, arrays in stack_priors([action], 1).items()
    }
    inputs = tuple(
        array[0] for array in stack_rows([action], [context], [rewards], 1, None if weights is None else [weights])
    )
    if _use_nutpie(settings):
        idata = _sample_nutpie(action, priors, inputs, settings, seed)
    else:
        model = build_model(action, n_slots=None, batch_size=None)
        set_inputs(model, priors, *inputs)
        with model:
            idata = pm.sample(
                draws=settings.draws,
                tune=settings.tune,
                chains=settings.chains,
                cores=1,
                target_accept=settings.target_accept,
                max_treedepth=settings.max_treedepth,
                random_seed=seed,
                progressbar=settings.progressbar,
                compute_convergence_checks=False,
                return_inferencedata=True,
                compile_kwargs={"mode": compile_mode()},
            )
    posterior = idata.posterior
    parameters, rhat, ess = {}, {}, {}
    shapes = {name: dist.shape for name, dist in action.parameters.items()}
    for name, shape in shapes.items():
        draws = np.asarray(posterior[name]).reshape(-1, *shape)  # (chain, draw, *shape)
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


def nutpie_available() -> bool:
    """Whether nutpie is installed (the ``nuts`` extra)."""
    return importlib.util.find_spec("nutpie") is not None


def _use_nutpie(settings: MCMCSettings) -> bool:
    if settings.sampler == "pymc":
        return False
    if nutpie_available():
        return True
    if settings.sampler == "nutpie":
        raise ImportError(
            "update_kwargs: sampler='nutpie' needs nutpie, which is not installed; install it with "
            "pip install 'pybandits[nuts]', or use sampler='auto' or 'pymc'"
        )
    return False


def _compiled_model(action: Any) -> Any:
    """nutpie's compiled model of ``action``'s shape: built and compiled once per process, then cached."""
    import nutpie

    model = build_model(action, n_slots=None, batch_size=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's and nutpie's notes about compilation, not the user's concern
        return nutpie.compile_pymc_model(model)


#: Data containers of the engines' model that only minibatches read (nutpie's graph drops them).
_UNUSED_WITHOUT_MINIBATCHES = frozenset({"slot_rows"})


def _shared_names(compiled: Any) -> set[str]:
    """The names of the data containers a compiled model takes in ``with_data``.

    nutpie keys its shared data by name in some versions and by a random key, with a map from the
    variables, in others; both are read here.
    """
    keyed = getattr(compiled, "shared_var_keys", None)
    if keyed:
        return {variable.name for variable in keyed}
    return set(compiled.shared_data)


def _sample_nutpie(action: Any, priors: dict, inputs: tuple, settings: MCMCSettings, seed: int) -> Any:
    """Draws of one fit by nutpie, as ArviZ data: the cached compiled model with this fit's data and priors."""
    import nutpie

    block, fitting, mask = inputs
    data = {"context": block, "rewards": fitting, "mask": mask, "slot_rows": np.atleast_1d(float((mask > 0).sum()))}
    data.update({f"{name}_{part}": value for name, arrays in priors.items() for part, value in arrays.items()})
    key = ("nutpie", action.network.architecture, action.family.graph_key)
    with ENGINES.hold(key, build=lambda: _compiled_model(action)) as compiled:
        known = _shared_names(compiled)
        missing = sorted(set(data) - known - _UNUSED_WITHOUT_MINIBATCHES)
        if missing:  # never sample with stale data or priors
            raise FitError(f"nutpie's compiled model has no data container {missing}; use sampler='pymc'")
        fitted = compiled.with_data(**{name: value for name, value in data.items() if name in known})
    return nutpie.sample(
        fitted,
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=settings.chains,
        seed=seed % 2**63,
        target_accept=settings.target_accept,
        maxdepth=settings.max_treedepth,
        progress_bar=settings.progressbar,
        save_warmup=False,
    )


def _user_stacklevel() -> int:
    """The ``stacklevel`` of a warning that points at the first frame outside pybandits (the user's call)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # pybandits/
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level
