"""Drifting worlds: piecewise-stationary Bernoulli bandits (Besson & Kaufmann 2019) and their regret.

Worlds (3 actions, 5,000 steps, one decision and one 0/1 reward per step)
-------------------------------------------------------------------------
Pb1         changes at 1000/2000/3000/4000: [.3,.5,.9] -> [.3,.2,.9] -> [.3,.2,.1] -> [.7,.2,.1] -> [.7,.5,.1]
Pb2         same times: [.4,.5,.9] -> [.5,.4,.7] -> [.6,.3,.5] -> [.7,.2,.3] -> [.8,.1,.1]
Pb4         changes at 2500/3125/3750/4375: [.1,.5,.9] -> [.3,.4,.1] -> [.5,.3,.2] -> [.7,.4,.3] -> [.1,.5,.2]
stationary  [.3,.5,.9] for 5,000 steps

Streams and regret
------------------
Run ``r`` of a world with seed ``s`` draws its rewards from ``numpy.random.default_rng([s, r])``: the
reward of action ``a`` at step ``t`` is ``u[t, a] < mean[t, a]`` for uniforms ``u`` drawn once, so every
policy faces the very same reward tables. Regret is the expected (pseudo-)regret
``sum_t max_a mean[t, a] - mean[t, chosen_t]``, averaged over the runs with its standard error.

Policies
--------
:func:`play` takes a ``make_policy(run)`` callable returning an object with ``predict() -> action``
(an index 0, 1 or 2) and ``update(action, reward)``: plug any bandit in with a small adapter (see
:class:`LibraryAdapter`). :func:`play_vectorised` runs the numpy prototypes of ``drift_policies``
(all runs at once). Both return a :class:`Result`. The reference rows are the prototypes with the
settings the study chose (``drift_study.py``; figures in the issue 26 note):

- Thompson sampling, Beta(1, 1) priors;
- discounted Thompson sampling, ``gamma = 0.995`` per row, every action (200 runs, seed 1:
  156.2 ± 0.8 / 133.3 ± 1.0 / 226.4 ± 1.3 / 72.9 ± 0.6 on Pb1 / Pb2 / Pb4 / stationary);
- Thompson sampling with change detection: :func:`pybandits.model.changepoint.bernoulli_glr` at
  ``delta = 0.05`` on each action's rows since its restart (the last 1,000 in memory), tested after
  every update, local restart from Beta(1, 1) refitted on the rows after the change, no forced
  exploration (200 runs: 27.6 ± 0.7 / 53.2 ± 1.9 / 101.2 ± 3.6 / 7.8 ± 0.2, no false alarm).

``--gaussian`` adds Gaussian versions of the worlds (means times 2, noise N(0, 1)) with
Normal-inverse-gamma Thompson sampling, alone and with
:func:`pybandits.model.changepoint.gaussian_glr` (noise standard deviation estimated from the rows
since the restart).

GLR-klUCB, SMPyBandits 0.9.7 (Python 3.10, numpy 1.24.4, scipy 1.11.4), on these very streams (50
runs, seed 0): ``BernoulliGLR_IndexPolicy_WithDeterministicExploration(3, policy=klUCB_forGLR,
per_arm_restart=True, delta=1/sqrt(3*4*5000), alpha0=0.05*sqrt(3*4*log(5000)/5000),
lazy_detect_change_only_x_steps=10, lazy_try_value_s_only_x_steps=10, use_localization=True)``,
the arguments of SMPyBandits' ``configuration_nonstationary.py`` for the local-restart GLR-klUCB
(Upsilon_T = 4 change points; no ``horizon`` nor ``max_nb_random_events``, which would set
delta to about 3.2): see :data:`GLR_KLUCB`.

Run ``python benchmarks/bench_drift.py`` (every world, 50 runs), ``--quick`` (10 runs), or e.g.
``--worlds Pb1 stationary --runs 100``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from drift_policies import DiscountedThompson, GaussianGLRThompson, GaussianThompson, GLRThompson, Thompson

HORIZON = 5000


@dataclass(frozen=True)
class World:
    """Means of every action, constant between change times."""

    name: str
    change_times: tuple[int, ...]
    means: tuple[tuple[float, ...], ...]  # one row per segment
    horizon: int = HORIZON
    noise: float | None = None  # None: 0/1 rewards; a number: Gaussian rewards of that standard deviation

    @property
    def n_actions(self) -> int:
        return len(self.means[0])

    def mean_table(self) -> np.ndarray:
        """``(horizon, n_actions)``: the mean reward of every action at every step."""
        segment = np.searchsorted(np.asarray(self.change_times), np.arange(self.horizon), side="right")
        return np.asarray(self.means, dtype=float)[segment]

    def rewards(self, n_runs: int, seed: int = 0) -> np.ndarray:
        """``(n_runs, horizon, n_actions)`` rewards; run ``r`` from ``default_rng([seed, r])``."""
        table = self.mean_table()
        if self.noise is not None:
            return np.stack(
                [
                    table + self.noise * np.random.default_rng([seed, run]).normal(size=table.shape)
                    for run in range(n_runs)
                ]
            )
        return np.stack(
            [np.random.default_rng([seed, run]).random(table.shape) < table for run in range(n_runs)]
        ).astype(np.int64)

    def scaled(self, name: str, factor: float, noise: float) -> World:
        """The same changes with every mean times ``factor`` and Gaussian noise of sd ``noise``."""
        means = tuple(tuple(factor * m for m in row) for row in self.means)
        return World(name, self.change_times, means, self.horizon, noise)


PB1 = World(
    "Pb1",
    (1000, 2000, 3000, 4000),
    ((0.3, 0.5, 0.9), (0.3, 0.2, 0.9), (0.3, 0.2, 0.1), (0.7, 0.2, 0.1), (0.7, 0.5, 0.1)),
)
PB2 = World(
    "Pb2",
    (1000, 2000, 3000, 4000),
    ((0.4, 0.5, 0.9), (0.5, 0.4, 0.7), (0.6, 0.3, 0.5), (0.7, 0.2, 0.3), (0.8, 0.1, 0.1)),
)
PB4 = World(
    "Pb4",
    (2500, 3125, 3750, 4375),
    ((0.1, 0.5, 0.9), (0.3, 0.4, 0.1), (0.5, 0.3, 0.2), (0.7, 0.4, 0.3), (0.1, 0.5, 0.2)),
)
STATIONARY = World("stationary", (), ((0.3, 0.5, 0.9),))
WORLDS = {world.name: world for world in (PB1, PB2, PB4, STATIONARY)}
#: Gaussian versions: means times 2, noise N(0, 1) (a change of 0.2 in a Bernoulli mean near 0.5 and
#: a change of 0.4 here are as many noise standard deviations).
GAUSSIAN_WORLDS = {w.name: w for w in (world.scaled(f"G{world.name}", 2.0, 1.0) for world in WORLDS.values())}

#: GLR-klUCB (SMPyBandits 0.9.7, arguments in the module notes), 50 runs of these streams, seed 0:
#: world -> (mean regret, standard error, mean number of restarts per run); measured with
#: ``drift_smpybandits.py``. Its stationary regret is its forced exploration's price.
GLR_KLUCB: dict[str, tuple[float, float, float]] = {
    "Pb1": (68.8, 1.3, 2.6),
    "Pb2": (94.5, 1.7, 3.2),
    "Pb4": (87.4, 1.7, 3.9),
    "stationary": (32.0, 0.9, 0.0),
}


@dataclass
class Result:
    """Regret of a policy on a world: one entry per run."""

    policy: str
    world: str
    regret: np.ndarray  # (n_runs,) cumulative expected regret at the horizon
    restarts: np.ndarray  # (n_runs,) changes detected (0 for policies without detection)
    curve: np.ndarray  # (horizon,) mean cumulative regret over the runs
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return float(self.regret.mean())

    @property
    def standard_error(self) -> float:
        return float(self.regret.std(ddof=1) / math.sqrt(len(self.regret))) if len(self.regret) > 1 else 0.0

    def cell(self) -> str:
        return f"{self.mean:6.1f} ± {self.standard_error:4.1f}"


class Policy(Protocol):
    def predict(self) -> int: ...

    def update(self, action: int, reward: int) -> None: ...


def _result(name: str, world: World, chosen: np.ndarray, restarts: np.ndarray, seconds: float) -> Result:
    table = world.mean_table()
    steps = np.arange(world.horizon)
    per_step = table.max(axis=1)[None, :] - table[steps[None, :], chosen]  # (n_runs, horizon)
    cumulative = per_step.cumsum(axis=1)
    return Result(name, world.name, cumulative[:, -1], restarts, cumulative.mean(axis=0), seconds)


def play(world: World, make_policy: Callable[[int], Policy], n_runs: int = 50, seed: int = 0, name: str = "") -> Result:
    """Play ``make_policy(run)`` on every run, one ``predict`` and one ``update`` per step.

    A policy may expose ``n_restarts`` (changes it detected), reported in :attr:`Result.restarts`.
    """
    rewards = world.rewards(n_runs, seed)
    chosen = np.zeros((n_runs, world.horizon), dtype=np.int64)
    restarts = np.zeros(n_runs, dtype=int)
    start = time.perf_counter()
    for run in range(n_runs):
        policy = make_policy(run)
        for step in range(world.horizon):
            action = int(policy.predict())
            chosen[run, step] = action
            policy.update(action, int(rewards[run, step, action]))
        restarts[run] = int(getattr(policy, "n_restarts", 0))
    return _result(name or type(policy).__name__, world, chosen, restarts, time.perf_counter() - start)


def play_vectorised(world: World, make: Callable[[int, int], object], n_runs: int = 50, seed: int = 0) -> Result:
    """Play a vectorised prototype ``make(n_runs, n_actions)`` of ``drift_policies`` on all runs at once."""
    rewards = world.rewards(n_runs, seed)
    policy = make(n_runs, world.n_actions)
    rng = np.random.default_rng([seed, 10**6])
    runs = np.arange(n_runs)
    chosen = np.zeros((n_runs, world.horizon), dtype=np.int64)
    start = time.perf_counter()
    for step in range(world.horizon):
        actions = policy.select(rng)
        chosen[:, step] = actions
        policy.update(actions, rewards[runs, step, actions])
    result = _result(policy.name, world, chosen, policy.n_restarts.copy(), time.perf_counter() - start)
    result.extra["policy"] = policy
    return result


class LibraryAdapter:
    """``predict``/``update`` of one row on a pybandits stochastic bandit whose actions are "0", "1", "2".

    Examples
    --------
    ``play(PB1, lambda run: LibraryAdapter(SmabBernoulli.cold_start(action_ids={"0", "1", "2"},
    random_seed=run)))``
    """

    def __init__(self, bandit) -> None:
        self.bandit = bandit

    def predict(self) -> int:
        actions, _ = self.bandit.predict(n_samples=1)
        return int(actions[0])

    def update(self, action: int, reward: int) -> None:
        self.bandit.update(actions=[str(action)], rewards=[reward])

    @property
    def n_restarts(self) -> int:
        detector = getattr(self.bandit, "change_detection", None)
        return 0 if detector is None else detector.n_changes


def _library(**settings) -> Callable[[int], LibraryAdapter]:
    from pybandits.smab import SmabBernoulli

    return lambda run: LibraryAdapter(SmabBernoulli.cold_start(action_ids=["0", "1", "2"], random_seed=run, **settings))


#: This library's bandits on the same streams: name -> make_policy(run).
LIBRARY: dict[str, Callable[[int], LibraryAdapter]] = {
    "pybandits SmabBernoulli": _library(),
    "pybandits decay_factor=0.995": _library(decay_factor=0.995),
    "pybandits change_detection=True": _library(change_detection=True),
}


#: The issue's targets: world -> (forgetting, change detection); change detection on the stationary
#: world: at most 1.2 times Thompson sampling's regret.
TARGETS = {"Pb1": (200.0, 60.0), "Pb2": (200.0, 75.0), "Pb4": (230.0, 110.0)}

#: Reference prototypes (the recommended settings): name -> make(n_runs, n_actions).
REFERENCE: dict[str, Callable[[int, int], object]] = {
    "TS": lambda r, k: Thompson(r, k),
    "discounted TS, gamma=0.995": lambda r, k: DiscountedThompson(r, k, gamma=0.995),
    "TS + GLR, delta=0.05, W=1000": lambda r, k: GLRThompson(r, k, HORIZON, delta=0.05, window=1000, test="combined"),
}
GAUSSIAN_REFERENCE: dict[str, Callable[[int, int], object]] = {
    "Gaussian TS (NIG)": lambda r, k: GaussianThompson(r, k),
    "Gaussian TS + GLR, sigma estimated, delta=0.05": lambda r, k: GaussianGLRThompson(r, k, HORIZON, delta=0.05),
}


def table(results: Sequence[Result]) -> str:
    """A text table: one row per policy, one column per world (mean ± s.e., restarts per run)."""
    worlds = list(dict.fromkeys(r.world for r in results))
    policies = list(dict.fromkeys(r.policy for r in results))
    cells = {(r.policy, r.world): r for r in results}
    width = max(len(p) for p in policies)
    lines = [f"{'policy':<{width}}  " + "  ".join(f"{w:>24}" for w in worlds)]
    for policy in policies:
        row = []
        for world in worlds:
            result = cells.get((policy, world))
            row.append(f"{result.cell()} ({result.restarts.mean():4.1f})" if result else " " * 24)
        lines.append(f"{policy:<{width}}  " + "  ".join(f"{c:>24}" for c in row))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worlds", nargs="+", choices=list(WORLDS), default=list(WORLDS))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="10 runs")
    parser.add_argument("--gaussian", action="store_true", help="also the Gaussian worlds")
    parser.add_argument("--library", action="store_true", help="also this library's bandits (about 0.5 ms a step)")
    args = parser.parse_args(argv)
    n_runs = 10 if args.quick else args.runs
    print(
        f"\n## Drifting worlds: cumulative expected regret over {HORIZON} steps, mean ± s.e. over {n_runs} runs "
        "(changes detected per run)"
    )
    results = []
    for name, make in REFERENCE.items():
        for w in args.worlds:
            result = play_vectorised(WORLDS[w], make, n_runs, args.seed)
            result.policy = name
            results.append(result)
    if args.library:
        for name, make_policy in LIBRARY.items():
            for w in args.worlds:
                results.append(play(WORLDS[w], make_policy, n_runs, args.seed, name=name))
    print(table(results))
    targets = [f"{TARGETS[w][0]:.0f} / {TARGETS[w][1]:.0f}" if w in TARGETS else "1.2x TS" for w in args.worlds]
    print(
        "targets (forgetting / change detection): "
        + ", ".join(f"{w} {t}" for w, t in zip(args.worlds, targets, strict=True))
    )
    if GLR_KLUCB:
        cells = "  ".join(
            f"{GLR_KLUCB[w][0]:6.1f} ± {GLR_KLUCB[w][1]:4.1f} ({GLR_KLUCB[w][2]:4.1f})" for w in args.worlds
        )
        print(f"GLR-klUCB (SMPyBandits 0.9.7, 50 runs, seed 0): {cells}")
    if args.gaussian:
        gaussian = []
        for name, make in GAUSSIAN_REFERENCE.items():
            for world in GAUSSIAN_WORLDS.values():
                result = play_vectorised(world, make, n_runs, args.seed)
                result.policy = name
                gaussian.append(result)
        print("\nGaussian rewards: the same changes, means times 2, noise N(0, 1)")
        print(table(gaussian))


def run() -> None:
    main(["--gaussian", "--library", "--runs", "20"])


if __name__ == "__main__":
    main(sys.argv[1:])
