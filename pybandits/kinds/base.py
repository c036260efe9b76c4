"""The seam every contextual model kind fills in: build, check, draw, fit and grow a bandit's models.

A contextual bandit (:class:`~pybandits.bandits.contextual.BaseCmab`) keeps its models in its fields:
``actions`` (one model per action) and, for a shared trunk, ``backbone``. How those models are
built, read, drawn, fitted and grown depends on the *kind* of model, and only the kind knows: the
bandit classes, transfer, the CLI, offline evaluation and simulation ask the bandit's kind
(:func:`kind_of`) and never branch on it. A kind holds no state of its own: the state is the
bandit's fields, so a saved state of any earlier version describes its kind as it always did.

Two kinds exist:

- :class:`~pybandits.kinds.per_action.PerActionNetworks`: a Bayesian network per action (categorical
  embeddings and quantity inputs are properties of those networks), fitted by ADVI or NUTS;
- :class:`~pybandits.kinds.trunk.SharedTrunk`: a trunk shared by every action with a Bayesian head
  per action (a linear head, or a network on the trunk's features).

Adding a kind means writing one subclass of :class:`ContextualKind` and choosing it in
:func:`kind_of` from the fields that describe it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from pybandits.model.forgetting import carried_weight, row_weights

if TYPE_CHECKING:
    from pybandits.model.specs import NetworkSpec

__all__ = ["ContextualKind", "Draw", "FitBatch", "tiled"]

#: ``draw(rows, repeats) -> (expected, detail, quantities, prices)``: a prediction's Thompson draws for
#: the rows repeated ``repeats`` times (``np.tile(rows, (repeats, 1))``, drawn independently). A kind
#: computes what does not depend on the draw (a trunk's features, a head's spread) once per row.
Draw = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray | None]]


def tiled(rows: np.ndarray, repeats: int) -> np.ndarray:
    """``rows`` repeated ``repeats`` times (the rows themselves, not a copy, once)."""
    return rows if repeats == 1 else np.tile(rows, (repeats, 1))


class FitBatch:
    """One update's checked rows: played action ids, rewards, the context as floats, played quantities.

    ``quantities`` maps a row index to the quantity it was played at (quantitative actions only).
    Under forgetting (:mod:`pybandits.model.forgetting`), ``kept`` is the weight what was learned
    keeps (``decay_factor ** n_rows``) and ``weights`` every row's likelihood weight; without,
    1 and None.
    """

    __slots__ = (
        "action_ids",
        "decay_factor",
        "features",
        "kept",
        "observed",
        "played",
        "quantities",
        "restarted",
        "weights",
    )

    def __init__(
        self,
        action_ids: Sequence[str],
        played: np.ndarray,
        observed: np.ndarray,
        features: np.ndarray,
        quantities: Mapping[int, np.ndarray],
        decay_factor: float | None = None,
    ) -> None:
        self.action_ids = list(action_ids)
        self.played = played
        self.observed = observed
        self.features = features
        self.quantities = quantities
        forgets = decay_factor is not None and decay_factor < 1.0
        self.decay_factor = decay_factor if forgets else None
        self.kept = carried_weight(decay_factor, len(played)) if forgets else 1.0
        self.weights = row_weights(decay_factor, len(played)) if forgets else None
        #: Actions that restart from their cold-start prior (a detected change): their rows here are
        #: their remembered rows after the change (:meth:`with_restarts`).
        self.restarted: frozenset[str] = frozenset()

    def with_restarts(self, restarts: Mapping[str, Any], now: int) -> FitBatch:
        """The batch in which every restarted action's rows are its remembered rows after its change.

        ``restarts`` maps an action to its :class:`~pybandits.bandits.change.ActionMemory` from the
        change point on (which holds this batch's rows of the action); under forgetting each of
        those rows weighs ``decay_factor ** (now - 1 - seen_at)``.
        """
        if not restarts:
            return self
        index = {action_id: j for j, action_id in enumerate(self.action_ids)}
        keep = ~np.isin(self.played, [index[a] for a in restarts])
        features, observed, played, weights = [self.features[keep]], [self.observed[keep]], [self.played[keep]], []
        weights = [self.weights[keep]] if self.weights is not None else None
        for action_id, memory in restarts.items():
            features.append(memory.context)
            observed.append(memory.rewards.reshape(len(memory), *self.observed.shape[1:]))
            played.append(np.full(len(memory), index[action_id], dtype=self.played.dtype))
            if weights is not None:
                weights.append(self.decay_factor ** (now - 1 - memory.seen_at))
        new = FitBatch(self.action_ids, np.concatenate(played), np.concatenate(observed), np.concatenate(features), {})
        new.decay_factor, new.kept = self.decay_factor, self.kept
        new.weights = None if weights is None else np.concatenate(weights)
        new.restarted = frozenset(restarts)
        return new

    def rows_by_action(self) -> list[tuple[str, np.ndarray]]:
        """Per action with rows, in the bandit's action order: the action id and its row indices."""
        order = np.argsort(self.played, kind="stable")
        bounds = np.searchsorted(self.played[order], np.arange(len(self.action_ids) + 1))
        groups = []
        for index, action_id in enumerate(self.action_ids):
            rows = order[bounds[index] : bounds[index + 1]]
            if rows.size:
                groups.append((action_id, rows))
        return groups


class ContextualKind(ABC):
    """What a contextual model kind does with a bandit's models; one instance per kind, without state."""

    #: A short name (for messages and ``info``).
    name: ClassVar[str]

    # -- cold start and checks ---------------------------------------------------------------

    @abstractmethod
    def cold_start(
        self,
        spec: NetworkSpec,
        costs: Mapping[str, float | None],
        families: Sequence[Any],
        n_objectives: int | None,
        seed: int | None,
    ) -> dict[str, Any]:
        """The bandit's model fields at the cold-start prior: ``actions`` and whatever else the kind keeps."""

    @abstractmethod
    def check(self, mab: Any) -> None:
        """Refuse fields that do not describe a bandit of this kind (a ``ValueError`` naming the field)."""

    @abstractmethod
    def input_dim(self, mab: Any) -> int:
        """Number of context columns the bandit reads."""

    @abstractmethod
    def network(self, mab: Any) -> Any:
        """The network that reads the context: its columns are the bandit's (numeric and categorical)."""

    # -- prediction and update ----------------------------------------------------------------

    @abstractmethod
    def sampler(self, mab: Any, allowed: list[str], unseen: list[int], regions: Mapping[str, list]) -> Draw:
        """``draw(rows)`` for the allowed actions; ``unseen`` categorical columns hold a value never seen."""

    @abstractmethod
    def fit(
        self,
        mab: Any,
        batch: FitBatch,
        executor: Executor | None,
        callback: Callable[[str, int], None] | None,
        progressbar: bool | None,
    ) -> dict[str, Any]:
        """The new model fields after fitting ``batch``; the bandit installs them (nothing is changed here)."""

    def check_change_detection(self, mab: Any) -> None:
        """Refuse change detection where this kind cannot restart an action (a ``ValueError`` naming it)."""
        raise ValueError(
            f"change_detection: expected a bandit with networks per action, got a {self.name} (a shared trunk's "
            "heads are refitted from its buffer at every update; forgetting, decay_factor, follows a drifting world)"
        )

    def predicted(self, mab: Any, batch: FitBatch) -> np.ndarray:
        """Every row's expected reward under its played action's current belief (at the posterior means).

        Shape of ``batch.observed``; what change detection compares the rewards with
        (:mod:`pybandits.bandits.change`). Kinds that cannot restart an action refuse change detection.
        """
        raise ValueError(f"change_detection: expected a bandit with networks per action, got a {self.name}")

    def with_families(self, mab: Any, families: Sequence[Any]) -> dict[str, Any]:
        """The model fields with new reward families (a Gaussian standardisation that moved).

        Every learned posterior is re-expressed in the new families' units, so that it describes
        the same rewards (:meth:`~pybandits.model.family.Gaussian.output_change`).
        """
        return {"actions": {action_id: model.with_families(families) for action_id, model in mab.actions.items()}}

    # -- transfer and description ------------------------------------------------------------

    @abstractmethod
    def grown(self, current: Any, template: Any, actions: dict[str, Any], kept: list[str]) -> dict[str, Any]:
        """The evolved bandit's model fields: ``actions`` are the template's with learned posteriors carried over."""

    @abstractmethod
    def settings_changes(self, current: Any, template: Any, kept: list[str]) -> dict[str, tuple[Any, Any]]:
        """The kind's settings that differ between ``current`` and ``template`` (``{name: (before, after)}``)."""

    @abstractmethod
    def hidden_dim_list(self, mab: Any) -> list[int]:
        """Widths of the hidden layers of every action's own model (``[]`` for a linear model)."""

    @abstractmethod
    def reward_stages(self, mab: Any, action_id: str, n_draws: int, rng: np.random.Generator) -> list[tuple[Any, list]]:
        """An action's expected reward at ``n_draws`` posterior draws, per objective: ``(family, stages)``.

        The stages (:class:`~pybandits.model.bnn.effects.Stage`) map the context (codes for the
        categorical columns; a quantitative action's quantity inputs after them) to the network's
        output; the family maps that to the expected reward. What
        :meth:`~pybandits.bandits.base.BaseMab.effects` differentiates.
        """

    @abstractmethod
    def describe(self, mab: Any) -> list[str]:
        """Lines that describe the models, for ``pybandits info``."""
