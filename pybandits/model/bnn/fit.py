"""The fitting layer: the one module that imports PyMC.

:func:`fit_model` takes an action model (its current distributions are the prior of this update)
and one action's batch of contexts and rewards, and returns the posterior as mean-field Normal
arrays together with the fit's diagnostics. Nothing PyMC leaves this module. The network's forward
pass is :func:`pybandits.model.bnn.network.forward` run with PyTensor's operations, and the
likelihood is the reward family's, written once for numpy and PyTensor alike.

ADVI compiles once per architecture. An architecture is what shapes the PyMC graph, and its key
is derived from the descriptions: :attr:`Network.architecture` (layer shapes, prior families,
activation, residual rule), the family's :attr:`~pybandits.model.family.RewardFamily.graph_key`
and the settings' :attr:`~pybandits.model.bnn.settings.VISettings.graph_key`. Its model keeps the
context, the rewards, the likelihood's scale and every prior parameter in ``pm.Data`` containers; its compiled ADVI step
function is cached for the life of the process and reused for every action and every update of
that architecture. A fit swaps in the data and priors with ``set_value``, puts the variational
distribution back at the prior means with a small scale, resets the optimizer's state and
reseeds the random generators, then runs the steps. Building and compiling a PyMC model costs
about a second; reusing a cached step function costs nothing.

The step function is compiled with ``score=True``: that is what makes PyMC add the update of the
random generator to the compiled function, so that every step draws new noise.

PyTensor compiles C code (PyMC 5) or Numba code (PyMC 6) the first time an architecture is seen
in a fresh cache (``~/.pytensor``), which takes tens of seconds once per machine; later processes
load it from the cache.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pybandits._progress import progress_bar
from pybandits.exceptions import ConvergenceWarning, FitError
from pybandits.model.bnn.diagnostics import FitDiagnostics
from pybandits.model.bnn.network import ArrayOps, forward
from pybandits.model.bnn.settings import MCMCSettings, VISettings
from pybandits.model.priors import MAX_MAGNITUDE, LocationScale

__all__ = ["PYTENSOR_OPS", "FitResult", "clear_cache", "fit_model"]


def _import_pymc():
    """Import PyMC quietly: without the BLAS warning PyTensor gives on a pip install.

    Where PyTensor finds no BLAS to link its C code against, its matrix products go through
    numpy, whose own BLAS is fast; the warning only alarms users, so it is silenced here unless
    the user configured ``blas__ldflags`` themselves.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
        warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")
        import pymc
        import pytensor

        if "blas__ldflags" not in os.environ.get("PYTENSOR_FLAGS", ""):
            _ = pytensor.config.blas__ldflags  # resolve the default now, while the warning is muted
    return pymc


pm = _import_pymc()
import pytensor  # noqa: E402
import pytensor.tensor as pt  # noqa: E402

#: PyTensor's operations: the forward pass and the likelihoods build the PyMC graph with them.
PYTENSOR_OPS = ArrayOps(
    tanh=pt.tanh,
    exp=pt.exp,
    maximum=pt.maximum,
    softplus=pt.softplus,
    matmul=lambda hidden, weight: hidden @ weight,
)
_OPTIMIZERS = {"adam": pm.adam, "adamax": pm.adamax}
_NORMAL_NU = 1e12


def _compile_mode():
    """PyTensor's C virtual machine where a C compiler exists, its Python one otherwise.

    For these small graphs the C linker steps two to three times faster than the Numba linker
    that PyTensor 3 (PyMC 6) uses by default, and needs no just-in-time compilation on first call;
    both PyMC versions are run the same way.
    """
    from pytensor.compile.mode import Mode

    return Mode(linker="cvm" if pytensor.config.cxx else "vm", optimizer="fast_run")


@dataclass
class FitResult:
    """What a fit returns: the posterior of every parameter, the fit's summary, ADVI's losses."""

    parameters: dict[str, LocationScale]
    diagnostics: FitDiagnostics
    loss_history: np.ndarray | None = field(default=None)


# -- the PyMC model ----------------------------------------------------------------------------


def _build_model(action: Any, batch_size: int | None):
    """A PyMC model of ``action``'s architecture and family with every input in ``pm.Data``."""
    network, family = action.network, action.family
    with pm.Model() as model:
        context = pm.Data("context", np.zeros((1, network.n_features)))
        rewards = pm.Data("rewards", np.zeros(1))
        scale = pm.Data("likelihood_scale", 1.0)
        tensors = {}
        for name, dist in action.parameters.items():
            mu = pm.Data(f"{name}_mu", np.zeros(dist.shape))
            sigma = pm.Data(f"{name}_sigma", np.ones(dist.shape))
            if dist.family == "studentt":
                nu = pm.Data(f"{name}_nu", np.ones(dist.shape))
                tensors[name] = pm.StudentT(name, nu=nu, mu=mu, sigma=sigma, shape=dist.shape)
            else:
                tensors[name] = pm.Normal(name, mu=mu, sigma=sigma, shape=dist.shape)
        if batch_size is not None:
            context, rewards = pm.Minibatch(context, rewards, batch_size=batch_size)
        n_layers = len(network.layers)
        weights = [tensors[f"w{index}"] for index in range(n_layers)]
        biases = [tensors[f"b{index}"] for index in range(n_layers)]
        outputs = forward(PYTENSOR_OPS, context, weights, biases, network.activation, network.residual)
        aux = {name: tensors[name] for name in action.aux}
        log_likelihood = family.log_likelihood(PYTENSOR_OPS, outputs, rewards, aux).sum()
        pm.Potential("likelihood", scale * log_likelihood)
    return model


