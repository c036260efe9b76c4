"""The fitting layer: the one module that imports PyMC.

:func:`fit_models` takes action models (their current distributions are the prior of this update)
and each one's batch of contexts and rewards, and returns every posterior as mean-field Normal
arrays together with the fit's diagnostics. Nothing PyMC leaves this module. The network's forward
pass is :func:`pybandits.model.bnn.network.forward` run with PyTensor's operations, and the
likelihood is the reward family's, written once for numpy and PyTensor alike.

**One graph for many actions.** ADVI fits the networks of several actions of one architecture in
one compiled graph: every tensor gets a leading *slot* axis (one slot per network), the rows of
every network are stacked into a ``(slots, rows, features)`` block padded with masked rows, and a
batched matrix product runs every network on its own rows. The ELBO is the sum of the networks'
ELBOs and the optimizer (Adam, Adamax) steps every parameter element on its own, so each network's
posterior depends only on its own rows and prior, exactly as if it were fitted alone; the networks
share only the step loop and its convergence test. Slot counts come from a short ladder (1, 2,
3, 4, 6, 8, 12, 16, ...: powers of two and one and a half times them; see
:func:`~pybandits.model.bnn.batch.group_sizes`), so a handful of graphs per architecture serve
every number of played actions; a padding slot, where one is needed, holds no rows and sits at a
standard Normal prior.

**One graph for prior and posterior.** Every tensor is a Student-t with per-element degrees of
freedom ``nu``; a Normal element (every posterior, a Normal prior) is a Student-t with
``nu = 1e12``, the same density and gradients to machine precision. So the cold-start prior
(Student-t) and a posterior (Normal) share the compiled graph, and a new bandit's second update
does not compile again.

**Compiled once per shape.** The cache key is derived from the descriptions:
:attr:`Network.architecture` (layer shapes, activation, residual rule), the family's
:attr:`~pybandits.model.family.RewardFamily.graph_key`, the settings'
:attr:`~pybandits.model.bnn.settings.VISettings.graph_key` and the slot count. The model keeps the
rows, the mask, every slot's number of rows and every prior parameter in ``pm.Data`` containers; a fit
swaps them in with ``set_value``, puts the variational distribution back at the prior means with a
small scale, resets the optimizer's state and reseeds the random generators, then runs the steps
(after the maximum a posteriori warm-up of ``warmup_steps``, when set: the same step function with
the scales held tiny).
Engines live in a bounded least-recently-used cache (:mod:`pybandits.model.bnn.cache`); building
one costs about a second (tens of seconds the first time on a machine: PyTensor compiles C code
(PyMC 5) or Numba code (PyMC 6) once into ``~/.pytensor``, which later processes reuse).

**Threads.** An engine's compiled function and data containers are shared state, so fits on one
engine take turns (a lock per engine); fits on different engines run at the same time. A lock per
engine rather than engines per thread: an engine holds a compiled graph of megabytes, PyTensor's
C code releases no lock that would let two threads step one graph faster, and parallel speed comes
from processes (:mod:`pybandits.parallel`). Nothing process-wide is changed during a fit: PyMC's
informational log lines are dropped by a logging filter that acts only in the thread that runs a
fit, and no warning filter is touched.

The step function is compiled with ``score=True``: that is what makes PyMC add the update of the
random generator to the compiled function, so that every step draws new noise.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from pybandits._progress import progress_bar
from pybandits.exceptions import FitError
from pybandits.model.bnn.batch import slot_count
from pybandits.model.bnn.cache import ENGINES
from pybandits.model.bnn.diagnostics import FitDiagnostics
from pybandits.model.bnn.network import ArrayOps, forward
from pybandits.model.bnn.settings import VISettings
from pybandits.model.bnn.subtables import observed_rows
from pybandits.model.priors import MAX_MAGNITUDE, LocationScale

__all__ = ["PYTENSOR_OPS", "FitResult", "clear_cache", "fit_model", "fit_models"]


def _import_pymc():
    """Import PyMC quietly: without the BLAS warning PyTensor gives on a pip install.

    Where PyTensor finds no BLAS to link its C code against, its matrix products go through
    numpy, whose own BLAS is fast; the warning only alarms users, so it is silenced here (once, at
    import) unless the user configured ``blas__ldflags`` themselves.
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
from pytensor.graph.rewriting.basic import in2out, node_rewriter  # noqa: E402
from pytensor.tensor.random.basic import NormalRV  # noqa: E402

