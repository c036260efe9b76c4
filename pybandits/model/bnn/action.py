"""Action models of the contextual bandits: a Bayesian neural network per action (per objective).

A :class:`Bnn` holds an action's network (its weight distributions: the prior at cold start, the
posterior after updates), its reward family with the family's auxiliary parameters (the Gaussian
noise scale), the summary statistics the family keeps (``n_successes`` and ``n_failures`` for
Bernoulli rewards, read as attributes of the action), and the settings it is fitted with.

Updates are sequential Bayesian updates: the network's current distributions are the prior, and
only the new batch is observed. The fitting engines (:mod:`pybandits.engines`) fit a model and
return a new one (:meth:`Bnn.with_fit`); nothing is changed in place, and this module imports no
fitting code: a model is a description, in numpy and pydantic.

Every action model (these and the stochastic bandits' conjugate ones) offers the same few methods
to the rest of the library: ``grown`` (the learned state in a template's configuration, for
transfer) and ``summary`` (one line of text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.bnn.candidates import QuantityEncoding
from pybandits.model.bnn.diagnostics import FitDiagnostics
from pybandits.model.bnn.draws import draw_networks
from pybandits.model.bnn.forward import Activation
from pybandits.model.bnn.growth import carried_family, check_growth, grow_network, with_prior_rows
from pybandits.model.bnn.network import Network
from pybandits.model.bnn.settings import InferenceSettings, VISettings, parse_update_kwargs
from pybandits.model.cost import Cost
from pybandits.model.display import Displayed
from pybandits.model.family import Bernoulli, BinaryCounts, Family, Moments
from pybandits.model.priors import MAX_MAGNITUDE, LocationScale
from pybandits.model.protocol import StatsAsAttributes

__all__ = ["Bnn", "DistParams", "FitDiagnostics"]

DistType = Literal["studentt", "normal"]

#: ``warmup_steps`` of the ADVI fits of a network with hidden layers, or of a quantitative action,
#: unless ``update_kwargs`` sets it. Without a warm-up, ADVI on batches of a few hundred rows tends
#: to leave these networks nearly flat (see :attr:`~pybandits.model.bnn.settings.VISettings.warmup_steps`):
#: quantitative actions learned nothing of the quantity (``benchmarks/bench_quantitative.py``: 100,
#: 200 and 500 steps learned equally well); networks per action with hidden layers learned the
#: ring world (``[16]``) to 0.40x random instead of 0.55x, the wheel bandit (``[32]``) to 0.54,
#: 0.53, 0.72x uniform instead of 0.57, 0.62, 0.83x at deltas 0.5, 0.7, 0.9
#: (``benchmarks/bench_structure.py``). 200 steps cost a fifth of the default 1000.
HIDDEN_WARMUP_STEPS = 200
#: The same, under its earlier name.
QUANTITATIVE_WARMUP_STEPS = HIDDEN_WARMUP_STEPS


class DistParams(PyBanditsBaseModel):
    """The cold-start prior of every weight and bias: location ``mu``, scale ``sigma``, and ``nu``.

    The defaults (``mu=0``, ``sigma=1``, ``nu=5``) suit standardised features: a logit moves by
    about one per standard deviation of a feature a priori, and the Student-t's heavy tails
    (``nu=5``) let strong effects through. ``nu`` is used only with ``dist_type="studentt"`` and
    must be at least 1 (the Cauchy distribution): heavier tails draw weights too large to compute with.

    Examples
    --------
    >>> DistParams(sigma=2.0)
    DistParams(mu=0.0, sigma=2.0, nu=5.0)
    """

    model_config = ConfigDict(frozen=True)

    mu: Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)] = 0.0
    sigma: Annotated[float, Field(gt=0.0, le=MAX_MAGNITUDE, allow_inf_nan=False)] = 1.0
    nu: Annotated[float, Field(ge=1.0, allow_inf_nan=False)] = 5.0


class Bnn(Displayed, StatsAsAttributes, PyBanditsBaseModel):
    """One action's Bayesian neural network, reward family and statistics.

    Attributes
    ----------
    network : Network
        Current weight distributions (prior at cold start, posterior after updates).
    family : Bernoulli or Gaussian
        The reward family (:mod:`pybandits.model.family`).
    aux : dict of LocationScale
        The family's auxiliary parameters (``log_noise_sd`` for Gaussian rewards), prior or posterior.
    stats : BinaryCounts or Moments
        What the family counts; its fields read as the action's own (``action.n_successes``).
    dist_type : {"studentt", "normal"}
        Family of the cold-start prior of the weights.
    dist_params_init : DistParams
        Parameters of the cold-start prior.
    inference : VISettings or MCMCSettings
        How updates fit the posterior (``update_method`` and ``update_kwargs``).
    cost : float, optional
        Cost of the action, for cost-control bandits.
    last_fit : FitDiagnostics, optional
        Summary of the last fit.

    Examples
    --------
    >>> import numpy as np
    >>> action = Bnn.cold_start(n_features=3, hidden_dim_list=[4], update_kwargs={"num_steps": 200})
    >>> action.n_features, action.hidden_dim_list, action.update_method, action.update_kwargs["num_steps"]
    (3, [4], 'VI', 200)
    >>> action.n_successes, action.n_failures
    (1, 1)
    >>> expected, detail = action.draw(np.zeros((5, 3)), np.random.default_rng(0))
    >>> expected.shape, bool(((expected > 0) & (expected < 1)).all())
    ((5,), True)
    """

    model_config = ConfigDict(frozen=True)

    network: Network
    family: Family = Bernoulli()
    aux: dict[str, LocationScale] = Field(default_factory=dict)
    stats: BinaryCounts | Moments = BinaryCounts()
    dist_type: DistType = "studentt"
    dist_params_init: DistParams = DistParams()
    inference: InferenceSettings = VISettings()
    cost: Cost | None = None
    last_fit: FitDiagnostics | None = None
    #: A quantitative action's ``d``: the network's last ``d`` inputs are the quantity (0: an ordinary action).
    quantity_dim: int = Field(default=0, ge=0, strict=True)
    #: Candidate quantities a prediction evaluates (quantitative actions; see :mod:`pybandits.model.bnn.candidates`).
    n_candidates: int = Field(default=32, ge=2, strict=True)
    #: How the network's inputs encode the quantity (:func:`~pybandits.model.bnn.candidates.quantity_inputs`):
    #: a cold start records ``"standardised"``; ``"raw"``, the default, reads states written before it was recorded.
    quantity_encoding: QuantityEncoding = "raw"

    _loss_history: np.ndarray | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_family(self) -> Bnn:
        if not isinstance(self.stats, self.family.stats_type):
            raise ValueError(
                f"stats: expected {self.family.stats_type.__name__} for {self.family.name} rewards, "
                f"got {type(self.stats).__name__}"
            )
        expected = {name: dist.shape for name, dist in self.family.aux_prior().items()}
        got = {name: dist.shape for name, dist in self.aux.items()}
        if got != expected:
            raise ValueError(f"aux: expected the parameters {expected} of {self.family.name} rewards, got {got}")
        return self

    @classmethod
    def cold_start(
        cls,
        n_features: int,
        hidden_dim_list: Sequence[int] = (),
        activation: Activation = "tanh",
        use_residual_connections: bool = False,
        dist_type: DistType = "studentt",
        dist_params_init: DistParams | Mapping[str, float] | None = None,
        update_method: str = "VI",
        update_kwargs: Mapping[str, Any] | None = None,
        cost: float | None = None,
        family: Bernoulli | Any = None,
        categorical: Mapping[int, tuple[int, int]] | None = None,
        quantity_dim: int = 0,
        n_candidates: int = 32,
    ) -> Bnn:
        """An action whose network and auxiliary parameters are at their cold-start priors.

        ``categorical`` maps a context column to its ``(cardinality, embedding dim)``;
        ``quantity_dim`` makes it quantitative: the network takes the quantity's inputs after the
        ``n_features`` context columns, standardised (:mod:`pybandits.model.bnn.candidates`). A
        network with hidden layers, or a quantitative one, is fitted by ADVI after a maximum a
        posteriori warm-up of :data:`HIDDEN_WARMUP_STEPS` steps unless ``update_kwargs`` sets
        ``warmup_steps`` (:attr:`~pybandits.model.bnn.settings.VISettings.warmup_steps`).
        """
        params = DistParams.model_validate(dist_params_init or {})
        warmed = quantity_dim or len(hidden_dim_list) > 0
        if warmed and update_method == "VI" and isinstance(update_kwargs, Mapping | None):
            update_kwargs = {"warmup_steps": HIDDEN_WARMUP_STEPS, **(update_kwargs or {})}
        family = Bernoulli() if family is None else family
        network = Network.cold_start(
            n_features + quantity_dim,
            list(hidden_dim_list),
            activation,
            use_residual_connections,
            mu=params.mu,
            sigma=params.sigma,
            nu=params.nu if dist_type == "studentt" else None,
            categorical=categorical,
        )
        inference = parse_update_kwargs(update_method, update_kwargs)
        return cls(
            network=network,
            family=family,
            aux=family.aux_prior(),
            stats=family.stats_type(),
            dist_type=dist_type,
            dist_params_init=params,
            inference=inference,
            cost=cost,
            quantity_dim=quantity_dim,
            n_candidates=n_candidates,
            quantity_encoding="standardised" if quantity_dim else "raw",
        )

    # -- settings, as users name them -------------------------------------------------------

    @property
    def n_features(self) -> int:
        """Number of context features (a quantitative action's network also takes its quantity)."""
        return self.network.n_features - self.quantity_dim

    @property
    def dimension(self) -> int:
        """``d`` of a quantitative action's quantity, 0 for an ordinary action."""
        return self.quantity_dim

    @property
    def hidden_dim_list(self) -> list[int]:
        """Widths of the hidden layers."""
        return self.network.hidden_dim_list

    @property
    def activation(self) -> str:
        """Activation of the hidden layers."""
        return self.network.activation

    @property
    def use_residual_connections(self) -> bool:
        """Whether hidden layers that keep their width add their input to their output."""
        return self.network.use_residual_connections

    @property
    def update_method(self) -> str:
        """``"VI"`` (ADVI) or ``"MCMC"`` (NUTS)."""
        return self.inference.method

    @property
    def update_kwargs(self) -> dict[str, Any]:
        """The inference settings as a mapping (defaults filled in)."""
        return self.inference.model_dump(exclude={"method"})

    @property
    def n_objectives(self) -> None:
        """None: a single-objective model."""
        return None

    @property
    def families(self) -> list[Any]:
        """The reward family of every objective: here one."""
        return [self.family]

    @property
    def parameters(self) -> dict[str, LocationScale]:
        """Every learned distribution by name: the network's tensors, then the family's parameters."""
        return {**self.network.parameters, **self.aux}

    @property
    def fit_key(self) -> tuple | None:
        """What networks fitted together must share (graph and settings); None when fitted alone (NUTS).

        Networks of equal keys may share one batched ADVI fit (:mod:`pybandits.engines.plan`).

        Examples
        --------
        >>> Bnn.cold_start(n_features=2).fit_key == Bnn.cold_start(n_features=2).fit_key
        True
        >>> Bnn.cold_start(n_features=2, update_method="MCMC").fit_key is None
        True
        """
        settings = self.inference
        if not isinstance(settings, VISettings):
            return None
        return ("VI", self.network.architecture, self.family.graph_key, settings.model_dump_json())

    @property
    def actions_per_fit(self) -> int:
        """Most networks of one :attr:`fit_key` fitted together (1 for NUTS)."""
        settings = self.inference
        return settings.actions_per_fit if isinstance(settings, VISettings) else 1

    @property
    def loss_history(self) -> np.ndarray | None:
        """ADVI loss at every step of the last fit in this process (None after loading or NUTS)."""
        return self._loss_history

    # -- the action-model methods -----------------------------------------------------------

    def draw(self, context: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One network per context row drawn from the posterior: its expected rewards and the family's detail.

        Both have shape ``(n_rows,)``; the detail is the logit for Bernoulli rewards and the noise
        standard deviation for Gaussian ones. The same as :func:`draw_actions` with this action alone.
        """
        expected, detail = draw_networks([self], context, rng)
        return expected[:, 0], detail[:, 0]

    def with_families(self, families: Sequence[Any]) -> Bnn:
        """The model with another family of the same kind: a moved standardisation re-expresses the
        output layer and the auxiliary parameters (every drawn network predicts the same rewards)."""
        (family,) = families
        if family == self.family:
            return self
        change = family.output_change(self.family)
        if change is None:
            return self.model_copy(update={"family": family})
        return self.model_copy(
            update={
                "family": family,
                "network": self.network.with_output_change(*change),
                "aux": family.restated_aux(self.aux, change),
            }
        )

    def at_prior(self) -> Bnn:
        """The model at its cold-start prior: same network shape and settings, family, cost and statistics.

        Where a shared trunk's network heads start every refit, and an action restarts after a
        detected change (:mod:`pybandits.bandits.change`).
        """
        network = self.network
        cold = Bnn.cold_start(
            network.n_features - self.quantity_dim,
            network.hidden_dim_list,
            network.activation,
            network.use_residual_connections,
            self.dist_type,
            self.dist_params_init,
            self.update_method,
            self.update_kwargs,
            cost=self.cost,
            family=self.family,
            categorical={e.column: (e.cardinality, e.dim) for e in network.embeddings} or None,
            quantity_dim=self.quantity_dim,
            n_candidates=self.n_candidates,
        )
        return cold.model_copy(update={"stats": self.stats, "quantity_encoding": self.quantity_encoding})

    def forgotten(self, weight: float) -> Bnn:
        """The distributions raised to ``weight``, times their cold-start priors to ``1 - weight``.

        Forgetting (:mod:`pybandits.model.forgetting`): precisions and precision-weighted means mix
        with the prior's, element by element; the statistics (rewards observed) are kept.
        """
        if weight == 1.0:
            return self
        params = self.dist_params_init
        prior = LocationScale(mu=[params.mu], sigma=[params.sigma])
        network = {name: dist.forgotten(prior, weight) for name, dist in self.network.parameters.items()}
        aux_prior = self.family.aux_prior()
        aux = {name: dist.forgotten(aux_prior[name], weight) for name, dist in self.aux.items()}
        return self._replaced(network=self.network.with_parameters(network), aux=aux)

    def with_prior_rows(self, columns: Sequence[int]) -> Bnn:
        """A copy whose embedding tables of ``columns`` end with one more row, at the cold-start prior.

        The new row's code is the old cardinality: a prediction gives it to a category value never
        seen, whose vector is then drawn as a brand-new category's. For one prediction only.
        """
        nu = self.dist_params_init.nu if self.dist_type == "studentt" else None
        prior = (self.dist_params_init.mu, self.dist_params_init.sigma, nu)
        return self._replaced(
            network=with_prior_rows(self.network, columns, *prior)
        )  # a prediction path: not revalidated

    def with_fit(self, result: Any, rewards: np.ndarray) -> Bnn:
        """The model with a fit's posterior (a :class:`~pybandits.engines.result.FitResult`) and ``rewards`` counted.

        The fitting engines' last step (:func:`pybandits.engines.fit.fit_group`).
        """
        network_parameters = {name: result.parameters[name] for name in self.network.parameters}
        new = self.model_copy(
            update={
                "network": self.network.with_parameters(network_parameters),
                "aux": {name: result.parameters[name] for name in self.aux},
                "stats": self.stats.added(rewards),
                "last_fit": result.diagnostics,
            }
        )
        new._loss_history = result.loss_history
        return new

    def grown(self, template: Bnn, action_id: str = "") -> Bnn:
        """This action's learned state in ``template``'s configuration (transfer).

        The network grows to the template's shape (new weights take the template's cold-start
        prior); the learned posteriors, statistics and the family's fitted standardisation are
        kept; the inference settings, prior settings and cost are the template's.

        Raises
        ------
        TypeError
            When the template's reward family is another one.
        ValueError
            When the template's network cannot hold this one (see :mod:`pybandits.transfer`).
        """
        if not isinstance(template, Bnn):
            raise ValueError(
                f"new_mab: expected a network for action {action_id!r} like current_mab's (a network cannot turn "
                f"into a linear head), got {type(template).__name__}; give new_mab the same hidden_dim_list"
            )
        if self.family.name != template.family.name:
            raise TypeError(
                f"new_mab: expected {self.family.name} rewards like current_mab for action {action_id!r} "
                f"(reward families cannot be exchanged), got {template.family.name} rewards"
            )
        if self.quantity_dim != template.quantity_dim:
            kinds = {0: "an ordinary action"}
            raise ValueError(
                f"new_mab: expected action {action_id!r} to stay "
                f"{kinds.get(self.quantity_dim, f'quantitative with d={self.quantity_dim}')} (an action cannot turn "
                f"quantitative or ordinary), got {kinds.get(template.quantity_dim, f'd={template.quantity_dim}')}"
            )
        check_growth(action_id, self.network, template.network)
        # a quantitative network's quantity inputs come after the context: they move with the context's width
        moved = {self.n_features + i: template.n_features + i for i in range(self.quantity_dim)}
        return template.model_copy(
            update={
                "network": grow_network(self.network, template.network, moved),
                "family": carried_family(action_id, self.family, template.family),
                "aux": self.aux,
                "stats": self.stats,
                "last_fit": self.last_fit,
                "quantity_encoding": self.quantity_encoding,  # the learned quantity weights read this encoding
            }
        )

    def summary(self) -> str:
        """One line: the family's statistics."""
        return f"{self.family.name}: {self.stats.describe()}"
