"""Learning where structure is shared: the wheel bandit and categories whose levels share hidden types.

Every world is a context matrix, a matrix of true mean rewards ``(n_rows, n_actions)`` and the
reward each action would pay on each row (drawn once per world, so every policy faces the same
draws). Rows are played in batches: a policy chooses an action per row of a batch, sees the rewards
of its choices and learns from them before the next batch. The regret ratio is the run's cumulative
expected regret (best mean minus the chosen action's mean) over a uniform random policy's on the
same rows: 1 is random, 0 always plays the best action.

Wheel bandit (Riquelme, Tucker & Snoek, 2018)
    Contexts uniform in the unit disc, 5 actions. Action 4 pays N(1.2, 0.01^2) everywhere; actions
    0-3 pay N(1.0, 0.01^2) except the one of the context's quadrant, which pays N(50, 0.01^2) when
    ``||x|| > delta``. 2,000 rows in batches of 100. Peers: linear Thompson sampling of MABWiser
    (``LearningPolicy.LinTS(alpha=1)``, ``pip install ".[bench]"``), first batch played uniformly.

Hidden types
    One numeric feature ``x ~ N(0, 1)`` and one categorical column of 50 levels drawn with Zipf-like
    frequencies (level ``k`` with probability proportional to ``1 / (k + 1)``). Every level belongs
    to one of 5 hidden types (level ``k`` to type ``k % 5``); a type's logit for action ``a`` is
    ``alpha[t, a] + beta[t, a] * x`` (``alpha``, ``beta`` drawn N(0, 1.5^2) per world), so each type
    has its own best action depending on ``x``. 3 actions, 10 batches of 200, Bernoulli rewards.
    The rare-level figure is the regret ratio on rows whose level appears fewer than 20 times in
    the run.

Run ``python benchmarks/bench_structure.py`` (everything), or one part with ``--wheel``, ``--types``,
``--compile`` or ``--nuts`` (NUTS's cost per network shape: ``bench_nuts.py --cost``); or
``python benchmarks/run.py structure``. The first fits in a fresh PyTensor cache compile for tens of
seconds; every wheel policy is warmed up on one untimed batch first, and the first updates of a new
bandit are measured in a new process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

WHEEL_ROWS, WHEEL_BATCH, WHEEL_DELTAS = 2_000, 100, (0.5, 0.7, 0.9)
N_LEVELS, N_TYPES, TYPE_ACTIONS, TYPE_BATCH, TYPE_BATCHES, RARE = 50, 5, 3, 200, 10, 20


@dataclass(frozen=True)
class World:
    """Rows to play: contexts, true mean rewards and the reward every action would pay."""

    context: np.ndarray  # (n_rows, n_features), as the bandit reads it
    means: np.ndarray  # (n_rows, n_actions)
    rewards: np.ndarray  # (n_rows, n_actions)
    batch_size: int
    rare: np.ndarray | None = None  # rows whose level is rare (hidden-types world)

    @property
    def action_ids(self) -> list[str]:
        return [f"a{a}" for a in range(self.means.shape[1])]


def wheel_world(delta: float, seed: int) -> World:
    rng = np.random.default_rng(1000 + seed)
    radius, angle = np.sqrt(rng.random(WHEEL_ROWS)), rng.random(WHEEL_ROWS) * 2 * np.pi
    context = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    means = np.ones((WHEEL_ROWS, 5))
    means[:, 4] = 1.2
    right, up = context[:, 0] >= 0, context[:, 1] >= 0
    quadrant = np.where(right, np.where(up, 0, 3), np.where(up, 1, 2))
    far = np.flatnonzero(radius > delta)
    means[far, quadrant[far]] = 50.0
    rewards = means + rng.normal(scale=0.01, size=means.shape)
    return World(context, means, rewards, WHEEL_BATCH)


def types_world(seed: int) -> tuple[World, np.ndarray]:
    """The hidden-types world, and its levels (the context's second column)."""
    rng = np.random.default_rng(2000 + seed)
    alpha = rng.normal(scale=1.5, size=(N_TYPES, TYPE_ACTIONS))
    beta = rng.normal(scale=1.5, size=(N_TYPES, TYPE_ACTIONS))
    n_rows = TYPE_BATCH * TYPE_BATCHES
    frequency = 1.0 / np.arange(1, N_LEVELS + 1)
    levels = rng.choice(N_LEVELS, size=n_rows, p=frequency / frequency.sum())
    x = rng.normal(size=n_rows)
    kind = levels % N_TYPES
    means = 1.0 / (1.0 + np.exp(-(alpha[kind] + beta[kind] * x[:, None])))
    rewards = (rng.random(means.shape) < means).astype(float)
    counts = np.bincount(levels, minlength=N_LEVELS)
    world = World(np.column_stack([x, levels]), means, rewards, TYPE_BATCH, rare=counts[levels] < RARE)
    return world, levels


def one_hot(world: World) -> World:
    """The world with its level column replaced by 50 indicator columns."""
    levels = world.context[:, 1].astype(int)
    context = np.column_stack([world.context[:, :1], np.eye(N_LEVELS)[levels]])
    return World(context, world.means, world.rewards, world.batch_size, world.rare)


# -- policies ----------------------------------------------------------------------------------------


class Ours:
    """A pybandits bandit played through ``predict`` and ``update``."""

    def __init__(self, mab) -> None:
        self.mab = mab

    def choose(self, context: np.ndarray) -> np.ndarray:
        actions, _, _ = self.mab.predict(context=context)
        return np.array([int(a[1:]) for a in actions])

    def learn(self, chosen: np.ndarray, rewards: np.ndarray, context: np.ndarray) -> None:
        self.mab.update(actions=[f"a{c}" for c in chosen], rewards=rewards, context=context)


class LinTS:
    """MABWiser's linear Thompson sampling; its first batch is played uniformly."""

    def __init__(self, n_actions: int, seed: int, alpha: float = 1.0) -> None:
        from mabwiser.mab import MAB, LearningPolicy

        self.mab = MAB(arms=list(range(n_actions)), learning_policy=LearningPolicy.LinTS(alpha=alpha), seed=seed)
        self.rng, self.n_actions, self.fitted = np.random.default_rng(seed), n_actions, False

    def choose(self, context: np.ndarray) -> np.ndarray:
        if not self.fitted:
            return self.rng.integers(0, self.n_actions, len(context))
        return np.asarray(self.mab.predict(context), dtype=int).reshape(-1)

    def learn(self, chosen: np.ndarray, rewards: np.ndarray, context: np.ndarray) -> None:
        (self.mab.partial_fit if self.fitted else self.mab.fit)(chosen, rewards, context)
        self.fitted = True


@dataclass
class Run:
    regret_ratio: float
    rare_ratio: float | None
    update_seconds: list[float]


def play(policy, world: World) -> Run:
    rows = np.arange(len(world.context))
    best = world.means.max(axis=1)
    chosen_means = np.empty(len(rows))
    update_seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for first in range(0, len(rows), world.batch_size):
            batch = rows[first : first + world.batch_size]
            chosen = policy.choose(world.context[batch])
            chosen_means[batch] = world.means[batch, chosen]
            start = time.perf_counter()
            policy.learn(chosen, world.rewards[batch, chosen], world.context[batch])
            update_seconds.append(time.perf_counter() - start)
    regret, uniform = best - chosen_means, best - world.means.mean(axis=1)
    rare = None if world.rare is None else float(regret[world.rare].sum() / uniform[world.rare].sum())
    return Run(float(regret.sum() / uniform.sum()), rare, update_seconds)


def _gaussian(**settings) -> Callable[[int], Ours]:
    def make(seed: int) -> Ours:
        from pybandits.cmab import CmabGaussian

        ids = [f"a{a}" for a in range(5)]
        return Ours(CmabGaussian.cold_start(action_ids=ids, n_features=2, random_seed=seed, **settings))

    return make


#: Wheel policies: label -> make(seed).
WHEEL_POLICIES: dict[str, Callable[[int], object]] = {
    "LinTS (MABWiser, alpha 1)": lambda seed: LinTS(5, seed),
    "ours, no hidden layer": _gaussian(hidden_dim_list=None),
    "ours, [32] per action": _gaussian(hidden_dim_list=[32]),
    "ours, [32], no warm-up": _gaussian(hidden_dim_list=[32], update_kwargs={"warmup_steps": 0}),
    "ours, trunk [32]": _gaussian(backbone_hidden_dim_list=[32]),
}


def wheel(seeds: Sequence[int] = (0, 1), policies: Sequence[str] | None = None) -> dict[str, dict[float, float]]:
    """Print the wheel table (mean regret ratio over ``seeds`` per delta, each seed's after it) and return it."""
    names = list(policies or WHEEL_POLICIES)
    print(f"\n## Wheel bandit: 2,000 rows in batches of 100, regret / uniform, mean (per seed) of seeds {list(seeds)}")
    print(f"{'policy':<28}" + "".join(f"  {f'delta {d}':<20}" for d in WHEEL_DELTAS) + "  median update s")
    table: dict[str, dict[float, float]] = {}
    for name in names:
        make = WHEEL_POLICIES[name]
        first = wheel_world(0.5, 99)
        play(make(99), World(first.context[:100], first.means[:100], first.rewards[:100], 100))  # compiles
        cells, seconds, text = {}, [], ""
        for delta in WHEEL_DELTAS:
            runs = [play(make(seed), wheel_world(delta, seed)) for seed in seeds]
            cells[delta] = statistics.mean(r.regret_ratio for r in runs)
            seconds += [s for r in runs for s in r.update_seconds]
            each = "/".join(f"{r.regret_ratio:.2f}" for r in runs)
            text += f"  {f'{cells[delta]:.3f} ({each})':<20}"
        table[name] = cells
        print(f"{name:<28}{text}  {statistics.median(seconds):8.3f}", flush=True)
    return table


# -- hidden types ------------------------------------------------------------------------------------


def _bernoulli(**settings) -> Callable[[int], Ours]:
    def make(seed: int) -> Ours:
        from pybandits.cmab import CmabBernoulli

        ids = [f"a{a}" for a in range(TYPE_ACTIONS)]
        return Ours(CmabBernoulli.cold_start(action_ids=ids, random_seed=seed, **settings))

    return make


#: Hidden-types policies: label -> (make(seed), whether it reads one-hot columns).
TYPE_POLICIES: dict[str, tuple[Callable[[int], object], bool]] = {
    "logistic per action, one-hot": (_bernoulli(n_features=1 + N_LEVELS), True),
    "embedding per action": (_bernoulli(n_features=2, categorical_features={1: N_LEVELS}), False),
    "trunk [32] + embedding": (
        _bernoulli(n_features=2, categorical_features={1: N_LEVELS}, backbone_hidden_dim_list=[32]),
        False,
    ),
}
#: Variants of the trunk measured beside it (not in the first-updates figure).
TRUNK_VARIANTS: dict[str, tuple[Callable[[int], object], bool]] = {
    f"  {label}": (
        _bernoulli(
            n_features=2, categorical_features={1: N_LEVELS}, backbone_hidden_dim_list=[32], backbone_kwargs=kwargs
        ),
        False,
    )
    for label, kwargs in (
        ("weight decay on the table", {"embedding_sigma": None}),
        ("weight_decay=0.003", {"weight_decay": 0.003}),
    )
}


def hidden_types(seeds: Sequence[int] = (0, 1, 2, 3, 4, 5)) -> dict[str, tuple[float, float]]:
    """Print the hidden-types table (regret ratio, on rare levels too) and return it."""
    print(
        f"\n## Hidden types: {N_LEVELS} levels (Zipf-like) in {N_TYPES} types, {TYPE_ACTIONS} actions, "
        f"{TYPE_BATCHES} x {TYPE_BATCH}, regret / uniform, mean of seeds {list(seeds)}"
    )
    print(f"{'policy':<32}  {'all rows':>8}  {'rare levels':>11}  median update s")
    table: dict[str, tuple[float, float]] = {}
    for name, (make, encoded) in {**TYPE_POLICIES, **TRUNK_VARIANTS}.items():
        runs = []
        for seed in seeds:
            world, _ = types_world(seed)
            runs.append(play(make(seed), one_hot(world) if encoded else world))
        table[name] = (statistics.mean(r.regret_ratio for r in runs), statistics.mean(r.rare_ratio for r in runs))
        median = statistics.median(s for r in runs for s in r.update_seconds)
        print(f"{name:<32}  {table[name][0]:8.3f}  {table[name][1]:11.3f}  {median:8.3f}", flush=True)
    trunk, base = table["trunk [32] + embedding"], table["logistic per action, one-hot"]
    print(f"trunk / one-hot: {trunk[0] / base[0]:.2f}x on all rows, {trunk[1] / base[1]:.2f}x on rare levels")
    return table


def _update_seconds_of_a_new_bandit(name: str) -> list[float]:
    """The update times of a new ``name`` bandit playing the hidden-types world twice over (20 batches)."""
    make, encoded = TYPE_POLICIES[name]
    world, _ = types_world(7)
    world = one_hot(world) if encoded else world
    long = World(*(np.concatenate([getattr(world, f)] * 2) for f in ("context", "means", "rewards")), TYPE_BATCH)
    return play(make(7), long).update_seconds


def first_updates(n_updates: int = 12) -> None:
    """The first updates of a new bandit in a new process: does a batch's shape compile again?

    Each policy runs in its own Python process (what a notebook or a retraining job starts with;
    compiled C code is reused from the PyTensor cache on disk). The steady update is the median of
    the last 8 of 20.
    """
    print(f"\n## Hidden types: the first {n_updates} updates of a new bandit in a new process (seconds)")
    for name in TYPE_POLICIES:
        command = [sys.executable, __file__, "--seconds-of", name]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        seconds = json.loads(output.strip().splitlines()[-1])
        steady = statistics.median(seconds[-8:])
        print(
            f"{name:<32}  " + " ".join(f"{s:.2f}" for s in seconds[:n_updates]) + f"   steady {steady:.3f} s; "
            f"slowest after the first {max(seconds[1:]):.3f} s = {max(seconds[1:]) / steady:.1f}x steady",
            flush=True,
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", action="store_true")
    parser.add_argument("--types", action="store_true")
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--nuts", action="store_true", help="NUTS's cost per network shape (bench_nuts.py --cost)")
    parser.add_argument("--policies", nargs="+", choices=list(WHEEL_POLICIES), default=None)
    parser.add_argument("--seconds-of", choices=list(TYPE_POLICIES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seconds_of:
        print(json.dumps(_update_seconds_of_a_new_bandit(args.seconds_of)))
        return
    every = not (args.wheel or args.types or args.compile or args.nuts)
    if every or args.wheel:
        wheel(policies=args.policies)
    if every or args.types:
        hidden_types()
    if every or args.compile:
        first_updates()
    if every or args.nuts:
        import bench_nuts

        bench_nuts.cost_table()


if __name__ == "__main__":
    main(sys.argv[1:])