#: PyTensor's operations: the forward pass and the likelihoods build the PyMC graph with them.
PYTENSOR_OPS = ArrayOps(
    tanh=pt.tanh,
    exp=pt.exp,
    maximum=pt.maximum,
    softplus=pt.softplus,
    matmul=lambda hidden, weight: hidden @ weight,
    concatenate=lambda tensors: pt.concatenate(list(tensors), axis=-1),
    codes=lambda values: pt.cast(pt.round(values), "int64"),
)
_OPTIMIZERS = {"adam": pm.adam, "adamax": pm.adamax}
#: Degrees of freedom standing for a Normal element (see the module notes).
_NORMAL_NU = 1e12
#: The scale every variational element is held at during the warm-up (:meth:`_VIEngine._warm_up`).
_WARMUP_SCALE = 1e-3


def _compile_mode(n_parameters: int = 0):
    """PyTensor's C virtual machine where a C compiler exists, its Python one otherwise.

    For these small graphs the C linker steps two to three times faster than the Numba linker
    that PyTensor 3 (PyMC 6) uses by default, and needs no just-in-time compilation on first call;
    both PyMC versions are run the same way. Two rewrites speed up the work an ADVI step does once
    per parameter: :func:`_standard_normal`, and for ``n_parameters`` of at least
    :data:`_NUMPY_FROM` (below, numpy's call overhead outweighs its speed) :func:`_numpy_unary`.
    """
    from pytensor.compile.mode import Mode

    mode = Mode(linker="cvm" if pytensor.config.cxx else "vm", optimizer="fast_run")
    rewrites = (_standard_normal, _numpy_unary) if n_parameters >= _NUMPY_FROM else (_standard_normal,)
    # after the fusion of elementwise operations (49), before the in-place rewrites (50.9)
    return mode.register((in2out(*rewrites), 49.5))


#: Parameters of an ADVI graph from which its softplus and log run in numpy (see :func:`_numpy_unary`).
_NUMPY_FROM = 1000


def _is_constant(variable: Any, value: float) -> bool:
    data = getattr(variable, "data", None)
    return data is not None and data.size == 1 and float(data.reshape(-1)[0]) == value


class _StandardNormalRV(NormalRV):
    """A Normal draw whose location is 0 and scale 1: numpy's ``standard_normal``."""

    def rng_fn(self, rng, loc, scale, size):
        return rng.standard_normal(np.broadcast_shapes(np.shape(loc), np.shape(scale)) if size is None else size)


@node_rewriter([NormalRV])
def _standard_normal(fgraph, node):
    """ADVI's standard Normal noise drawn by ``Generator.standard_normal``.

    Every step draws one number per parameter; ``Generator.normal`` with the ``(1, 1)`` array
    parameters PyTensor makes of the constants 0 and 1 takes a path half again as slow.
    """
    if isinstance(node.op, _StandardNormalRV):
        return None
    rng, size, loc, scale = node.inputs
    if not (_is_constant(loc, 0.0) and _is_constant(scale, 1.0)):
        return None
    op = _StandardNormalRV(**{name: getattr(node.op, name) for name in node.op.__props__})
    return op.make_node(rng, size, loc, scale).outputs


class _NumpyUnary(pytensor.graph.Op):
    """An elementwise function of a float64 tensor computed by numpy (``softplus`` or ``log``)."""

    __props__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def make_node(self, x):
        x = pt.as_tensor_variable(x)
        return pytensor.graph.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = np.asarray(_NUMPY_UNARY[self.name](inputs[0]))  # an array even for a 0-d input


_NUMPY_UNARY = {"softplus": lambda x: _softplus(x), "log": np.log}


@node_rewriter([pt.elemwise.Elemwise])
def _numpy_unary(fgraph, node):
    """ADVI's scales (the softplus of one number per parameter) and their logarithm by numpy, every step.

    numpy's exp, log1p and log are vectorised; PyTensor's C code calls them one element at a time,
    three to five times slower, which is most of a step for a network with large embedding tables.
    Only what the fusion of elementwise operations left on its own is taken.
    """
    scalar_op = node.op.scalar_op
    if len(node.inputs) != 1 or node.inputs[0].dtype != "float64" or node.outputs[0].dtype != "float64":
        return None
    if isinstance(scalar_op, pytensor.scalar.math.Softplus):
        return [_NumpyUnary("softplus")(node.inputs[0])]
    if isinstance(scalar_op, pytensor.scalar.basic.Log):
        return [_NumpyUnary("log")(node.inputs[0])]
    return None


