"""A shared trunk with a Bayesian head per action: the state a contextual bandit's backbone keeps.

A :class:`Backbone` holds the :class:`~pybandits.model.backbone.trunk.Trunk` (a point estimate),
a point-estimate readout per action (the trunk's training head), the
:class:`~pybandits.model.backbone.buffer.ReplayBuffer` and the training settings. The actions'
Bayesian heads stay in the bandit's ``actions``: a
:class:`~pybandits.model.backbone.heads.LinearHead` (exact or Laplace posterior) or, when the
bandit also has ``hidden_dim_list``, a :class:`~pybandits.model.bnn.action.Bnn` on the trunk's
features.

An update (:func:`pybandits.engines.backbone.updated_backbone`, then
:func:`pybandits.engines.backbone.refit_heads`; this module imports no fitting code):

1. offers the batch to the replay buffer (reservoir sampling, bounded);
2. trains the trunk and the readouts from where they are, by Adam on the buffer
   (:mod:`pybandits.engines.trunk`);
3. recomputes every action's head from its cold-start prior on its rows in the buffer, through
   the new trunk: linear heads in closed form, network heads by the ADVI or NUTS engine. The heads
   are therefore always the posteriors given the current trunk: nothing learned under an older
   trunk is left in them.

Why a point-estimate trunk and not a mean-field one: measured on the 10-class digits set played as a
bandit, a mean-field ``[32]`` trunk with the heads in one ADVI fit took about 0.9 s per update and
reached 0.38x the regret of uniform play, against 0.14x-0.18x in about 25 ms for this design (see
``docs/backbone.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import numpy as np
from pydantic import ConfigDict, Field, ValidationError, model_validator

from pybandits.base import ActionId, PyBanditsBaseModel
from pybandits.boundary.validation import check_memory, describe, is_positive_int, pydantic_problems
from pybandits.model.backbone.buffer import ReplayBuffer
from pybandits.model.backbone.trunk import Trunk
from pybandits.model.priors import FloatArray

__all__ = ["Backbone", "BackboneSettings", "parse_backbone_kwargs"]

#: Rows the replay buffer keeps by default.
DEFAULT_BUFFER_SIZE = 5000


class BackboneSettings(PyBanditsBaseModel):
    """How an update trains the shared trunk (``backbone_kwargs`` at cold start).

    Attributes
    ----------
    num_steps : int, default 100
        Adam steps per update, each on a minibatch of the buffer.
    batch_size : int, default 256
        Rows per step (drawn from the buffer with replacement; every row when the buffer is smaller).
    learning_rate : float, default 0.01
    weight_decay : float, default 0.01
        Weight of half the squared norm of the weights (and, with ``embedding_sigma=None``, of the
        embeddings), added to the mean negative log-likelihood of the buffered rows: it keeps the
        trunk from fitting the noise of a small buffer; 0 turns it off.
    embedding_sigma : float or None, default 1.0
        The scale of a Normal(0, ``embedding_sigma``) prior on every entry of the trunk's embedding
        tables: their penalty is ``|e|^2 / (2 embedding_sigma^2 n)`` for ``n`` buffered rows, the
        prior of a maximum a posteriori estimate, whatever the traffic. Weight decay would pull a
        rare level's row to 0 with the weight of every buffered row, while its own rows pull it
        with the weight of a few: in a world whose 50 levels share 5 hidden types (Zipf-like
        traffic), this prior took the trunk's regret from 0.92x to 0.76x that of one-hot logistic
        regression per action, and from 0.83x to 0.74x on the rare levels (``benchmarks/bench_structure.py``).
        None puts the embeddings under ``weight_decay`` with the weights, as states written before
        this setting existed do.

    Examples
    --------
    >>> BackboneSettings(num_steps=50).batch_size
    256
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    num_steps: Annotated[int, Field(ge=1, strict=True)] = 100
    batch_size: Annotated[int, Field(ge=1, strict=True)] = 256
    learning_rate: Annotated[float, Field(gt=0.0, allow_inf_nan=False, strict=True)] = 0.01
    weight_decay: Annotated[float, Field(ge=0.0, allow_inf_nan=False, strict=True)] = 0.01
    embedding_sigma: Annotated[float, Field(gt=0.0, le=100.0, allow_inf_nan=False, strict=True)] | None = 1.0

    @model_validator(mode="before")
    @classmethod
    def _states_before_the_embedding_prior(cls, data: Any) -> Any:
        """A state written before ``embedding_sigma`` existed decays its embeddings as it did (None).

        Such a state holds every other setting (a saved state writes them all); settings given by
        hand, or through ``backbone_kwargs``, get the default prior.
        """
        earlier = {"num_steps", "batch_size", "learning_rate", "weight_decay"}
        if isinstance(data, dict) and set(data) == earlier:
            data = {**data, "embedding_sigma": None}
        return data

    @model_validator(mode="after")
    def _fits_in_memory(self) -> BackboneSettings:
        check_memory("num_steps", self.num_steps, 8 * self.num_steps, "a loss history of that many values")
        return self


