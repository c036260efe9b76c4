"""Gaussian rewards: speed beside Bernoulli, regret, calibration against NUTS, hidden layers, sMAB scale."""

from __future__ import annotations

import time
import warnings

import numpy as np
from bench_reliability import _median_ms  # one timing helper for the benchmarks

from pybandits.cmab import CmabBernoulli, CmabGaussian
from pybandits.exceptions import ConvergenceWarning
from pybandits.smab import SmabGaussian

ACTIONS = ["a", "b", "c"]
LINEAR_W = {"a": np.array([1.0, -0.5, 0.3]), "b": np.array([-0.6, 0.8, 0.2]), "c": np.array([0.2, 0.1, -0.9])}
LINEAR_B = {"a": 0.1, "b": 0.0, "c": 0.2}


def linear_means(context: np.ndarray) -> np.ndarray:
    return np.stack([context @ LINEAR_W[a] + LINEAR_B[a] for a in ACTIONS], axis=1)


def region_means(context: np.ndarray) -> np.ndarray:
    """A disc inside a ring: action "a" pays 1 inside the unit disc, "b" pays 1 in the ring around it."""
    inside = (np.sqrt((context[:, :2] ** 2).sum(axis=1)) < 1.0).astype(float)
    return np.stack([inside, 1.0 - inside], axis=1)


def play(mab, means_fn, n_batches: int, batch_size: int, noise: float, n_features: int, seed: int) -> np.ndarray:
    """Per batch: the expected regret of ``mab``, and a uniform policy's."""
    rng = np.random.default_rng(seed)
    actions_of = sorted(mab.actions)
    per_batch = []
    for _ in range(n_batches):
        if n_features == 2:
            context = rng.uniform(-1.5, 1.5, size=(batch_size, n_features))
        else:
            context = rng.normal(size=(batch_size, n_features))
        means = means_fn(context)
        actions, _, _ = mab.predict(context=context)
        index = np.array([actions_of.index(a) for a in actions])
        rows = np.arange(batch_size)
        rewards = means[rows, index] + noise * rng.normal(size=batch_size)
        mab.update(actions=actions, rewards=rewards, context=context)
        best = means.max(axis=1)
        per_batch.append(((best - means[rows, index]).sum(), (best - means.mean(axis=1)).sum()))
    return np.array(per_batch)


def ratio(per_batch: np.ndarray) -> float:
    """Cumulative regret as a multiple of the uniform policy's."""
    return float(per_batch[:, 0].sum() / per_batch[:, 1].sum())


def speed() -> None:
    rng = np.random.default_rng(0)
    context = rng.normal(size=(200, 3))
    actions = np.array(["a", "b"] * 100)
    figures = {}
    for cls, rewards in ((CmabBernoulli, rng.integers(0, 2, 200)), (CmabGaussian, rng.normal(5.0, 2.0, 200))):
        mab = cls.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 200}, random_seed=0)
        mab.update(actions=actions, rewards=rewards, context=context)  # compile (cached afterwards)
        update = _median_ms(lambda m=mab, r=rewards: m.update(actions=actions, rewards=r, context=context), 9)
        big = rng.normal(size=(10_000, 3))
        predict = _median_ms(lambda m=mab, x=big: m.predict(context=x), 9)
        arrays = _median_ms(lambda m=mab, x=big: m.predict_arrays(context=x), 9)
        figures[cls.__name__] = (update, predict, arrays)
    for name, (update, predict, arrays) in figures.items():
        print(
            f"{name:<13} update (2 actions, 3 features, 200 rows, 200 steps): {update:6.1f} ms; "
            f"predict 10,000 rows: {predict:5.1f} ms ({10_000 / predict / 1e3:.2f} M rows/s), "
            f"predict_arrays {arrays:5.1f} ms ({10_000 / arrays / 1e3:.2f} M rows/s)"
        )


def linear_regret() -> None:
    ratios = []
    for seed in range(3):
        mab = CmabGaussian.cold_start(
            action_ids=set(ACTIONS), n_features=3, update_kwargs={"num_steps": 200}, random_seed=seed
        )
        ratios.append(
            ratio(play(mab, linear_means, n_batches=6, batch_size=200, noise=1.0, n_features=3, seed=100 + seed))
        )
    print(
        "linear Gaussian world (3 features, 3 actions, noise sd 1, 6 x 200, num_steps=200): regret "
        + ", ".join(f"{r:.3f}x" for r in ratios)
        + f" a uniform policy's (mean {np.mean(ratios):.3f}x; target <= 0.30x)"
    )