@dataclass
class FitResult:
    """What a fit returns for one network: the posterior of every parameter, the fit's summary, ADVI's losses."""

    parameters: dict[str, LocationScale]
    diagnostics: FitDiagnostics
    loss_history: np.ndarray | None = field(default=None)


# -- quiet fits, thread by thread ------------------------------------------------------------

_FITTING = threading.local()


class _QuietInFits(logging.Filter):
    """Drops PyMC's records below ``level`` logged by a thread that is running a pybandits fit."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level or not getattr(_FITTING, "active", False)


_QUIET_FILTERS = {"pymc": _QuietInFits(logging.WARNING), "pytensor.tensor.blas": _QuietInFits(logging.ERROR)}


def _install_quiet_filters() -> None:
    """Attach the filters to PyMC's loggers (a logger's filters do not apply to its children's records)."""
    names = [name for name in list(logging.root.manager.loggerDict) if name == "pymc" or name.startswith("pymc.")]
    for name in [*names, "pytensor.tensor.blas"]:
        quiet = _QUIET_FILTERS["pytensor.tensor.blas" if name.startswith("pytensor") else "pymc"]
        logger = logging.getLogger(name)
        if quiet not in logger.filters:
            logger.addFilter(quiet)


class _Quiet:
    """While a fit runs in this thread, PyMC's informational records of this thread are dropped."""

    def __enter__(self) -> None:
        _install_quiet_filters()  # PyMC's loggers created since the last fit
        self.was_active = getattr(_FITTING, "active", False)
        _FITTING.active = True

    def __exit__(self, *exc: object) -> None:
        _FITTING.active = self.was_active


_install_quiet_filters()


# -- the PyMC model ----------------------------------------------------------------------------


def _build_model(action: Any, n_slots: int | None, batch_size: int | None):
    """A PyMC model of ``n_slots`` networks of ``action``'s architecture and family, every input in ``pm.Data``.

    The data are ``(slots, rows, ...)`` blocks, padded with masked rows, contiguous for the batched
    matrix product. With minibatches, every step draws ``batch_size`` rows of each network's own
    rows (uniformly, with replacement) and scales that network's likelihood by its rows over
    ``batch_size``: each network's estimate is unbiased and as precise as in a fit of its own.
    ``n_slots=None`` builds one network without the slot axis (``(rows, ...)`` data, plain matrix
    products): NUTS's model, whose gradient that makes several times cheaper.
    """
    network, family = action.network, action.family
    lead = () if n_slots is None else (n_slots,)
    with pm.Model() as model:
        context = pm.Data("context", np.zeros((*lead, 1, network.n_features)))
        rewards = pm.Data("rewards", np.zeros((*lead, 1)))
        mask = pm.Data("mask", np.zeros((*lead, 1)))
        slot_rows = pm.Data("slot_rows", np.zeros(n_slots or 1))  # real rows of every slot (0: a padding slot)
        tensors = {}
        for name, dist in action.parameters.items():
            shape = (*lead, *dist.shape)
            mu = pm.Data(f"{name}_mu", np.zeros(shape))
            sigma = pm.Data(f"{name}_sigma", np.ones(shape))
            nu = pm.Data(f"{name}_nu", np.full(shape, _NORMAL_NU))
            tensors[name] = pm.Flat(name, shape=shape)
            # the Student-t log density up to terms that depend only on nu and sigma (data, not
            # parameters): the same gradients and posterior, without a log-gamma per element and step
            z = (tensors[name] - mu) / sigma
            pm.Potential(f"{name}_prior", (-0.5 * (nu + 1.0) * pt.log1p(z * z / nu)).sum())
        scale = 1.0
        if batch_size is not None:
            # the generator of this draw is updated by every step, and reseeded per fit like ADVI's own
            uniform = _uniform((n_slots, batch_size))
            rows = pt.cast(pt.floor(uniform * slot_rows[:, None]), "int64")  # in [0, rows of the slot)
            slots = pt.arange(n_slots)[:, None]
            context, rewards = context[slots, rows], rewards[slots, rows]
            mask = pt.switch(slot_rows[:, None] > 0, 1.0, 0.0) * pt.ones_like(rewards)
            scale = slot_rows[:, None] / batch_size
        n_layers = len(network.layers)
        weights = [tensors[f"w{index}"] for index in range(n_layers)]  # (slots, n_in, n_out)
        tables = [(column, tensors[f"e{column}"]) for column, _ in network.lookups]  # (slots, cardinality, dim)
        if n_slots is None:
            biases = [tensors[f"b{index}"] for index in range(n_layers)]
            lookup, aux = None, {name: tensors[name] for name in action.aux}
        else:
            biases = [tensors[f"b{index}"][:, None, :] for index in range(n_layers)]  # (slots, 1, n_out)
            lookup = partial(_gather_rows, n_slots)
            aux = {name: tensors[name][:, None] for name in action.aux}  # (slots, 1, *shape)
        outputs = forward(
            PYTENSOR_OPS,
            context,
            weights,
            biases,
            network.activation,
            network.residual,
            numeric_columns=network.numeric_columns,
            embeddings=tables,
            lookup=lookup,
        )
        # a switch, not a product: a padding row's likelihood never reaches the loss, even if it overflows
        log_likelihood = pt.switch(mask > 0, family.log_likelihood(PYTENSOR_OPS, outputs, rewards, aux), 0.0)
        pm.Potential("likelihood", (scale * log_likelihood).sum())
    return model