def parse_backbone_kwargs(kwargs: Mapping[str, Any] | None) -> tuple[BackboneSettings, int]:
    """The training settings and the buffer size from a user's ``backbone_kwargs``.

    Examples
    --------
    >>> settings, buffer_size = parse_backbone_kwargs({"buffer_size": 1000, "num_steps": 50})
    >>> settings.num_steps, buffer_size
    (50, 1000)
    """
    if kwargs is None:
        return BackboneSettings(), DEFAULT_BUFFER_SIZE
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"backbone_kwargs: expected a mapping or None, got {describe(kwargs)}")
    given = dict(kwargs)
    buffer_size = given.pop("buffer_size", DEFAULT_BUFFER_SIZE)
    if not is_positive_int(buffer_size):
        raise ValueError(f"backbone_kwargs: expected buffer_size an integer >= 1, got {buffer_size!r}")
    buffer_size = int(buffer_size)
    check_memory("backbone_kwargs buffer_size", buffer_size, 24 * buffer_size, "at least 24 bytes per buffered row")
    unknown = sorted(set(given) - set(BackboneSettings.model_fields))
    if unknown:
        raise ValueError(
            f"backbone_kwargs: expected keys among {sorted([*BackboneSettings.model_fields, 'buffer_size'])}, "
            f"got {unknown}"
        )
    given.setdefault("embedding_sigma", BackboneSettings.model_fields["embedding_sigma"].default)  # not an old state
    try:
        return BackboneSettings(**given), buffer_size
    except ValidationError as error:
        raise ValueError(f"backbone_kwargs: {pydantic_problems(error)}") from None