def _calibration_fit(method: str, kwargs: dict, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """One update of 1,000 rows; at 200 fixed contexts the posterior mean, the 90% interval's coverage, noise sd."""
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(1000, 3))
    actions = rng.choice(ACTIONS, size=1000)
    index = np.array([ACTIONS.index(a) for a in actions])
    rewards = linear_means(context)[np.arange(1000), index] + rng.normal(size=1000)
    fixed = np.random.default_rng(6).normal(size=(200, 3))
    truth = linear_means(fixed)
    mab = CmabGaussian.cold_start(
        action_ids=set(ACTIONS), n_features=3, update_method=method, update_kwargs=kwargs, random_seed=1
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mab.update(actions=actions, rewards=rewards, context=context)
    seconds = time.perf_counter() - start
    n_draws = 2000
    allowed, _, expected = mab.predict_arrays(np.repeat(fixed, n_draws, axis=0))
    draws = expected.reshape(200, n_draws, len(allowed))[:, :, [allowed.index(a) for a in ACTIONS]]
    low, high = np.quantile(draws, [0.05, 0.95], axis=1)
    covered = ((low <= truth) & (truth <= high)).mean(axis=0)
    noise = np.array([mab.family.noise_sd(mab.actions[a].aux) for a in ACTIONS])
    return draws.mean(axis=1), covered, noise, seconds


def calibration() -> None:
    vi = [_calibration_fit("VI", {"num_steps": 1000}, seed) for seed in range(5)]
    coverage = np.mean([fit[1] for fit in vi], axis=0)
    gaps = []
    for seed in range(2):
        nuts = _calibration_fit("MCMC", {"draws": 1000, "tune": 1000, "chains": 2}, seed)
        gaps.append(np.abs(vi[seed][0] - nuts[0]).max(axis=0) / vi[seed][2])
    print(
        "calibration (one update of 1,000 rows, 3 actions, noise sd 1, default 1,000 ADVI steps; 90% intervals of "
        f"the mean reward at 200 fixed contexts, 5 data sets): ADVI ({np.mean([f[3] for f in vi]):.2f} s) covers "
        f"{', '.join(f'{c:.0%}' for c in coverage)} per action, {coverage.mean():.0%} overall (target 85-95%); "
        f"noise sd learned {', '.join(f'{n:.3f}' for n in vi[0][2])}; largest |ADVI - NUTS ({nuts[3]:.1f} s)| "
        f"posterior mean over 2 data sets: {np.max(gaps):.3f} noise sd (target <= 0.1)"
    )


def hidden_layers() -> None:
    n_batches = 30
    results = {}
    for hidden in (None, [32]):
        runs = []
        for seed in range(3):
            mab = CmabGaussian.cold_start(
                action_ids={"a", "b"},
                n_features=2,
                hidden_dim_list=hidden,
                update_kwargs={"num_steps": 500},
                random_seed=seed,
            )
            runs.append(
                play(mab, region_means, n_batches=n_batches, batch_size=200, noise=0.1, n_features=2, seed=200 + seed)
            )
        results[str(hidden)] = runs
    cumulative = {name: [ratio(run) for run in runs] for name, runs in results.items()}
    late = {name: [ratio(run[-10:]) for run in runs] for name, runs in results.items()}
    linear, deep = np.mean(cumulative["None"]), np.mean(cumulative["[32]"])
    print(
        f"disc-in-ring world (2 features in [-1.5, 1.5]^2, 'a' pays 1 inside the unit disc, 'b' in the ring around it, "
        f"noise sd 0.1, {n_batches} x 200, num_steps=500): cumulative regret, no hidden layer "
        f"{', '.join(f'{r:.2f}x' for r in cumulative['None'])}, hidden [32] "
        f"{', '.join(f'{r:.2f}x' for r in cumulative['[32]'])} a uniform policy's; hidden/none {deep / linear:.2f} "
        f"(target <= 0.5); last 10 batches: none {np.mean(late['None']):.2f}x, [32] {np.mean(late['[32]']):.2f}x"
    )


def smab_scale() -> None:
    n_actions = 10_000
    ids = [f"a{i}" for i in range(n_actions)]
    mab = SmabGaussian.cold_start(action_ids=ids, random_seed=0)
    rng = np.random.default_rng(0)
    figures = []
    for n_rows in (10_000, 100_000):
        actions = np.asarray(ids)[rng.integers(n_actions, size=n_rows)]
        rewards = rng.normal(size=n_rows)
        figures.append(_median_ms(lambda a=actions, r=rewards: mab.update(actions=a, rewards=r), 5))
    predict = _median_ms(lambda: mab.predict(n_samples=100), 5)
    print(
        f"SmabGaussian, {n_actions:,} actions, one update call: 10,000 rows {figures[0]:.1f} ms, 100,000 rows "
        f"{figures[1]:.1f} ms (target < 50 ms); predict 100 samples {predict:.1f} ms"
    )


def run() -> None:
    print("\n## Gaussian rewards")
    speed()
    smab_scale()
    linear_regret()
    hidden_layers()
    calibration()


if __name__ == "__main__":
    run()