def _gather_rows(n_slots: int, table: Any, codes: Any) -> Any:
    """Every slot's vectors of its codes: ``table`` ``(slots, cardinality, dim)``, ``codes`` ``(slots, rows)``.

    One gather from the table flattened to a vector, with a flat index: PyTensor (2 and 3) has a C
    scatter-add for the gradient of a vector indexed by a vector; indexing a matrix by rows falls
    back to numpy's ``add.at``, ten times slower.
    """
    _, cardinality, dim = table.type.shape
    rows = (codes + cardinality * pt.arange(n_slots)[:, None]) * dim  # (slots, rows): start of each vector
    index = (rows[:, :, None] + pt.arange(dim)).flatten()
    return table.flatten()[index].reshape((n_slots, codes.shape[1], dim))


def _uniform(size: tuple[int, ...]):
    """Uniform draws in [0, 1) from a generator of their own (PyTensor 2 and 3 spell the call differently)."""
    rng = pytensor.shared(np.random.default_rng())
    try:
        _, value = pt.random.uniform(0.0, 1.0, size=size, rng=rng, return_next_rng=True)  # PyTensor 3
    except TypeError:  # PyTensor 2: the next generator is a hidden output
        value = pt.random.uniform(0.0, 1.0, size=size, rng=rng)
    return value


def _stack_priors(actions: Sequence[Any], n_slots: int) -> dict[str, dict[str, np.ndarray]]:
    """Every tensor's prior ``mu``, ``sigma``, ``nu`` stacked over slots; padding slots standard Normal."""
    stacked = {}
    for name, first in actions[0].parameters.items():
        shape = (n_slots, *first.shape)
        mu, sigma, nu = np.zeros(shape), np.ones(shape), np.full(shape, _NORMAL_NU)
        for slot, action in enumerate(actions):
            dist = action.parameters[name]
            mu[slot], sigma[slot] = dist.mu, dist.sigma
            if dist.nu is not None:
                nu[slot] = np.minimum(dist.nu, _NORMAL_NU)
        stacked[name] = {"mu": mu, "sigma": sigma, "nu": nu}
    return stacked