def _set_inputs(model, action: Any, context: np.ndarray, rewards: np.ndarray, scale: float) -> None:
    data = model.named_vars
    data["context"].set_value(context)
    data["rewards"].set_value(action.family.fitting_rewards(rewards))
    data["likelihood_scale"].set_value(np.asarray(scale, dtype=np.float64))
    for name, dist in action.parameters.items():
        data[f"{name}_mu"].set_value(np.array(dist.mu))
        data[f"{name}_sigma"].set_value(np.array(dist.sigma))
        if dist.nu is not None:
            # A Normal element of a Student-t tensor (nu = inf, after transfer) is fitted as a
            # Student-t with nu = 1e12: the same gradients, and a log density finite everywhere.
            data[f"{name}_nu"].set_value(np.minimum(dist.nu, _NORMAL_NU))


# -- ADVI with a cached step function -----------------------------------------------------------


def _architecture(action: Any, settings: VISettings) -> tuple:
    """The compile-cache key, derived from the descriptions (see the module notes)."""
    return (action.network.architecture, action.family.graph_key, settings.graph_key)


class _VIEngine:
    """A compiled ADVI step function for one architecture, reusable across actions and updates."""

    def __init__(self, action: Any, settings: VISettings) -> None:
        self.model = _build_model(action, settings.batch_size)
        advi = pm.ADVI(model=self.model)
        self.learning_rate = pytensor.shared(np.asarray(settings.learning_rate, dtype=np.float64))
        optimizer = _OPTIMIZERS[settings.optimizer](learning_rate=self.learning_rate)
        self.step = advi.objective.step_function(
            obj_n_mc=settings.n_mc_samples,
            obj_optimizer=optimizer,
            score=True,
            compile_kwargs={"mode": _compile_mode()},
        )
        self.mu, self.rho = advi.approx.params
        self.ordering = {name: (entry[1], entry[2]) for name, entry in advi.approx.groups[0].ordering.items()}
        updated = [item.variable for item in self.step.maker.inputs if item.update is not None]
        self.generators = [v for v in updated if isinstance(v.get_value(borrow=True), np.random.Generator)]
        # The optimizer's state (moments, step count): put back to its initial value before a fit.
        self.optimizer_state = [
            (v, np.array(v.get_value(), copy=True))
            for v in updated
            if v not in self.generators and v is not self.mu and v is not self.rho
        ]

    def run(self, action: Any, context: np.ndarray, rewards: np.ndarray, settings: VISettings, seed: int) -> FitResult:
        n_rows = len(rewards)
        scale = n_rows / settings.batch_size if settings.batch_size is not None else 1.0
        _set_inputs(self.model, action, context, rewards, scale)
        self.learning_rate.set_value(np.asarray(settings.learning_rate, dtype=np.float64))
        for variable, initial in self.optimizer_state:
            variable.set_value(initial.copy())
        seeds = np.random.SeedSequence(seed).spawn(len(self.generators))
        for variable, child in zip(self.generators, seeds, strict=True):
            variable.set_value(np.random.default_rng(child), borrow=True)
        mu = np.empty(self.mu.get_value().shape)
        rho = np.empty_like(mu)
        for name, dist in action.parameters.items():
            where, shape = self.ordering[name]
            mu[where] = dist.mu.reshape(-1)
            start_scale = np.minimum(dist.sigma, settings.init_scale).reshape(-1)
            rho[where] = np.log(np.expm1(start_scale))  # inverse of softplus
        self.mu.set_value(mu)
        self.rho.set_value(rho)

        losses = np.empty(settings.num_steps)
        steps_run, converged = 0, False
        window = settings.convergence_window
        # tail averaging: the posterior is the mean of the iterates of the last steps, which cancels
        # most of the optimizer's step-to-step noise (a constant learning rate never settles)
        average_from = settings.num_steps - int(settings.num_steps * settings.tail_average)
        mu_sum, sigma_sum, n_averaged = np.zeros_like(mu), np.zeros_like(mu), 0
        with progress_bar(settings.num_steps, "ADVI steps", settings.progressbar) as bar:
            for step in range(settings.num_steps):
                with np.errstate(all="ignore"):  # a diverging fit is detected below, not warned about
                    losses[step] = self.step()
                steps_run = step + 1
                bar.advance()
                if not np.isfinite(losses[step]):
                    raise FitError(f"ADVI diverged: the loss became {losses[step]} at step {steps_run}")
                if step >= average_from:
                    mu_sum += self.mu.get_value(borrow=True)
                    sigma_sum += np.logaddexp(0.0, self.rho.get_value(borrow=True))
                    n_averaged += 1
                if settings.convergence_tol is not None and steps_run >= 2 * window and steps_run % window == 0:
                    previous = losses[steps_run - 2 * window : steps_run - window].mean()
                    current = losses[steps_run - window : steps_run].mean()
                    if abs(current - previous) <= settings.convergence_tol * abs(previous):
                        converged = True
                        break
        if n_averaged:
            mu, sigma = mu_sum / n_averaged, sigma_sum / n_averaged
        else:  # stopped early by the convergence test, before the tail: the last iterate
            mu, sigma = self.mu.get_value(), np.logaddexp(0.0, self.rho.get_value())
        if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma)) and np.all(sigma > 0)):
            raise FitError("ADVI diverged: the posterior holds non-finite values")
        if max(np.abs(mu).max(), sigma.max()) > MAX_MAGNITUDE:
            raise FitError(f"ADVI diverged: the posterior holds values beyond {MAX_MAGNITUDE:g}")
        parameters = {}
        for name in action.parameters:
            where, shape = self.ordering[name]
            parameters[name] = LocationScale(mu=mu[where].reshape(shape), sigma=sigma[where].reshape(shape))
        losses = losses[:steps_run]
        tail = losses[-min(len(losses), window) :]
        diagnostics = FitDiagnostics(
            method="VI",
            n_rows=n_rows,
            num_steps=steps_run,
            converged=converged if settings.convergence_tol is not None else None,
            final_loss=float(tail.mean()),
        )
        return FitResult(parameters=parameters, diagnostics=diagnostics, loss_history=losses)


