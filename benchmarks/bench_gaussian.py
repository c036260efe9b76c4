"""Gaussian rewards: speed beside Bernoulli, regret, calibration against NUTS, hidden layers, sMAB scale."""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np

from pybandits.cmab import CmabBernoulli, CmabGaussian
from pybandits.exceptions import ConvergenceWarning
from pybandits.smab import SmabGaussian

ACTIONS = ["a", "b", "c"]
LINEAR_W = {"a": np.array([1.0, -0.5, 0.3]), "b": np.array([-0.6, 0.8, 0.2]), "c": np.array([0.2, 0.1, -0.9])}
LINEAR_B = {"a": 0.1, "b": 0.0, "c": 0.2}


def _median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def linear_means(context: np.ndarray) -> np.ndarray:
    return np.stack([context @ LINEAR_W[a] + LINEAR_B[a] for a in ACTIONS], axis=1)


def region_means(context: np.ndarray) -> np.ndarray:
    """A disc inside a ring inside the rest of the plane: each region has its own best action."""
    radius = np.sqrt((context[:, :2] ** 2).sum(axis=1))
    region = np.where(radius < 0.8, 0, np.where(radius < 1.6, 1, 2))
    means = np.zeros((len(context), 3))
    means[np.arange(len(context)), region] = 1.0
    return means


def play(mab, means_fn, n_batches: int, batch_size: int, noise: float, n_features: int, seed: int) -> float:
    """Cumulative expected regret of ``mab`` over ``n_batches``, as a multiple of a uniform policy's."""
    rng = np.random.default_rng(seed)
    regret = uniform = 0.0
    for _ in range(n_batches):
        context = (
            rng.uniform(-2.0, 2.0, size=(batch_size, n_features))
            if n_features == 2
            else rng.normal(size=(batch_size, n_features))
        )
        means = means_fn(context)
        actions, _, _ = mab.predict(context=context)
        index = np.array([ACTIONS.index(a) for a in actions])
        rows = np.arange(batch_size)
        rewards = means[rows, index] + noise * rng.normal(size=batch_size)
        mab.update(actions=actions, rewards=rewards, context=context)
        regret += float((means.max(axis=1) - means[rows, index]).sum())
        uniform += float((means.max(axis=1) - means.mean(axis=1)).sum())
    return regret / uniform


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
        ratios.append(play(mab, linear_means, n_batches=6, batch_size=200, noise=1.0, n_features=3, seed=100 + seed))
    print(
        "linear Gaussian world (3 features, 3 actions, noise sd 1, 6 x 200, num_steps=200): regret "
        + ", ".join(f"{r:.3f}x" for r in ratios)
        + f" a uniform policy's (mean {np.mean(ratios):.3f}x; target <= 0.30x)"
    )


def calibration() -> None:
    rng = np.random.default_rng(5)
    context = rng.normal(size=(1000, 3))
    actions = rng.choice(ACTIONS, size=1000)
    index = np.array([ACTIONS.index(a) for a in actions])
    rewards = linear_means(context)[np.arange(1000), index] + rng.normal(size=1000)
    fixed = np.random.default_rng(6).normal(size=(200, 3))
    truth = linear_means(fixed)
    n_draws = 2000
    summaries = {}
    for method, kwargs in (("VI", {"num_steps": 1000}), ("MCMC", {"draws": 1000, "tune": 1000, "chains": 2})):
        mab = CmabGaussian.cold_start(
            action_ids=set(ACTIONS), n_features=3, update_method=method, update_kwargs=kwargs, random_seed=1
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mab.update(actions=actions, rewards=rewards, context=context)
        seconds = time.perf_counter() - start
        allowed, _, expected = mab.predict_arrays(np.repeat(fixed, n_draws, axis=0))
        draws = expected.reshape(200, n_draws, len(allowed))
        order = [allowed.index(a) for a in ACTIONS]
        low, high = np.quantile(draws, [0.05, 0.95], axis=1)
        covered = ((low[:, order] <= truth) & (truth <= high[:, order])).mean(axis=0)
        noise = np.array([mab.family.noise_sd(mab.actions[a].aux) for a in ACTIONS])
        summaries[method] = (draws.mean(axis=1)[:, order], covered, noise, seconds)
    vi_mean, vi_cover, vi_noise, vi_time = summaries["VI"]
    nuts_mean, nuts_cover, _, nuts_time = summaries["MCMC"]
    gap = np.abs(vi_mean - nuts_mean).max(axis=0) / vi_noise
    print(
        "calibration (one update of 1,000 rows, 3 actions, noise sd 1; 90% intervals at 200 fixed contexts): "
        f"ADVI (1,000 steps, {vi_time:.1f} s) covers {', '.join(f'{c:.0%}' for c in vi_cover)} "
        f"(target 85-95%); NUTS ({nuts_time:.1f} s) covers {', '.join(f'{c:.0%}' for c in nuts_cover)}; "
        f"noise sd learned {', '.join(f'{n:.3f}' for n in vi_noise)}; "
        f"largest |ADVI - NUTS| posterior mean {', '.join(f'{g:.3f}' for g in gap)} noise sd (target <= 0.1)"
    )


def hidden_layers() -> None:
    results = {}
    for hidden in (None, [32]):
        ratios = []
        for seed in range(3):
            mab = CmabGaussian.cold_start(
                action_ids=set(ACTIONS),
                n_features=2,
                hidden_dim_list=hidden,
                update_kwargs={"num_steps": 500},
                random_seed=seed,
            )
            ratios.append(
                play(mab, region_means, n_batches=10, batch_size=200, noise=0.1, n_features=2, seed=200 + seed)
            )
        results[str(hidden)] = ratios
    linear, deep = np.mean(results["None"]), np.mean(results["[32]"])
    print(
        "disc-in-ring world (2 features, 3 actions best in different regions, means 1 vs 0, noise sd 0.1, 10 x 200, "
        f"num_steps=500): no hidden layer {', '.join(f'{r:.3f}x' for r in results['None'])}, hidden [32] "
        f"{', '.join(f'{r:.3f}x' for r in results['[32]'])} a uniform policy's; hidden/none {deep / linear:.2f} "
        "(target <= 0.5)"
    )


def smab_scale() -> None:
    n_actions = 10_000
    ids = [f"a{i}" for i in range(n_actions)]
    mab = SmabGaussian.cold_start(action_ids=ids, random_seed=0)
    rng = np.random.default_rng(0)
    actions = np.asarray(ids)[rng.integers(n_actions, size=100_000)]
    rewards = rng.normal(size=100_000)
    update = _median_ms(lambda: mab.update(actions=actions, rewards=rewards), 5)
    predict = _median_ms(lambda: mab.predict(n_samples=100), 5)
    print(
        f"SmabGaussian, {n_actions:,} actions: update with 100,000 rows in one call {update:.1f} ms (target < 50 ms); "
        f"predict 100 samples {predict:.1f} ms"
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