class Backbone(PyBanditsBaseModel):
    """A contextual bandit's shared trunk, its training readouts, replay buffer and settings.

    Attributes
    ----------
    trunk : Trunk
    readout : dict of str to array
        Per action, the point-estimate linear layer the trunk is trained through: ``(width + 1,)``,
        the weights then the bias. Not used for prediction (the heads are).
    buffer : ReplayBuffer
    settings : BackboneSettings
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    trunk: Trunk
    readout: dict[ActionId, FloatArray]
    buffer: ReplayBuffer
    settings: BackboneSettings = BackboneSettings()

    @model_validator(mode="after")
    def _check_shapes(self) -> Backbone:
        width = self.trunk.width
        bad = sorted(a for a, r in self.readout.items() if r.shape != (width + 1,))
        if bad:
            raise ValueError(f"readout: expected arrays of shape ({width + 1},) (trunk width + 1), not so for {bad}")
        if self.buffer.n_features != self.trunk.n_features:
            raise ValueError(
                f"buffer: expected {self.trunk.n_features} context columns (the trunk's), got {self.buffer.n_features}"
            )
        unknown = set(self.buffer.actions) - set(self.readout)
        if unknown:
            raise ValueError(f"buffer: holds rows of actions without a readout: {sorted(unknown)[:5]}")
        for column, cardinality in self.trunk.categorical.items():
            codes = self.buffer.context[:, column]
            if codes.size and not (np.all(codes == np.round(codes)) and codes.min() >= 0 and codes.max() < cardinality):
                raise ValueError(
                    f"buffer: expected codes 0 to {cardinality - 1} in categorical column {column}, got others"
                )
        return self

    @classmethod
    def cold_start(
        cls,
        action_ids: Sequence[str],
        n_features: int,
        hidden_dim_list: Sequence[int],
        activation: Any,
        use_residual_connections: bool,
        rng: np.random.Generator,
        categorical: Mapping[int, tuple[int, int]] | None = None,
        backbone_kwargs: Mapping[str, Any] | None = None,
    ) -> Backbone:
        """A backbone with a random trunk, zero readouts and an empty buffer."""
        settings, buffer_size = parse_backbone_kwargs(backbone_kwargs)
        trunk = Trunk.cold_start(n_features, hidden_dim_list, activation, use_residual_connections, rng, categorical)
        return cls(
            trunk=trunk,
            readout={action_id: np.zeros(trunk.width + 1) for action_id in action_ids},
            buffer=ReplayBuffer.empty(n_features, buffer_size),
            settings=settings,
        )

    @property
    def width(self) -> int:
        """Number of features the trunk gives every head."""
        return self.trunk.width

    def features(self, context: np.ndarray) -> np.ndarray:
        """The trunk's features of the context rows, ``(n_rows, width)``."""
        return self.trunk.features(context)

    def with_output_change(self, a: float, b: float) -> Backbone:
        """The backbone whose readouts give ``a * output + b``: a moved Gaussian standardisation."""
        readout = {action_id: np.append(a * r[:-1], a * r[-1] + b) for action_id, r in self.readout.items()}
        return self.model_copy(update={"readout": readout})

    def with_prior_rows(self, columns: Sequence[int]) -> Backbone:
        """The backbone with one more (zero) row after the embedding tables of ``columns``: a value never seen."""
        return self._replaced(trunk=self.trunk.with_prior_rows(columns))  # a prediction path: not revalidated

    def grown(self, template: Backbone, kept: Sequence[str], rng: np.random.Generator) -> Backbone:
        """This backbone in ``template``'s configuration (transfer).

        The trunk grows to the template's shape (:meth:`Trunk.grown`); the buffer keeps the kept
        actions' rows, with the template's new columns at 0 and at most the template's capacity;
        kept actions keep their readouts (new trunk units read as 0), new actions start at 0.
        """
        new_categorical = sorted(c for c in template.trunk.categorical if c >= self.trunk.n_features)
        if new_categorical and len(self.buffer):
            raise ValueError(
                f"new_mab: expected no new categorical column for a bandit with a shared trunk and buffered rows (its "
                f"replay buffer holds no value of columns {new_categorical} for them), got categorical columns "
                f"{new_categorical}; add them as numeric columns, or start a new bandit"
            )
        trunk = self.trunk.grown(template.trunk)
        buffer = self.buffer.without_actions(set(self.buffer.actions) - set(kept))
        buffer = buffer.widened(template.trunk.n_features)
        capacity = template.buffer.capacity
        if len(buffer) > capacity:
            keep = np.sort(rng.choice(len(buffer), capacity, replace=False))
            buffer = ReplayBuffer(
                capacity=capacity,
                n_features=buffer.n_features,
                context=buffer.context[keep],
                actions=[buffer.actions[i] for i in keep],
                rewards=buffer.rewards[keep],
                n_seen=buffer.n_seen,
            )
        else:
            buffer = buffer.model_copy(update={"capacity": capacity})
        readout = {}
        for action_id, initial in template.readout.items():
            if action_id in kept:
                learned = self.readout[action_id]
                grown = np.zeros_like(initial)
                grown[: self.width] = learned[:-1]
                grown[-1] = learned[-1]
                readout[action_id] = grown
            else:
                readout[action_id] = initial
        return Backbone(trunk=trunk, readout=readout, buffer=buffer, settings=template.settings)
