"""The ADVI engine: several networks of one architecture fitted together in one compiled graph.

:func:`fit_vi` takes action models (their current distributions are the prior of this update)
and each one's batch of contexts and rewards, and returns every posterior as mean-field Normal
arrays together with the fit's diagnostics (:class:`~pybandits.engines.result.FitResult`).

**One graph for many actions.** ADVI fits the networks of several actions of one architecture in
one compiled graph (:mod:`pybandits.engines.graph`): every tensor gets a leading *slot* axis (one
slot per network), the rows of every network are stacked into a ``(slots, rows, features)`` block
padded with masked rows, and a batched matrix product runs every network on its own rows. The
ELBO is the sum of the networks' ELBOs and the optimizer (Adam, Adamax) steps every parameter
element on its own, so each network's posterior depends only on its own rows and prior, exactly as
if it were fitted alone; the networks share only the step loop and its convergence test. Slot
counts come from a short ladder (1, 2, 3, 4, 6, 8, 12, 16, ...: powers of two and one and a half
times them; see :func:`~pybandits.engines.plan.group_sizes`), so a handful of graphs per
architecture serve every number of played actions; a padding slot, where one is needed, holds no
rows and sits at a standard Normal prior.

**Compiled once per shape.** The cache key is derived from the descriptions
(:func:`~pybandits.engines.graph.graph_key`) and the slot count. A fit swaps its rows and priors
into the model's data containers, puts the variational distribution back at the prior means with a
small scale, resets the optimizer's state and reseeds the random generators, then runs the steps
(after the maximum a posteriori warm-up of ``warmup_steps``, when set: the same step function with
the scales held tiny). Engines live in a bounded least-recently-used cache
(:mod:`pybandits.engines.cache`); building one costs about a second (tens of seconds the first
time on a machine: PyTensor compiles C code (PyMC 5) or Numba code (PyMC 6) once into
``~/.pytensor``, which later processes reuse).

**Threads.** An engine's compiled function and data containers are shared state, so fits on one
engine take turns (a lock per engine); fits on different engines run at the same time. A lock per
engine rather than engines per thread: an engine holds a compiled graph of megabytes, PyTensor's
C code releases no lock that would let two threads step one graph faster, and parallel speed comes
from processes (:mod:`pybandits.engines.executors`).

The step function is compiled with ``score=True``: that is what makes PyMC add the update of the
random generator to the compiled function, so that every step draws new noise.

Examples
--------
>>> from pybandits.model.bnn.action import Bnn
>>> prior = Bnn.cold_start(n_features=2, update_kwargs={"num_steps": 20})
>>> rng = np.random.default_rng(0)
>>> contexts, rewards = [rng.normal(size=(30, 2))] * 2, [np.ones(30), np.zeros(30)]
>>> results = fit_vi([prior, prior], contexts, rewards, prior.inference, [1, 2])
>>> len(results), results[0].diagnostics.n_networks
(2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pybandits.boundary.progress import progress_bar
from pybandits.engines.backend import import_pymc
from pybandits.engines.cache import ENGINES
from pybandits.engines.graph import build_model, graph_key, set_inputs, stack_priors, stack_rows
from pybandits.engines.plan import slot_count
from pybandits.engines.result import FitResult
from pybandits.engines.rewrites import compile_mode, softplus
from pybandits.exceptions import FitError
from pybandits.model.bnn.diagnostics import FitDiagnostics
from pybandits.model.bnn.settings import VISettings
from pybandits.model.priors import MAX_MAGNITUDE, LocationScale

pm = import_pymc()
import pytensor  # noqa: E402

__all__ = ["fit_vi"]

_OPTIMIZERS = {"adam": pm.adam, "adamax": pm.adamax}
#: The scale every variational element is held at during the warm-up (:meth:`_VIEngine._warm_up`).
_WARMUP_SCALE = 1e-3


class _VIEngine:
    """A compiled ADVI step function for ``n_slots`` networks of one architecture."""

    def __init__(self, action: Any, settings: VISettings, n_slots: int) -> None:
        self.n_slots = n_slots
        self.model = build_model(action, n_slots, settings.batch_size)
        empty_rows = np.zeros((n_slots, 1))
        self._empty = (np.zeros((n_slots, 1, action.network.n_features)), empty_rows, empty_rows)
        advi = pm.ADVI(model=self.model)
        n_parameters = advi.approx.groups[0].ddim
        self.learning_rate = pytensor.shared(np.asarray(settings.learning_rate, dtype=np.float64))
        optimizer = _OPTIMIZERS[settings.optimizer](learning_rate=self.learning_rate)
        self.step = advi.objective.step_function(
            obj_n_mc=settings.n_mc_samples,
            obj_optimizer=optimizer,
            score=True,
            compile_kwargs={"mode": compile_mode(n_parameters)},
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

    def run(
        self,
        actions: Sequence[Any],
        contexts: Sequence[np.ndarray],
        rewards: Sequence[np.ndarray],
        settings: VISettings,
        seeds: Sequence[int],
        weights: Sequence[np.ndarray] | None = None,
    ) -> list[FitResult]:
        priors = stack_priors(actions, self.n_slots)
        set_inputs(self.model, priors, *stack_rows(actions, contexts, rewards, self.n_slots, weights))
        self.learning_rate.set_value(np.asarray(settings.learning_rate, dtype=np.float64))
        for variable, initial in self.optimizer_state:
            variable.set_value(initial.copy())
        children = np.random.SeedSequence([int(seed) for seed in seeds]).spawn(len(self.generators))
        for variable, child in zip(self.generators, children, strict=True):
            variable.set_value(np.random.default_rng(child), borrow=True)
        mu = np.empty(self.mu.get_value().shape)
        rho = np.empty_like(mu)
        for name, arrays in priors.items():
            where, _ = self.ordering[name]
            mu[where] = arrays["mu"].reshape(-1)
            start_scale = np.minimum(arrays["sigma"], settings.init_scale).reshape(-1)
            rho[where] = np.log(np.expm1(start_scale))  # inverse of softplus
        self.mu.set_value(mu)
        try:
            if settings.warmup_steps:
                self._warm_up(settings.warmup_steps)
            self.rho.set_value(rho)
            losses, converged = self._steps(settings)
        finally:  # the cached engine keeps no user data between fits
            set_inputs(self.model, {}, *self._empty)
        mu, sigma = self._posterior

        results = []
        for slot, (action, observed) in enumerate(zip(actions, rewards, strict=True)):
            arrays = {}
            for name in action.parameters:
                where, shape = self.ordering[name]
                arrays[name] = (mu[where].reshape(shape)[slot], sigma[where].reshape(shape)[slot])
            _check_posterior(arrays, len(actions))
            parameters = {name: LocationScale(mu=m, sigma=s) for name, (m, s) in arrays.items()}
            tail = losses[-min(len(losses), settings.convergence_window) :]
            diagnostics = FitDiagnostics(
                method="VI",
                n_rows=len(observed),
                num_steps=len(losses),
                converged=converged if settings.convergence_tol is not None else None,
                final_loss=float(tail.mean()),
                n_networks=len(actions),
            )
            results.append(FitResult(parameters=parameters, diagnostics=diagnostics, loss_history=losses))
        return results

    def _warm_up(self, n_steps: int) -> None:
        """The maximum a posteriori warm-up (:attr:`~pybandits.model.bnn.settings.VISettings.warmup_steps`).

        ADVI's own steps with every scale put back to :data:`_WARMUP_SCALE` before each one: a
        step's draw of the weights is then within a thousandth of the locations, and its gradient
        for the locations that of the log posterior density at them (the entropy term does not
        depend on the locations). The optimizer's state is reset afterwards, so that ADVI proper
        starts from the warmed-up locations as it would from the prior mean.
        """
        held = np.full(self.rho.get_value(borrow=True).shape, np.log(np.expm1(_WARMUP_SCALE)))
        for step in range(n_steps):
            self.rho.set_value(held)
            with np.errstate(all="ignore"):
                loss = self.step()
            if not np.isfinite(loss):
                raise FitError(f"ADVI diverged: the loss became {loss} at step {step + 1} of the warm-up")
        for variable, initial in self.optimizer_state:
            variable.set_value(initial.copy())

    def _steps(self, settings: VISettings) -> tuple[np.ndarray, bool]:
        """Run the steps with tail averaging and the convergence test; the losses and whether it converged."""
        losses = np.empty(settings.num_steps)
        steps_run, converged = 0, False
        window = settings.convergence_window
        # tail averaging: the posterior is the mean of the iterates of the last steps, which cancels
        # most of the optimizer's step-to-step noise (a constant learning rate never settles)
        average_from = settings.num_steps - int(settings.num_steps * settings.tail_average)
        mu_sum = np.zeros(self.mu.get_value(borrow=True).shape)
        sigma_sum, n_averaged = np.zeros_like(mu_sum), 0
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
                    sigma_sum += softplus(self.rho.get_value(borrow=True))
                    n_averaged += 1
                if settings.convergence_tol is not None and steps_run >= 2 * window and steps_run % window == 0:
                    previous = losses[steps_run - 2 * window : steps_run - window].mean()
                    current = losses[steps_run - window : steps_run].mean()
                    if abs(current - previous) <= settings.convergence_tol * abs(previous):
                        converged = True
                        break
        if n_averaged:
            self._posterior = (mu_sum / n_averaged, sigma_sum / n_averaged)
        else:  # stopped early by the convergence test, before the tail: the last iterate
            self._posterior = (self.mu.get_value(), softplus(self.rho.get_value()))
        return losses[:steps_run], converged


def _check_posterior(arrays: dict[str, tuple[np.ndarray, np.ndarray]], n_networks: int) -> None:
    """Refuse a posterior (``{name: (mu, sigma)}``) with non-finite or huge values: a diverged fit."""
    where = f" (one of {n_networks} networks fitted together)" if n_networks > 1 else ""
    for name, (mu, sigma) in arrays.items():
        if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma)) and np.all(sigma > 0)):
            raise FitError(f"ADVI diverged: the posterior of {name} holds non-finite values{where}")
        if max(np.abs(mu).max(), sigma.max()) > MAX_MAGNITUDE:
            raise FitError(f"ADVI diverged: the posterior of {name} holds values beyond {MAX_MAGNITUDE:g}{where}")


def fit_vi(
    actions: Sequence[Any],
    contexts: Sequence[np.ndarray],
    rewards: Sequence[np.ndarray],
    settings: VISettings,
    seeds: Sequence[int],
    weights: Sequence[np.ndarray] | None = None,
    n_slots: int | None = None,
) -> list[FitResult]:
    """Fit the networks of ``actions`` (one graph key and settings) together: one result per action.

    ``contexts`` and ``rewards`` are float64 arrays per action (rewards in reward units); the
    seeds are drawn from together. The engine of the group's shape and slot count (``n_slots``,
    by default the next rung of the ladder) comes from the process's cache (built when missing)
    and is held by this thread during the fit.

    Raises
    ------
    FitError
        When the fit diverges (a non-finite loss or posterior).
    """
    if n_slots is None:
        n_slots = slot_count(len(actions))
    elif n_slots < len(actions):
        raise ValueError(f"n_slots: expected at least the {len(actions)} networks of the fit, got {n_slots}")
    key = (*graph_key(actions[0], settings), n_slots)

    def build() -> _VIEngine:
        return _VIEngine(actions[0], settings, n_slots)

    with ENGINES.hold(key, build) as engine:
        return engine.run(actions, contexts, rewards, settings, seeds, weights)
