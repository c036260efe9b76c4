"""Inference settings of a Bayesian neural network: the typed form of ``update_kwargs``.

``update_method="VI"`` fits the posterior with ADVI (:class:`VISettings`), ``"MCMC"`` with NUTS
(:class:`MCMCSettings`). Users pass ``update_kwargs`` as a plain mapping; it is merged over the
defaults below and validated, and an unknown key is an error. The legacy spelling
``{"fit": {"n": N}}`` is read as ``{"num_steps": N}``, and the original library's flat keys
(``optimizer_type``, ``num_warmup``, ...) as :mod:`pybandits.boundary.original_kwargs` says.

Examples
--------
>>> parse_update_kwargs("VI", {"num_steps": 200}).num_steps
200
>>> parse_update_kwargs("VI", {"fit": {"n": 300}}).num_steps
300
>>> parse_update_kwargs("MCMC", {"draws": 300}).tune
500
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.boundary.original_kwargs import translated
from pybandits.boundary.validation import check_memory, describe, pydantic_problems

__all__ = ["UPDATE_METHODS", "InferenceSettings", "MCMCSettings", "VISettings", "parse_update_kwargs"]

UPDATE_METHODS = ("VI", "MCMC")


class VISettings(PyBanditsBaseModel):
    """ADVI settings.

    Attributes
    ----------
    num_steps : int, default 1000
        Optimisation steps per update (an upper bound when ``convergence_tol`` is set).
    learning_rate : float, default 0.05
        Step size of the optimizer.
    optimizer : {"adam", "adamax"}, default "adam"
    batch_size : int, optional
        Rows per step: minibatch ADVI, with the likelihood scaled to the whole batch. Keeps memory
        and step time flat on large updates. None uses every row at every step.
    convergence_tol : float, optional
        Stop early once the mean loss of the last ``convergence_window`` steps changes by less
        than this fraction from the window before.
    convergence_window : int, default 50
    init_scale : float, default 0.1
        Initial scale of the variational distribution (capped by the prior's scale); its location
        starts at the prior mean, or where the warm-up leaves it.
    warmup_steps : int, default 0
        Steps of a maximum a posteriori warm-up before ADVI's ``num_steps``: the variational
        locations are optimised first with every scale held at a tiny value (the same objective
        and optimizer, so these steps climb the log posterior density of the weights), then the
        scales start at ``init_scale`` and ADVI runs from there. It only moves the starting point:
        the posterior is still ADVI's. From the prior mean (0 for every weight at cold start),
        ADVI on a small batch tends to stop where a hidden network barely uses its units (output
        weights near 0 with small scales: the cheapest fit of a mean-field posterior while the
        first layer's weights are still vague); and since an update's prior is the last posterior,
        later updates do not leave it. Starting from the warm-up's fitted network, ADVI keeps the
        units it needs. Networks with hidden layers and quantitative actions default to 200
        (:meth:`~pybandits.model.bnn.action.Bnn.cold_start`); a network without hidden layers to 0.
    n_mc_samples : int, default 1
        Monte Carlo draws per step for the gradient of the ELBO.
    tail_average : float, default 0.25
        Share of the last steps whose iterates are averaged into the posterior (Polyak-Ruppert
        averaging): with a constant learning rate the iterates keep jittering around the optimum,
        and their mean is much closer to it than the last one. 0 keeps the last iterate.
    actions_per_fit : int, default 128
        An update fits up to this many played networks of one shape and these settings together,
        in one compiled graph (batched ADVI: each network's posterior still depends only on its
        own rows and prior). Set 1 to fit one network at a time. With an executor, each group is
        one task: lower it to spread a smaller update over more workers.
    progressbar : bool, default False
        Show a bar over the steps of every fit (on stderr, or in the notebook). Fits usually take
        milliseconds; the bandit's ``update`` shows a bar over the actions by default instead.

    Examples
    --------
    >>> VISettings(num_steps=200, batch_size=512).learning_rate
    0.05
    """

    model_config = ConfigDict(frozen=True)

    method: Literal["VI"] = "VI"
    num_steps: Annotated[int, Field(ge=1, strict=True)] = 1000
    learning_rate: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = 0.05
    optimizer: Literal["adam", "adamax"] = "adam"
    batch_size: Annotated[int, Field(ge=1, strict=True)] | None = None
    convergence_tol: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = None
    convergence_window: Annotated[int, Field(ge=2, strict=True)] = 50
    init_scale: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = 0.1
    warmup_steps: Annotated[int, Field(ge=0, strict=True)] = 0
    n_mc_samples: Annotated[int, Field(ge=1, strict=True)] = 1
    tail_average: Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)] = 0.25
    actions_per_fit: Annotated[int, Field(ge=1, le=4096, strict=True)] = 128
    progressbar: bool = False

    @model_validator(mode="after")
    def _fits_in_memory(self) -> VISettings:
        check_memory("num_steps", self.num_steps, 8 * self.num_steps, "a loss history of that many values per fit")
        return self

    #: The settings that shape the compiled ADVI graph; every other one is swapped in per fit.
    GRAPH_FIELDS: ClassVar[tuple[str, ...]] = ("optimizer", "batch_size", "n_mc_samples")

    @property
    def graph_key(self) -> tuple:
        """The values of :attr:`GRAPH_FIELDS`: part of the compile-cache key."""
        return tuple(getattr(self, name) for name in self.GRAPH_FIELDS)


class MCMCSettings(PyBanditsBaseModel):
    """NUTS settings.

    Attributes
    ----------
    draws : int, default 500
        Draws kept per chain.
    tune : int, default 500
        Tuning steps per chain.
    chains : int, default 2
    target_accept : float, default 0.9
    max_treedepth : int, default 10
        Most doublings of a NUTS trajectory (at most ``2**max_treedepth`` gradient evaluations per
        draw). A network with hidden layers can hit it often; a lower value bounds the cost of an
        update, and r_hat and ESS then say whether the draws still mix.
    rhat_max : float, default 1.01
        A fit whose largest r_hat exceeds this is reported with a warning.
    ess_min : float, default 100
        A fit whose smallest bulk effective sample size is below this is reported with a warning.
    progressbar : bool, default False
    sampler : {"auto", "nutpie", "pymc"}, default "auto"
        Who runs NUTS: nutpie (a NUTS sampler in Rust, installed with the ``nuts`` extra), which
        compiles a model once per network shape and process and then swaps in every fit's data
        and priors (about a tenth of a second per fit); or PyMC's ``pm.sample``, which builds and
        compiles for every fit (seconds). ``"auto"`` uses nutpie when it is installed.

    Examples
    --------
    >>> MCMCSettings(draws=1000).chains
    2
    """

    model_config = ConfigDict(frozen=True)

    method: Literal["MCMC"] = "MCMC"
    draws: Annotated[int, Field(ge=1, strict=True)] = 500
    tune: Annotated[int, Field(ge=0, strict=True)] = 500
    chains: Annotated[int, Field(ge=1, strict=True)] = 2
    target_accept: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.9
    max_treedepth: Annotated[int, Field(ge=1, le=20, strict=True)] = 10
    rhat_max: Annotated[float, Field(gt=1.0)] = 1.01
    ess_min: Annotated[float, Field(gt=0.0)] = 100.0
    progressbar: bool = False
    sampler: Literal["auto", "nutpie", "pymc"] = "auto"

    @model_validator(mode="after")
    def _fits_in_memory(self) -> MCMCSettings:
        n_bytes = 8 * self.draws * self.chains
        what = f"{self.chains} chains of {self.draws} draws of every parameter"
        setting = "chains" if self.chains > self.draws else "draws"
        check_memory(setting, getattr(self, setting), n_bytes, what)
        return self


InferenceSettings = Annotated[VISettings | MCMCSettings, Field(discriminator="method")]

_SETTINGS = {"VI": VISettings, "MCMC": MCMCSettings}


def parse_update_kwargs(update_method: str, update_kwargs: Mapping[str, Any] | None) -> VISettings | MCMCSettings:
    """Validate ``update_kwargs`` for ``update_method`` and return the typed settings."""
    if update_method not in _SETTINGS:
        raise ValueError(f"update_method: expected one of {list(UPDATE_METHODS)}, got {update_method!r}")
    if update_kwargs is None:
        return _SETTINGS[update_method]()
    if not isinstance(update_kwargs, Mapping):
        raise TypeError(f"update_kwargs: expected a mapping of setting to value, got {describe(update_kwargs)}")
    kwargs = dict(update_kwargs)
    if "fit" in kwargs and update_method == "VI":
        legacy = kwargs.pop("fit")
        if not isinstance(legacy, Mapping) or set(legacy) - {"n"}:
            raise ValueError(
                f"update_kwargs: the legacy 'fit' entry takes only 'n' (the number of steps), got {legacy!r}"
            )
        if "n" in legacy:
            if "num_steps" in kwargs:
                raise ValueError(
                    "update_kwargs: give the number of steps once, as 'num_steps' or as {'fit': {'n': ...}}"
                )
            kwargs["num_steps"] = legacy["n"]
    kwargs = translated(update_method, kwargs)  # the original library's keys, renamed or refused by name
    if kwargs.pop("method", update_method) != update_method:
        raise ValueError(f"update_kwargs: 'method' contradicts update_method={update_method!r}")
    settings_type = _SETTINGS[update_method]
    unknown = sorted(set(kwargs) - set(settings_type.model_fields))
    if unknown:
        known = sorted(set(settings_type.model_fields) - {"method"})
        raise ValueError(
            f"update_kwargs: unknown settings {unknown} for update_method={update_method!r}; known: {known}"
        )
    try:
        return settings_type(**kwargs)
    except ValidationError as error:
        raise ValueError(f"update_kwargs: {pydantic_problems(error)}") from None