_ENGINES: dict[tuple, _VIEngine] = {}
#: Guards the cache, and each engine's use: an engine's compiled function and ``pm.Data`` containers
#: are shared state, so fits of one architecture in several threads of a process take turns (fits
#: in parallel need processes: :mod:`pybandits.parallel`).
_CACHE_LOCK = threading.Lock()
_ENGINE_LOCKS: dict[tuple, threading.Lock] = {}


@contextlib.contextmanager
def _engine(action: Any, settings: VISettings) -> Iterator[_VIEngine]:
    """The cached engine of ``action``'s architecture, held for this thread while the block runs."""
    key = _architecture(action, settings)
    with _CACHE_LOCK:
        lock = _ENGINE_LOCKS.setdefault(key, threading.Lock())
    with lock:
        engine = _ENGINES.get(key)
        if engine is None:
            with _quiet():
                engine = _VIEngine(action, settings)
            _ENGINES[key] = engine
        yield engine


def clear_cache() -> None:
    """Forget every compiled step function of this process."""
    with _CACHE_LOCK:
        _ENGINES.clear()


def cache_size() -> int:
    """Number of compiled ADVI step functions held by this process."""
    return len(_ENGINES)


# -- NUTS --------------------------------------------------------------------------------------


def _fit_mcmc(action: Any, context: np.ndarray, rewards: np.ndarray, settings: MCMCSettings, seed: int) -> FitResult:
    import arviz as az

    model = _build_model(action, batch_size=None)
    _set_inputs(model, action, context, rewards, 1.0)
    with _quiet(), model:
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
        draws = np.asarray(posterior[name]).reshape(-1, *shape)
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


# -- the entry point ---------------------------------------------------------------------------


def fit_model(action: Any, context: np.ndarray, rewards: np.ndarray, seed: int) -> FitResult:
    """Fit the posterior of ``action`` (its distributions are the prior) to one batch.

    Parameters
    ----------
    action : Bnn
        The action model: its network and auxiliary distributions (the prior), its reward family
        and its inference settings.
    context : numpy.ndarray
        ``(n_rows, n_features)`` float64, finite, validated by the caller.
    rewards : numpy.ndarray
        ``(n_rows,)``, checked by the family, in reward units.
    seed : int
        Seed of every random draw of the fit.

    Raises
    ------
    FitError
        When the fit diverges (a non-finite loss or posterior).
    """
    context = np.ascontiguousarray(context, dtype=np.float64)
    rewards = np.ascontiguousarray(rewards, dtype=np.float64)
    settings = action.inference
    if isinstance(settings, VISettings):
        with _engine(action, settings) as engine:
            return engine.run(action, context, rewards, settings, seed)
    return _fit_mcmc(action, context, rewards, settings, seed)


@contextlib.contextmanager
def _quiet():
    """Mute PyMC's informational logging and PyTensor's BLAS notices during a fit.

    PyTensor logs at WARNING level that it uses numpy's C API for BLAS when it could not link a
    BLAS library; that is the intended configuration here (see :func:`_import_pymc`).
    """
    muted = {"pymc": logging.WARNING, "pytensor.tensor.blas": logging.ERROR}
    levels = {name: logging.getLogger(name).level for name in muted}
    for name, level in muted.items():
        logging.getLogger(name).setLevel(level)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
