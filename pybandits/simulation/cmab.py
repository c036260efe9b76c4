"""Simulating a contextual bandit against a known reward function of the context."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Self

import numpy as np

from pybandits.boundary import validation as check
from pybandits.boundary.progress import progress_bar
from pybandits.boundary.quantities import read_only_copy
from pybandits.cmab import BaseCmab
from pybandits.simulation.base import (
    SimulationResult,
    build_result,
    check_noise_sd,
    check_sizes,
    expected_columns,
    pareto_regret,
    random_policy_regret,
    reseed,
    reward_columns,
)
from pybandits.simulation.quantities import (
    QuantityWorld,
    played_columns,
    split_choices,
    uses_quantity_world,
    value_columns,
)

__all__ = ["CmabSimulator", "LinearReward", "LogisticReward", "SharedRepresentationReward"]

RewardFunction = Callable[[np.ndarray], Mapping[str, np.ndarray]]


class LinearReward:
    """Expected rewards that are linear in the context: ``context @ w[a] + b[a]`` (a Gaussian world).

    Categorical columns add an effect per level instead: ``level_effects[a][column][code]``.

    Parameters
    ----------
    weights : mapping
        Action id to a weight vector ``(n_features,)`` (``(n_features, n_objectives)`` for several
        objectives). The weights of categorical columns are not used.
    biases : mapping, optional
        Action id to a bias (a vector per objective); 0 by default.
    level_effects : mapping, optional
        Action id to ``{column: effects}``, ``effects`` of shape ``(cardinality,)`` (``(cardinality,
        n_objectives)``): the columns that hold category codes, and what each level adds.

    Examples
    --------
    >>> import numpy as np
    >>> world = LinearReward({"a": [2.0, 0.0], "b": [-2.0, 0.0]}, biases={"a": 10.0, "b": 10.0})
    >>> {a: m.tolist() for a, m in world(np.array([[1.0, 5.0]])).items()}
    {'a': [12.0], 'b': [8.0]}
    >>> levels = LinearReward({"a": [1.0, 0.0], "b": [1.0, 0.0]}, level_effects={"a": {1: [0, 3]}, "b": {1: [1, 0]}})
    >>> {a: m.tolist() for a, m in levels(np.array([[1.0, 0.0], [1.0, 1.0]])).items()}
    {'a': [1.0, 4.0], 'b': [2.0, 1.0]}
    """

    def __init__(
        self,
        weights: Mapping[str, Sequence[float]],
        biases: Mapping[str, float] | None = None,
        level_effects: Mapping[str, Mapping[int, Sequence[float]]] | None = None,
    ) -> None:
        self.weights = {a: np.asarray(w, dtype=float) for a, w in weights.items()}
        self.biases = {a: np.asarray((biases or {}).get(a, 0.0), dtype=float) for a in self.weights}
        self.level_effects = {
            a: {int(c): np.asarray(e, dtype=float) for c, e in (level_effects or {}).get(a, {}).items()}
            for a in self.weights
        }
        columns = {frozenset(effects) for effects in self.level_effects.values()}
        if len(columns) > 1:
            raise ValueError("level_effects: expected the same categorical columns for every action")

    @classmethod
    def random(
        cls,
        action_ids: Sequence[str],
        n_features: int,
        rng: np.random.Generator,
        n_objectives: int | None = None,
        categorical: Mapping[int, int] | None = None,
    ) -> Self:
        """Weights drawn from a standard normal, biases from N(0, 0.5^2), level effects from N(0, 1)."""
        shape = (n_features,) if n_objectives is None else (n_features, n_objectives)
        bias_shape = () if n_objectives is None else (n_objectives,)
        categorical = dict(categorical or {})
        weights = {}
        for a in action_ids:
            weights[a] = rng.normal(size=shape)
            weights[a][list(categorical)] = 0.0
        return cls(
            weights,
            {a: rng.normal(scale=0.5, size=bias_shape) for a in action_ids},
            {a: {c: rng.normal(size=(k, *bias_shape)) for c, k in categorical.items()} for a in action_ids},
        )

    def __call__(self, context: np.ndarray) -> dict[str, np.ndarray]:
        means = {}
        for a, w in self.weights.items():
            effects = self.level_effects[a]
            numeric = context
            if effects:
                numeric = context.copy()
                numeric[:, list(effects)] = 0.0
            mean = numeric @ w + self.biases[a]
            for column, effect in effects.items():
                mean = mean + effect[context[:, column].astype(int)]
            means[a] = mean
        return means


class LogisticReward(LinearReward):
    """Reward probabilities that are logistic in the context: ``sigmoid(context @ w[a] + b[a])`` (a Bernoulli world).

    Takes the weights and biases of :class:`LinearReward`.

    Examples
    --------
    >>> import numpy as np
    >>> world = LogisticReward({"a": [2.0, 0.0], "b": [-2.0, 0.0]})
    >>> {a: p.round(3).tolist() for a, p in world(np.array([[1.0, 5.0]])).items()}
    {'a': [0.881], 'b': [0.119]}
    """

    def __call__(self, context: np.ndarray) -> dict[str, np.ndarray]:
        return {a: 1.0 / (1.0 + np.exp(-linear)) for a, linear in super().__call__(context).items()}


class SharedRepresentationReward:
    """Expected rewards that depend on one non-linear map of the context, shared by every action.

    The world a shared trunk (``backbone_hidden_dim_list``) is made for: every action's output is
    ``scale * tanh(context @ U) @ v[a] / sqrt(k)``, with one ``U`` of shape ``(n_features, k)`` for
    all actions and a vector ``v[a]`` of length ``k`` per action, plus a bias. A Bernoulli world
    (``link="logistic"``) gives ``sigmoid`` of it; a Gaussian one (``link="identity"``) the output itself.

    Parameters
    ----------
    projection : array
        ``U``, shape ``(n_features, k)``.
    loadings : mapping
        Action id to ``v[a]``, shape ``(k,)``.
    biases : mapping, optional
        Action id to a bias; 0 by default.
    scale : float, default 3.0
    link : {"logistic", "identity"}, default "logistic"

    Examples
    --------
    >>> world = SharedRepresentationReward.random(["a", "b"], n_features=5, rng=np.random.default_rng(0))
    >>> {a: p.shape for a, p in world(np.zeros((4, 5))).items()}
    {'a': (4,), 'b': (4,)}
    """

    def __init__(
        self,
        projection: np.ndarray,
        loadings: Mapping[str, Sequence[float]],
        biases: Mapping[str, float] | None = None,
        scale: float = 3.0,
        link: str = "logistic",
    ) -> None:
        check.check_choice(link, "link", ("logistic", "identity"))
        if not check.is_real(scale) or not np.isfinite(scale):
            raise TypeError(f"scale: expected a finite real number, got {check.describe(scale)}")
        self.projection = np.asarray(projection, dtype=float)
        if self.projection.ndim != 2 or 0 in self.projection.shape or not np.isfinite(self.projection).all():
            raise ValueError(f"projection: expected a finite (n_features, k) matrix, got shape {self.projection.shape}")
        self.loadings = {a: np.asarray(v, dtype=float) for a, v in loadings.items()}
        k = self.projection.shape[1]
        bad = sorted(a for a, v in self.loadings.items() if v.shape != (k,) or not np.isfinite(v).all())
        if bad:
            raise ValueError(f"loadings: expected finite vectors of length {k} (projection's columns), not for {bad}")
        extra = sorted(set(biases or {}) - set(self.loadings))
        if extra:
            raise ValueError(f"biases: expected action ids among {sorted(self.loadings)}, got {extra}")
        self.biases = {a: float((biases or {}).get(a, 0.0)) for a in self.loadings}
        self.scale, self.link = float(scale), link

    @classmethod
    def random(
        cls,
        action_ids: Sequence[str],
        n_features: int,
        rng: np.random.Generator,
        k: int = 3,
        scale: float = 3.0,
        link: str = "logistic",
    ) -> Self:
        """``U`` with entries ``N(0, 1 / n_features)``, loadings ``N(0, 1)``, no biases."""
        n_features = check.check_positive_int(n_features, "n_features")
        k = check.check_positive_int(k, "k")
        projection = rng.normal(size=(n_features, k)) / np.sqrt(n_features)
        return cls(projection, {a: rng.normal(size=k) for a in action_ids}, scale=scale, link=link)

    def __call__(self, context: np.ndarray) -> dict[str, np.ndarray]:
        if context.ndim != 2 or context.shape[1] != self.projection.shape[0]:
            raise ValueError(
                f"context: expected {self.projection.shape[0]} features (the projection's rows), got shape "
                f"{context.shape}"
            )
        shared = np.tanh(context @ self.projection) / np.sqrt(self.projection.shape[1])
        outputs = {a: self.scale * shared @ v + self.biases[a] for a, v in self.loadings.items()}
        if self.link == "identity":
            return outputs
        return {a: 1.0 / (1.0 + np.exp(-z)) for a, z in outputs.items()}


#: The random world a simulator draws for a bandit of each reward family when given none.
DEFAULT_WORLDS: dict[str, type[LinearReward]] = {"bernoulli": LogisticReward, "gaussian": LinearReward}


def _world_outputs(reward_fn: RewardFunction, context: np.ndarray) -> object:
    """``reward_fn`` at a read-only copy of the context (the rows played stay as drawn); its failures named."""
    try:
        return reward_fn(read_only_copy(context))
    except Exception as error:  # the user's code: any failure is reported with the argument
        raise ValueError(
            f"reward_fn: failed on a context of shape {context.shape}: expected a mapping of every action's expected "
            f"rewards, got {error!r:.200}"
        ) from None


class CmabSimulator:
    """Play a contextual bandit against a world whose expected rewards depend on the context.

    A Bernoulli bandit's world gives reward probabilities and draws 0/1 rewards; a Gaussian
    bandit's world gives mean rewards and draws Normal rewards around them with ``noise_sd``.

    Parameters
    ----------
    mab : BaseCmab
        The bandit; :meth:`run` trains it in place (pass a copy to keep the original).
    reward_fn : callable, optional
        ``reward_fn(context) -> {action_id: probabilities}``, probabilities of shape ``(n_rows,)``
        (``(n_rows, n_objectives)`` for multi-objective bandits). By default every :meth:`run`
        draws a :class:`LogisticReward` with random weights from its generator (so one seed
        fixes the world too); the world a run played is in its result's ``truth["reward_fn"]``.
        For a quantitative action the mapping holds its *reward surface* in these rows: a function
        ``surface(quantities) -> (n_rows,)`` of an array ``(n_rows, d)`` whose row ``i`` is a
        quantity for context row ``i`` (an array ``(n_rows,)`` instead is a surface constant in the
        quantity). A bandit with quantitative actions needs a ``reward_fn``: there is no default.
        It gets a read-only copy of each round's context (the rows the bandit plays and learns from).
    n_updates : int, default 10
        Rounds of predict, reward and update.
    batch_size : int, default 100
        Decisions (context rows) per round.
    n_features : int, optional
        Features of the world's context, by default the bandit's ``input_dim``. The bandit sees
        the first ``input_dim`` of them, so a world may hold features the bandit does not see.
    context_generator : callable, optional
        ``context_generator(rng, n_rows) -> (n_rows, n_features)`` array. By default numeric
        columns are standard normal and a categorical column of the bandit holds codes drawn
        uniformly from its levels; the default world then gives each level of it an effect per
        action. The simulator plays codes, so a bandit whose vocabulary is partly learned
        (values, not codes) is refused.
    random_seed : int, optional
        Seeds the world's draws and reseeds the bandit's generator: one seed fixes the whole run.
    noise_sd : float, optional
        Gaussian bandits only: the standard deviation of the rewards around their means (1 by
        default).
    progressbar : bool, optional
        Show a progress bar over the rounds (on stderr, or in the notebook). By default it is
        shown in a Jupyter notebook or when stderr is a terminal, and never under pytest.

    Notes
    -----
    The regret of a decision is the best expected reward of its row minus the expected reward of
    the played action (at its quantity). A quantitative action's best in a row is taken on
    :func:`~pybandits.simulation.quantities.quantity_grid` (1001 points for ``d = 1``; the surface
    is called once per grid point, with that quantity in every row), and a row's regret is
    clipped at 0 (a played quantity between grid points may beat the grid's best slightly). For
    a dynamic-pricing bandit the regret is in revenue, ``price * purchase probability``, each play
    priced by the bandit's prices (its numbers, or its price functions of the quantity). The
    random policy plays a uniformly random action at a uniformly random quantity (the surface's
    mean on the grid).

    With quantitative actions or prices the data holds, after the context, ``action``,
    ``quantity`` (the played tuple, None for an ordinary action), ``price`` (pricing), ``reward``,
    ``expected`` (the played action's expected reward at its quantity), ``revenue`` (pricing),
    ``expected_<action>`` (each action's best expected value in the row, in the regret's unit),
    ``regret`` and ``random_regret``.

    Examples
    --------
    >>> from pybandits.cmab import CmabBernoulli
    >>> mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 20})
    >>> world = LogisticReward({"a": [1.0, 0.0, 0.0], "b": [-1.0, 0.0, 0.0]})
    >>> result = CmabSimulator(mab, world, n_updates=2, batch_size=50, random_seed=0).run()
    >>> len(result.data), list(result.data.columns[:4])
    (100, ['round', 'x0', 'x1', 'x2'])

    A world for a bandit with a quantitative action ``bonus``: in each row its reward surface peaks
    at a quantity that grows with the first feature.

    >>> def world(context):
    ...     peak = 0.5 + 0.4 * np.tanh(context[:, 0])  # one per row
    ...     return {"a": np.full(len(context), 0.3), "bonus": lambda q: 0.9 - 0.9 * np.abs(q[:, 0] - peak)}
    >>> world(np.array([[0.0], [5.0]]))["bonus"](np.array([[0.5], [0.5]])).round(2).tolist()
    [0.9, 0.54]
    >>> mab = CmabBernoulli.cold_start(
    ...     action_ids=["a"], quantitative_action_ids=["bonus"], n_features=1, hidden_dim_list=[8]
    ... )
    >>> simulator = CmabSimulator(mab, world, n_updates=15)  # run() plays it
    """

    def __init__(
        self,
        mab: BaseCmab,
        reward_fn: RewardFunction | None = None,
        n_updates: int = 10,
        batch_size: int = 100,
        n_features: int | None = None,
        context_generator: Callable[[np.random.Generator, int], np.ndarray] | None = None,
        random_seed: int | None = None,
        progressbar: bool | None = None,
        noise_sd: float | None = None,
    ) -> None:
        if not isinstance(mab, BaseCmab):
            raise TypeError(f"mab: expected a contextual bandit (pybandits.cmab), got {type(mab).__name__}")
        self.noise_sd = check_noise_sd(mab, noise_sd)
        self.n_updates, self.batch_size, self.random_seed = check_sizes(n_updates, batch_size, random_seed)
        self.mab = mab
        self.n_features = mab.input_dim if n_features is None else check.check_positive_int(n_features, "n_features")
        if self.n_features < mab.input_dim:
            raise ValueError(
                f"n_features: expected a world with at least the bandit's {mab.input_dim} features, "
                f"got {self.n_features}"
            )
        for name, value in (("reward_fn", reward_fn), ("context_generator", context_generator)):
            if value is not None and not callable(value):
                raise TypeError(f"{name}: expected a callable or None, got {check.describe(value)}")
        if reward_fn is None and mab.quantity_dimensions:
            raise ValueError(
                "reward_fn: a bandit with quantitative actions needs a world giving each of them a reward surface "
                f"(for {sorted(mab.quantity_dimensions)}); expected a callable, got None"
            )
        self.reward_fn = reward_fn
        self._world = QuantityWorld(mab, "reward_fn", row_bound=True) if uses_quantity_world(mab) else None
        self.context_generator = context_generator or self._default_context
        self.progressbar = progressbar
        categorical = mab.categorical_features
        partial = [c for c, values in mab.vocabularies.items() if 0 < len(values) < categorical[c]]
        if partial:
            raise ValueError(
                f"mab: expected vocabularies that are empty or full (the simulator plays codes), got columns {partial} "
                "with a partly learned vocabulary"
            )

    def _default_context(self, rng: np.random.Generator, n_rows: int) -> np.ndarray:
        context = rng.normal(size=(n_rows, self.n_features))
        for column, cardinality in self.mab.categorical_features.items():
            context[:, column] = rng.integers(0, cardinality, n_rows)
        return context

    def _truth(self, reward_fn: RewardFunction, context: np.ndarray) -> np.ndarray:
        probs = _world_outputs(reward_fn, context)
        ids = list(self.mab.actions)
        if not isinstance(probs, Mapping) or set(probs) != set(ids):
            got = sorted(probs) if isinstance(probs, Mapping) else type(probs).__name__
            raise ValueError(f"reward_fn: expected a mapping with the expected rewards of the actions {ids}, got {got}")
        truth = np.stack([np.asarray(probs[a], dtype=float) for a in ids], axis=1)
        expected = (len(context), len(ids)) + (() if self.mab.n_objectives is None else (self.mab.n_objectives,))
        family = self.mab.family
        if truth.shape != expected or not np.all(np.isfinite(truth)) or family.invalid_rewards(truth).any():
            raise ValueError(
                f"reward_fn: expected {family.expected_kind} per action and row, shape {expected}, "
                f"got shape {truth.shape}"
            )
        return truth

    def _quantity_round(self, reward_fn: RewardFunction, context: np.ndarray, world: np.random.Generator) -> dict:
        """One round of a world with quantitative actions or prices: predict, reward, update; its record."""
        seen = context[:, : self.mab.input_dim]
        outputs = _world_outputs(reward_fn, context)
        ids = list(self.mab.actions)
        if not isinstance(outputs, Mapping) or set(outputs) != set(ids):
            got = sorted(outputs) if isinstance(outputs, Mapping) else type(outputs).__name__
            raise ValueError(f"reward_fn: expected a mapping with the expected rewards of the actions {ids}, got {got}")
        best, means = self._world.summary(outputs, len(context))
        choices, _, _ = self.mab.predict(context=seen)
        played, quantities = split_choices(choices)
        expected, prices = self._world.played(outputs, played, quantities)
        rewards = self.mab.family.simulate(expected, world, self.noise_sd)
        self.mab.update(actions=choices, rewards=rewards, context=seen, progressbar=False)
        random_regret = best.max(axis=1) - means.mean(axis=1)
        return {
            **played_columns(played, quantities, prices, bool(self.mab.quantity_dimensions)),
            **reward_columns(rewards),
            **value_columns(expected, prices, best, random_regret, ids),
        }

    def run(self) -> SimulationResult:
        """Play ``n_updates`` rounds; return the per-decision data and a summary.

        The bandit learns in place. A run that fails (a world that raises or gives bad values in some
        round, an interruption) leaves the bandit as it was before the run, random generator included.
        """
        with self.mab._unchanged_on_failure():
            return self._play()

    def _play(self) -> SimulationResult:
        world = reseed(self.mab, self.random_seed)
        quantity_world = uses_quantity_world(self.mab)
        ids = list(self.mab.actions)
        reward_fn = self.reward_fn  # a world drawn here is this run's own: the next run draws another
        if reward_fn is None:
            reward_fn = DEFAULT_WORLDS[self.mab.family.name].random(
                ids, self.n_features, world, self.mab.n_objectives, categorical=self.mab.categorical_features
            )
        records = []
        with progress_bar(self.n_updates, "simulating", self.progressbar) as bar:
            for round_index in range(self.n_updates):
                context = np.asarray(self.context_generator(world, self.batch_size), dtype=float)
                if context.shape != (self.batch_size, self.n_features):
                    raise ValueError(
                        f"context_generator: expected an array of shape ({self.batch_size}, {self.n_features}), "
                        f"got {context.shape}"
                    )
                features = {f"x{j}": context[:, j] for j in range(self.n_features)}
                if quantity_world:
                    round_record = self._quantity_round(reward_fn, context, world)
                    records.append({"round": np.full(self.batch_size, round_index), **features, **round_record})
                    bar.advance()
                    continue
                seen = context[:, : self.mab.input_dim]
                truth = self._truth(reward_fn, context)
                actions, _, _ = self.mab.predict(context=seen)
                chosen = np.array([ids.index(a) for a in actions])
                chosen_truth = truth[np.arange(self.batch_size), chosen]
                rewards = self.mab.family.simulate(chosen_truth, world, self.noise_sd)
                self.mab.update(actions=actions, rewards=rewards, context=seen, progressbar=False)  # ours instead
                records.append(
                    {
                        "round": np.full(self.batch_size, round_index),
                        **features,
                        "action": np.array(actions, dtype=object),
                        **reward_columns(rewards),
                        **expected_columns(ids, truth),
                        "regret": pareto_regret(truth, chosen),
                        "random_regret": random_policy_regret(truth),
                    }
                )
                bar.advance()
        test_context = np.asarray(self.context_generator(world, 200), dtype=float)
        return build_result(
            records,
            self.mab,
            {"reward_fn": reward_fn, "test_context": test_context, "n_features": self.n_features},
        )
