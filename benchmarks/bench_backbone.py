"""Contextual bandits on classification data played as a bandit, and on a shared-feature synthetic world.

Every *world* is a context matrix ``X`` of shape ``(n_rows, n_features)`` and a matrix ``P`` of shape
``(n_rows, n_actions)`` of true success probabilities: playing action ``a`` on row ``i`` earns a
Bernoulli(``P[i, a]``) reward. The rows are played in order, in batches of 100: the bandit chooses an
action for every row of a batch (``predict_arrays``), sees the rewards of the actions it chose, and is
updated on the batch before it sees the next one.

Worlds
------
digits, wine, iris, breast_cancer
    The scikit-learn classification sets (10, 3, 3 and 2 classes). Constant columns are dropped
    (digits keeps 61 of its 64 pixels) and every feature is standardised to mean 0 and sd 1 over the
    whole set. Each class is an action whose reward is 1 when it is the row's class and 0 otherwise
    (``P`` is one-hot, so rewards are deterministic). The rows played are drawn with replacement from
    the set: 3,600 for digits, 2,000 for the three small sets.
synthetic
    20 features ``x ~ N(0, I)``, 10 actions whose logits are ``3 * tanh(x @ U) @ V[:, a] / sqrt(k)``:
    one ``U`` (20 x k, k = 3, entries N(0, 1) / sqrt(20)) shared by every action and ``V`` (k x 10,
    entries N(0, 1)). Every action's reward is a different read-out of the same 3 non-linear features,
    the case a representation shared by the actions is meant for. 3,600 rows.

The world of seed ``s`` (its rows, ``U`` and ``V``, the uniforms that decide the rewards) comes from
its own generator seeded ``1000 + s``; the bandit gets ``random_seed=s``. Every policy therefore
faces the same rows and the same reward draws for a given seed.

Regret ratio
------------
The expected regret of a row is ``max(P[i]) - P[i, chosen]``; the regret ratio is the run's cumulative
expected regret divided by that of a uniform random policy on the same rows, computed exactly as
``sum_i (max(P[i]) - mean(P[i]))``. 1 is no better than random, 0 is always the best action; on a
one-hot world it is the error rate divided by random's ``1 - 1 / n_classes``.

Policies are callables ``make(n_features, action_ids, seed) -> bandit`` listed in :data:`POLICIES`.

Timing: before a policy's runs on a world, one untimed update with every action played on the
first batch compiles its main fitting graph (tens of seconds in a fresh PyTensor cache). An update
fits the played actions in groups of similar row counts, one compiled graph per group size, so a
few more graphs (one to a few seconds each) still compile inside the timed runs, mostly in the
first seed's: the table gives the mean update time, which includes them, and the median, which
is the steady-state cost of an update.

Run ``python benchmarks/bench_backbone.py`` (every world, seeds 0 1 2, every policy), e.g.
``--worlds digits synthetic --seeds 0 --policies logreg``, or ``--speed`` for update and prediction
speed. scikit-learn is needed for the classification worlds only (``pip install scikit-learn``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

BATCH_SIZE = 100
#: World name -> (scikit-learn loader name or None for the synthetic world, rows played).
WORLD_ROWS = {
    "digits": ("load_digits", 3_600),
    "wine": ("load_wine", 2_000),
    "iris": ("load_iris", 2_000),
    "breast_cancer": ("load_breast_cancer", 2_000),
    "synthetic": (None, 3_600),
}
SYNTHETIC_FEATURES, SYNTHETIC_ACTIONS, SYNTHETIC_RANK = 20, 10, 3


# -- worlds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """Rows to play: contexts, true success probabilities and the uniforms that decide the rewards."""

    name: str
    context: np.ndarray  # (n_rows, n_features)
    probabilities: np.ndarray  # (n_rows, n_actions)
    uniforms: np.ndarray  # (n_rows, n_actions): reward of action a on row i = uniforms[i, a] < P[i, a]
    batch_size: int = BATCH_SIZE

    @property
    def n_features(self) -> int:
        return self.context.shape[1]

    @property
    def action_ids(self) -> list[str]:
        return [f"c{a}" for a in range(self.probabilities.shape[1])]

    def describe(self) -> str:
        n_rows, n_actions = self.probabilities.shape
        return (
            f"{self.name}: {n_rows:,} rows, {self.n_features} features, {n_actions} actions, "
            f"batches of {self.batch_size}"
        )


def _standardise(features: np.ndarray) -> np.ndarray:
    """Drop the constant columns and scale the others to mean 0 and sd 1."""
    spread = features.std(axis=0)
    kept = features[:, spread > 0]
    return (kept - kept.mean(axis=0)) / kept.std(axis=0)


def classification_world(name: str, seed: int) -> World | None:
    """A scikit-learn classification set played as a bandit, or None (with a message) without scikit-learn."""
    loader_name, n_rows = WORLD_ROWS[name]
    try:
        from sklearn import datasets
    except ImportError:
        print(f"{name}: skipped, scikit-learn is not installed (pip install scikit-learn)")
        return None
    features, labels = getattr(datasets, loader_name)(return_X_y=True)
    features = _standardise(np.asarray(features, dtype=float))
    n_classes = int(labels.max()) + 1
    rng = np.random.default_rng(1000 + seed)
    rows = rng.integers(len(features), size=n_rows)
    probabilities = np.eye(n_classes)[labels[rows]]
    return World(name, features[rows], probabilities, rng.random(probabilities.shape))


def synthetic_world(seed: int, n_rows: int = WORLD_ROWS["synthetic"][1]) -> World:
    """10 actions reading out 3 shared non-linear features of 20 Gaussian ones (see the module notes)."""
    rng = np.random.default_rng(1000 + seed)
    d, k = SYNTHETIC_FEATURES, SYNTHETIC_RANK
    shared = rng.normal(size=(d, k)) / np.sqrt(d)  # U
    readout = rng.normal(size=(k, SYNTHETIC_ACTIONS))  # V
    context = rng.normal(size=(n_rows, d))
    logits = 3.0 * np.tanh(context @ shared) @ readout / np.sqrt(k)
    probabilities = 1.0 / (1.0 + np.exp(-logits))
    return World("synthetic", context, probabilities, rng.random(probabilities.shape))


def make_world(name: str, seed: int) -> World | None:
    return synthetic_world(seed) if name == "synthetic" else classification_world(name, seed)


# -- policies --------------------------------------------------------------------------------------

Policy = Callable[[int, list[str], int], object]


def _logistic(n_features: int, action_ids: list[str], seed: int):
    from pybandits.cmab import CmabBernoulli

    return CmabBernoulli.cold_start(
        action_ids=set(action_ids), n_features=n_features, hidden_dim_list=None, random_seed=seed
    )


def _hidden_32(n_features: int, action_ids: list[str], seed: int):
    from pybandits.cmab import CmabBernoulli

    return CmabBernoulli.cold_start(
        action_ids=set(action_ids), n_features=n_features, hidden_dim_list=[32], random_seed=seed
    )


def _backbone_32(n_features: int, action_ids: list[str], seed: int):
    """A trunk of 32 units shared by every action, each action with its own linear head (the defaults)."""
    from pybandits.cmab import CmabBernoulli

    return CmabBernoulli.cold_start(
        action_ids=set(action_ids), n_features=n_features, backbone_hidden_dim_list=[32], random_seed=seed
    )


#: Name -> (label, make). The baselines are the first two; ``backbone`` is what they are compared with.
POLICIES: dict[str, tuple[str, Policy]] = {
    "logreg": ("logistic regression per action", _logistic),
    "mlp32": ("[32] per action", _hidden_32),
    "backbone": ("backbone [32]", _backbone_32),
}
BASELINES = ("logreg", "mlp32")


# -- playing ---------------------------------------------------------------------------------------


@dataclass
class Run:
    """One policy on one world with one seed."""

    regret: float
    random_regret: float
    update_seconds: list[float]
    total_seconds: float
    warnings: Counter = field(default_factory=Counter)

    @property
    def regret_ratio(self) -> float:
        return self.regret / self.random_regret

    @property
    def mean_update_seconds(self) -> float:
        return float(np.mean(self.update_seconds))

    @property
    def median_update_seconds(self) -> float:
        return float(np.median(self.update_seconds))


def play(mab, world: World) -> Run:
    """Play ``world``'s rows through ``mab`` batch by batch; return its regret, a random policy's, and timings.

    Warnings raised by the bandit (e.g. a pixel constant within one batch) are counted, not shown.
    """
    column_of = {action_id: column for column, action_id in enumerate(world.action_ids)}
    best = world.probabilities.max(axis=1)
    random_regret = float((best - world.probabilities.mean(axis=1)).sum())
    regret = 0.0
    update_seconds = []
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for first in range(0, len(world.context), world.batch_size):
            rows = slice(first, first + world.batch_size)
            context, probabilities, uniforms = world.context[rows], world.probabilities[rows], world.uniforms[rows]
            allowed, chosen, _ = mab.predict_arrays(context)
            columns = np.array([column_of[a] for a in allowed])[chosen]
            index = np.arange(len(context))
            played = probabilities[index, columns]
            rewards = (uniforms[index, columns] < played).astype(int)
            regret += float((best[rows] - played).sum())
            update_start = time.perf_counter()
            mab.update(actions=[allowed[c] for c in chosen], rewards=rewards, context=context)
            update_seconds.append(time.perf_counter() - update_start)
    total = time.perf_counter() - start
    return Run(regret, random_regret, update_seconds, total, Counter(w.category.__name__ for w in caught))


def warm_up(make: Policy, world: World) -> None:
    """Compile ``make``'s fitting graph for ``world`` with one untimed update, every action played."""
    mab = make(world.n_features, world.action_ids, 0)
    context = world.context[: world.batch_size]
    actions = [world.action_ids[i % len(world.action_ids)] for i in range(len(context))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mab.update(actions=actions, rewards=np.arange(len(context)) % 2, context=context)


def _ratio_cells(runs: Sequence[Run]) -> str:
    return "  ".join(f"{r.regret_ratio:7.3f}" for r in runs)


def run_world(name: str, seeds: Sequence[int], policies: Sequence[str]) -> dict[str, list[Run]] | None:
    """Play every policy on world ``name`` for every seed and print its table; None when the world is skipped."""
    worlds = [make_world(name, seed) for seed in seeds]
    if any(w is None for w in worlds):
        return None
    print(f"\n### {worlds[0].describe()}")
    results: dict[str, list[Run]] = {}
    header = "  ".join(f"{f'seed {s}':>7}" for s in seeds)
    print(f"{'policy':<32}  {header}  {'mean':>7}  {'update ms':>9}  {'median ms':>9}  {'total s':>7}  warnings")
    for policy in policies:
        label, make = POLICIES[policy]
        warm_up(make, worlds[0])
        runs = [play(make(w.n_features, w.action_ids, seed), w) for seed, w in zip(seeds, worlds, strict=True)]
        results[policy] = runs
        mean_ratio = statistics.mean(r.regret_ratio for r in runs)
        update_ms = statistics.mean(r.mean_update_seconds for r in runs) * 1e3
        median_ms = statistics.median(s for r in runs for s in r.update_seconds) * 1e3
        total_s = statistics.mean(r.total_seconds for r in runs)
        caught = sum((r.warnings for r in runs), Counter())
        noted = ", ".join(f"{n} x{c}" for n, c in caught.most_common()) or "-"
        print(
            f"{label:<32}  {_ratio_cells(runs)}  {mean_ratio:7.3f}  "
            f"{update_ms:9.1f}  {median_ms:9.1f}  {total_s:7.1f}  {noted}",
            flush=True,
        )
    if "backbone" in results:
        backbone = statistics.mean(r.regret_ratio for r in results["backbone"])
        for baseline in BASELINES:
            if baseline in results:
                other = statistics.mean(r.regret_ratio for r in results[baseline])
                print(f"backbone/{baseline}: {backbone / other:.3f} (mean regret ratios {backbone:.3f} / {other:.3f})")
    return results


# -- speed -----------------------------------------------------------------------------------------


def speed(
    policies: Sequence[str] = tuple(POLICIES),
    n_actions: int = 10,
    n_features: int = 61,
    rows_per_action: int = 100,
    n_predict: int = 10_000,
) -> None:
    """Steady update time (every action given ``rows_per_action`` rows) and ``predict_arrays`` throughput.

    The update time is the median of 5 updates after 2 untimed ones (which compile); prediction is
    timed on learned (Normal) posteriors, median of 7 calls.
    """
    print(
        f"\n### Speed: {n_actions} actions x {rows_per_action} rows per update, {n_features} features; "
        f"predict_arrays on {n_predict:,} rows"
    )
    action_ids = [f"c{a}" for a in range(n_actions)]
    for policy in policies:
        label, make = POLICIES[policy]
        rng = np.random.default_rng(0)
        mab = make(n_features, action_ids, 0)

        def one_update(mab=mab, rng=rng) -> float:
            actions = np.repeat(action_ids, rows_per_action).tolist()
            context = rng.normal(size=(len(actions), n_features))
            rewards = rng.integers(0, 2, size=len(actions))
            start = time.perf_counter()
            mab.update(actions=actions, rewards=rewards, context=context)
            return time.perf_counter() - start

        one_update()
        one_update()
        update_s = statistics.median(one_update() for _ in range(5))
        context = rng.normal(size=(n_predict, n_features))
        mab.predict_arrays(context)
        times = []
        for _ in range(7):
            start = time.perf_counter()
            mab.predict_arrays(context)
            times.append(time.perf_counter() - start)
        print(
            f"{label:<32}  update {update_s * 1e3:8.1f} ms   "
            f"predict_arrays {n_predict / statistics.median(times) / 1e3:8.1f} k rows/s",
            flush=True,
        )


# -- Gaussian rewards ------------------------------------------------------------------------------


def gaussian(seeds: Sequence[int] = (0, 1, 2), n_updates: int = 36) -> None:
    """The shared non-linear world with real-valued rewards (``CmabGaussian``), played by the simulator.

    The world is :class:`~pybandits.simulation.SharedRepresentationReward` with the identity link
    (mean rewards ``3 * tanh(x @ U) @ v[a] / sqrt(3)``, 20 features, 10 actions, world seed
    ``1000 + s``) and Normal noise of sd 1; ``n_updates`` batches of 100 rows.
    """
    from pybandits.cmab import CmabGaussian
    from pybandits.simulation import CmabSimulator, SharedRepresentationReward

    print(f"\n### Gaussian rewards: shared non-linear world, 20 features, 10 actions, {n_updates} x 100 rows")
    action_ids = [f"a{i}" for i in range(SYNTHETIC_ACTIONS)]
    models = {
        "linear regression per action": {},
        "[32] per action": {"hidden_dim_list": [32]},
        "backbone [32]": {"backbone_hidden_dim_list": [32]},
    }
    ratios: dict[str, list[float]] = {name: [] for name in models}
    for seed in seeds:
        world_rng = np.random.default_rng(1000 + seed)
        world = SharedRepresentationReward.random(action_ids, SYNTHETIC_FEATURES, world_rng, link="identity")
        for name, kwargs in models.items():
            mab = CmabGaussian.cold_start(
                action_ids=action_ids, n_features=SYNTHETIC_FEATURES, random_seed=seed, **kwargs
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = CmabSimulator(mab, world, n_updates, 100, random_seed=seed, noise_sd=1.0).run()
            ratios[name].append(result.summary.regret_ratio)
    for name, values in ratios.items():
        cells = "  ".join(f"{value:7.3f}" for value in values)
        print(f"{name:<32}  {cells}  mean {statistics.mean(values):.3f}", flush=True)


# -- entry points ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worlds", nargs="+", choices=list(WORLD_ROWS), default=list(WORLD_ROWS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--policies", nargs="+", choices=list(POLICIES), default=list(POLICIES))
    parser.add_argument("--speed", action="store_true", help="measure update and prediction speed instead")
    parser.add_argument("--gaussian", action="store_true", help="play the Gaussian shared world instead")
    args = parser.parse_args(argv)
    policies = list(args.policies)
    if args.speed:
        speed(policies)
        return
    if args.gaussian:
        gaussian(args.seeds)
        return
    print(
        f"\n## Backbone benchmark: regret as a multiple of a uniform random policy's, seeds {args.seeds} "
        "(policy seed s, world seed 1000 + s); update ms: mean per batch update, median ms: its median over "
        "every update of every seed; total s: mean seconds per run (predictions and updates)"
    )
    for name in args.worlds:
        run_world(name, args.seeds, policies)


def run() -> None:
    """Everything: the worlds, the Gaussian world and the speed figures (``benchmarks/run.py backbone``)."""
    main([])
    gaussian()
    speed()


if __name__ == "__main__":
    main(sys.argv[1:])
