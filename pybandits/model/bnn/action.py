"""Action models of the contextual bandits: a Bayesian neural network per action (per objective).

A :class:`Bnn` holds an action's network (its weight distributions: the prior at cold start, the
posterior after updates), the settings it was built and is fitted with, and, like every action
model, ``n_successes`` and ``n_failures`` (1 plus the count of rewards of 1 and of 0 observed).

Updates are sequential Bayesian updates: the network's current distributions are the prior, and
only the new batch is observed. A fit returns a new model; nothing is changed in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, PositiveInt, PrivateAttr, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.beta import Cost
from pybandits.model.bnn.network import Activation, Network
from pybandits.model.bnn.settings import InferenceSettings, VISettings, parse_update_kwargs
from pybandits.model.objectives import PerObjective
from pybandits.model.priors import MAX_MAGNITUDE

__all__ = ["Bnn", "BnnMO", "DistParams", "FitDiagnostics"]

DistType = Literal["studentt", "normal"]


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


class FitDiagnostics(PyBanditsBaseModel):
    """Summary of an action's last fit (the loss history stays in memory: :attr:`Bnn.loss_history`).

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
    max_rhat: float | None = None
    min_ess_bulk: float | None = None
    divergences: int | None = None


class Bnn(PyBanditsBaseModel):
    """One action's Bayesian neural network and its counts.

    Attributes
    ----------
    network : Network
        Current weight distributions (prior at cold start, posterior after updates).
    dist_type : {"studentt", "normal"}
        Family of the cold-start prior.
    dist_params_init : DistParams
        Parameters of the cold-start prior.
    inference : VISettings or MCMCSettings
        How updates fit the posterior (``update_method`` and ``update_kwargs``).
    n_successes, n_failures : int
        1 plus the number of rewards of 1 (of 0) observed.
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
    >>> action.sample_logits(np.zeros((5, 3)), np.random.default_rng(0)).shape
    (5,)
    """

    model_config = ConfigDict(frozen=True)

    network: Network
    dist_type: DistType = "studentt"
    dist_params_init: DistParams = DistParams()
    inference: InferenceSettings = VISettings()
    n_successes: PositiveInt = 1
    n_failures: PositiveInt = 1
    cost: Cost | None = None
    last_fit: FitDiagnostics | None = None

    _loss_history: np.ndarray | None = PrivateAttr(default=None)

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
    ) -> Bnn:
        """An action whose network is at the cold-start prior."""
        params = DistParams.model_validate(dist_params_init or {})
        network = Network.cold_start(
            n_features,
            list(hidden_dim_list),
            activation,
            use_residual_connections,
            mu=params.mu,
            sigma=params.sigma,
            nu=params.nu if dist_type == "studentt" else None,
        )
        inference = parse_update_kwargs(update_method, update_kwargs)
        return cls(network=network, dist_type=dist_type, dist_params_init=params, inference=inference, cost=cost)

    # -- settings, as users name them -------------------------------------------------------

    @property
    def n_features(self) -> int:
        """Number of context features."""
        return self.network.n_features

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
    def loss_history(self) -> np.ndarray | None:
        """ADVI loss at every step of the last fit in this process (None after loading or NUTS)."""
        return self._loss_history

    # -- prediction and update --------------------------------------------------------------

    def sample_logits(self, context: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One network per context row drawn from the posterior; its logits, shape ``(n_rows,)``."""
        return self.network.sample_logits(context, rng)

    def updated(self, context: np.ndarray, rewards: np.ndarray, seed: int) -> Bnn:
        """The model after observing ``rewards`` in ``context``: posterior fitted, counts added.

        The input is assumed validated (finite float context of the right width, 0/1 rewards).
        """
        from pybandits.model.bnn.fit import fit_network  # PyMC is imported only when fitting

        result = fit_network(self.network, context, rewards, self.inference, seed)
        network = self.network.with_parameters(result.parameters)
        successes = int(rewards.sum())
        diagnostics = {k: v for k, v in result.diagnostics.items() if k in FitDiagnostics.model_fields}
        new = self.model_copy(
            update={
                "network": network,
                "n_successes": self.n_successes + successes,
                "n_failures": self.n_failures + len(rewards) - successes,
                "last_fit": FitDiagnostics(n_rows=len(rewards), **diagnostics),
            }
        )
        history = result.diagnostics.get("loss_history")
        new._loss_history = None if history is None else np.asarray(history)
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bnn):
            return NotImplemented
        return self.model_dump(mode="json") == other.model_dump(mode="json")

    __hash__ = None


class BnnMO(PerObjective, PyBanditsBaseModel):
    """One action's networks, one per objective, and its cost.

    Attributes
    ----------
    objectives : list of Bnn
        One network per objective, all of the same architecture and settings.
    cost : float, optional
        Cost of the action, for cost-control bandits.

    Examples
    --------
    >>> import numpy as np
    >>> action = BnnMO(objectives=[Bnn.cold_start(n_features=2)] * 3, cost=1.0)
    >>> action.n_objectives, action.activation, action.sample_logits(np.zeros((4, 2)), np.random.default_rng(0)).shape
    (3, 'tanh', (4, 3))
    """

    model_config = ConfigDict(frozen=True)

    objectives: list[Bnn] = Field(min_length=1)
    cost: Cost | None = None

    @model_validator(mode="after")
    def _check_objectives(self) -> BnnMO:
        if any(objective.cost is not None for objective in self.objectives):
            raise ValueError("objectives: a cost belongs to the action (BnnMO.cost), not to an objective")
        if len({objective.n_features for objective in self.objectives}) > 1:
            raise ValueError("objectives: expected the same number of features for every objective")
        return self

    @property
    def n_features(self) -> int:
        """Number of context features."""
        return self.objectives[0].n_features

    def __getattr__(self, name: str) -> Any:
        # Settings shared by every objective (activation, update_kwargs, ...) read from the first.
        if name in _SHARED_SETTINGS:
            return getattr(self.objectives[0], name)
        return super().__getattr__(name)

    def sample_logits(self, context: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Logits of one network per row and objective, shape ``(n_rows, n_objectives)``."""
        return np.stack([objective.sample_logits(context, rng) for objective in self.objectives], axis=1)

    def updated(self, context: np.ndarray, rewards: np.ndarray, seed: int) -> BnnMO:
        """Fit every objective's network to its column of ``rewards`` (``(n_rows, n_objectives)``)."""
        seeds = np.random.SeedSequence(seed).generate_state(self.n_objectives)
        objectives = [
            objective.updated(context, rewards[:, index], int(seeds[index]))
            for index, objective in enumerate(self.objectives)
        ]
        return self.model_copy(update={"objectives": objectives})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BnnMO):
            return NotImplemented
        return self.model_dump(mode="json") == other.model_dump(mode="json")

    __hash__ = None


_SHARED_SETTINGS = {
    "hidden_dim_list",
    "activation",
    "use_residual_connections",
    "update_method",
    "update_kwargs",
    "dist_type",
    "dist_params_init",
    "inference",
}
