"""Learning-quality benchmarks: regret in simulated worlds, and NUTS against ADVI."""

from __future__ import annotations

import time
import warnings

import numpy as np

from pybandits.cmab import CmabBernoulli
from pybandits.exceptions import ConvergenceWarning
from pybandits.simulation import CmabSimulator, LogisticReward, SmabSimulator
from pybandits.smab import SmabBernoulli


def _ring(context: np.ndarray) -> dict[str, np.ndarray]:
    radius = np.sqrt((context[:, :2] ** 2).sum(axis=1))
    inside = 1.0 / (1.0 + np.exp(-3.0 * (1.0 - radius)))
    return {"inside": inside, "outside": 1.0 - inside}


def _kl_bernoulli(p: float, q: float) -> float:
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


def run() -> None:
    print("\n## Learning quality")
    tutorial_world = LogisticReward(
        weights={"A": [1.0, -0.8, 0.5, 0.6], "B": [-0.7, 0.9, -0.4, -0.5]}, biases={"A": 0.0, "B": -0.1}
    )
    ratios = []
    for seed in range(3):
        mab = CmabBernoulli.cold_start(action_ids={"A", "B"}, n_features=3, update_kwargs={"num_steps": 200})
        result = CmabSimulator(mab, tutorial_world, n_updates=6, batch_size=200, n_features=4, random_seed=seed).run()
        ratios.append(result.summary.regret_ratio)
    print(
        "tutorial world, phase 1 (sees 3 of 4 features, A and B, 6 x 200, num_steps=200): regret "
        + ", ".join(f"{r:.2f}x" for r in ratios)
        + f" random (mean {np.mean(ratios):.2f}x)"
    )

    for hidden in ([], [8], [16]):
        ring_ratios = []
        for seed in range(2):
            mab = CmabBernoulli.cold_start(
                action_ids={"inside", "outside"}, n_features=2, hidden_dim_list=hidden, update_kwargs={"num_steps": 300}
            )
            result = CmabSimulator(mab, _ring, n_updates=10, batch_size=200, random_seed=seed).run()
            ring_ratios.append(result.summary.regret_ratio)
        print(
            f"ring world (non-linear), hidden_dim_list={hidden}, 10 x 200, num_steps=300: regret "
            f"{np.mean(ring_ratios):.2f}x random"
        )

    truth = {"a": 0.30, "b": 0.45, "c": 0.60}
    regrets = []
    for seed in range(20):
        mab = SmabBernoulli.cold_start(action_ids=set(truth))
        result = SmabSimulator(mab, truth, n_updates=1000, batch_size=1, random_seed=seed).run()
        regrets.append(result.summary.cumulative_regret)
    best = max(truth.values())
    lai_robbins = sum((best - p) / _kl_bernoulli(p, best) for p in truth.values() if p < best) * np.log(1000)
    print(
        f"sMAB, 3 arms (0.30, 0.45, 0.60), 1,000 rounds of one decision, 20 runs: cumulative regret against "
        f"always playing the best arm {np.mean(regrets):.1f} (sd {np.std(regrets):.1f}); uniform random 150.0; "
        f"Lai-Robbins asymptotic lower bound {lai_robbins:.1f}"
    )

    rng = np.random.default_rng(5)
    context = rng.normal(size=(300, 3))
    rewards = (rng.random(300) < 1.0 / (1.0 + np.exp(-(context @ np.array([1.0, -1.0, 0.5]) + 0.2)))).astype(int)
    fits = {}
    for method, kwargs in (("VI", {"num_steps": 1000}), ("MCMC", {"draws": 1000, "tune": 1000, "chains": 2})):
        mab = CmabBernoulli.cold_start(
            action_ids={"a"}, n_features=3, update_method=method, update_kwargs=kwargs, random_seed=0
        )
        mab.update(actions=["a"], rewards=[1], context=context[:1])  # compile outside the timing
        mab = CmabBernoulli.cold_start(
            action_ids={"a"}, n_features=3, update_method=method, update_kwargs=kwargs, random_seed=0
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mab.update(actions=["a"] * 300, rewards=rewards, context=context)
        fits[method] = (time.perf_counter() - start, mab.actions["a"].network.layers[0])
    (vi_time, vi), (nuts_time, nuts) = fits["VI"], fits["MCMC"]
    gap = np.abs(
        np.concatenate([vi.weight.mu.ravel(), vi.bias.mu]) - np.concatenate([nuts.weight.mu.ravel(), nuts.bias.mu])
    )
    scale = np.concatenate([nuts.weight.sigma.ravel(), nuts.bias.sigma])
    print(
        f"NUTS vs ADVI, logistic regression on 300 rows: largest |mean gap| / NUTS sd = {np.max(gap / scale):.2f}; "
        f"ADVI sd / NUTS sd between {np.min(np.concatenate([vi.weight.sigma.ravel(), vi.bias.sigma]) / scale):.2f} and "
        f"{np.max(np.concatenate([vi.weight.sigma.ravel(), vi.bias.sigma]) / scale):.2f}; "
        f"time ADVI (1,000 steps) {vi_time:.2f} s, NUTS (2 x 1,000 draws) {nuts_time:.2f} s"
    )