def _stack_rows(
    actions: Sequence[Any], contexts: Sequence[np.ndarray], rewards: Sequence[np.ndarray], n_slots: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``(slots, rows, ...)`` context block, rewards and mask of every slot, padded with masked rows."""
    n_rows = max(1, *(len(r) for r in rewards))
    block = np.zeros((n_slots, n_rows, actions[0].network.n_features))
    fitting = np.zeros((n_slots, n_rows))
    mask = np.zeros((n_slots, n_rows))
    for slot, (action, context, observed) in enumerate(zip(actions, contexts, rewards, strict=True)):
        block[slot, : len(observed)] = context
        fitting[slot, : len(observed)] = action.family.fitting_rewards(observed)
        mask[slot, : len(observed)] = 1.0
    return block, fitting, mask


def _set_inputs(model, priors: dict, block: np.ndarray, fitting: np.ndarray, mask: np.ndarray) -> None:
    data = model.named_vars
    data["context"].set_value(block)
    data["rewards"].set_value(fitting)
    data["mask"].set_value(mask)
    data["slot_rows"].set_value(np.atleast_1d(mask.sum(axis=-1)))
    for name, arrays in priors.items():
        for part, value in arrays.items():
            data[f"{name}_{part}"].set_value(value)


# -- ADVI with a cached step function -----------------------------------------------------------


def _graph_key(action: Any, settings: VISettings) -> tuple:
    """The compile-cache key of ``action``'s graph, without the slot count (see the module notes)."""
    return (action.network.architecture, action.family.graph_key, settings.graph_key)


class _VIEngine:
    """A compiled ADVI step function for ``n_slots`` networks of one architecture."""

    def __init__(self, action: Any, settings: VISettings, n_slots: int) -> None:
        self.n_slots = n_slots
        self.model = _build_model(action, n_slots, settings.batch_size)
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
            compile_kwargs={"mode": _compile_mode(n_parameters)},
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
    ) -> list[FitResult]:
        priors = _stack_priors(actions, self.n_slots)
        _set_inputs(self.model, priors, *_stack_rows(actions, contexts, rewards, self.n_slots))
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
            _set_inputs(self.model, {}, *self._empty)
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
                    sigma_sum += _softplus(self.rho.get_value(borrow=True))
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
            self._posterior = (self.mu.get_value(), _softplus(self.rho.get_value()))
        return losses[:steps_run], converged


def _softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + exp(x))``, stable, four times faster than ``np.logaddexp(0, x)`` (run once per averaged step)."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _check_posterior(arrays: dict[str, tuple[np.ndarray, np.ndarray]], n_networks: int) -> None:
    """Refuse a posterior (``{name: (mu, sigma)}``) with non-finite or huge values: a diverged fit."""
    where = f" (one of {n_networks} networks fitted together)" if n_networks > 1 else ""
    for name, (mu, sigma) in arrays.items():
        if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma)) and np.all(sigma > 0)):
            raise FitError(f"ADVI diverged: the posterior of {name} holds non-finite values{where}")
        if max(np.abs(mu).max(), sigma.max()) > MAX_MAGNITUDE:
            raise FitError(f"ADVI diverged: the posterior of {name} holds values beyond {MAX_MAGNITUDE:g}{where}")


def _fit_vi(
    actions: Sequence[Any],
    contexts: Sequence[np.ndarray],
    rewards: Sequence[np.ndarray],
    settings: VISettings,
    seeds: Sequence[int],
) -> list[FitResult]:
    n_slots = slot_count(len(actions))
    key = (*_graph_key(actions[0], settings), n_slots)

    def build() -> _VIEngine:
        return _VIEngine(actions[0], settings, n_slots)

    with ENGINES.hold(key, build) as engine:
        return engine.run(actions, contexts, rewards, settings, seeds)


def clear_cache() -> None:
    """Forget every compiled step function of this process."""
    ENGINES.clear()


def cache_size() -> int:
    """Number of compiled ADVI step functions held by this process."""
    return len(ENGINES)


# -- the entry point ---------------------------------------------------------------------------


def fit_models(
    actions: Sequence[Any], contexts: Sequence[np.ndarray], rewards: Sequence[np.ndarray], seeds: Sequence[int]
) -> list[FitResult]:
    """Fit the posterior of every action (its distributions are the prior) to its batch.

    ADVI fits them together in one graph (see the module notes); they must share the graph key
    and the inference settings. NUTS fits them one after the other, each with its own seed.

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
    settings = actions[0].inference
    from pybandits.model.bnn.nuts import fit_mcmc  # NUTS builds on this module's model

    if isinstance(settings, VISettings):
        key = _graph_key(actions[0], settings)
        if any(_graph_key(a, a.inference) != key or a.inference != settings for a in actions[1:]):
            raise ValueError("fit_models: expected actions of one architecture and settings to fit together")
    actions, contexts, restore = observed_rows(actions, contexts)  # embeddings: the rows the batch uses
    with _Quiet():
        if isinstance(settings, VISettings):
            results = _fit_vi(actions, contexts, rewards, settings, seeds)
        else:
            results = [
                fit_mcmc(action, context, observed, action.inference, int(seed))
                for action, context, observed, seed in zip(actions, contexts, rewards, seeds, strict=True)
            ]
    for index, result in enumerate(results):
        result.parameters = restore(index, result.parameters)
    return results


def fit_model(action: Any, context: np.ndarray, rewards: np.ndarray, seed: int) -> FitResult:
    """Fit one action's posterior to one batch: :func:`fit_models` with one action."""
    return fit_models([action], [context], [rewards], [seed])[0]
