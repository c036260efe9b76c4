"""Categorical context columns: learning against one-hot columns, update and prediction speed, memory."""

from __future__ import annotations

import statistics
import time

import numpy as np

from pybandits.cmab import CmabBernoulli

N_LEVELS, N_ACTIONS, BATCH, N_BATCHES = 50, 3, 200, 10


def _world(seed: int):
    """Each of 50 levels favours one of 3 actions, shifted by one numeric feature."""
    rng = np.random.default_rng(seed)
    preference = rng.normal(scale=1.5, size=(N_LEVELS, N_ACTIONS))
    slope = rng.normal(scale=0.5, size=N_ACTIONS)

    def probabilities(levels: np.ndarray, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(preference[levels] + x[:, None] * slope)))

    return probabilities


def regret_ratio(one_hot: bool, seed: int) -> float:
    """Regret over 10 batches as a multiple of a uniform random policy's, embeddings or one-hot columns."""
    probabilities = _world(seed)
    ids = [f"a{i}" for i in range(N_ACTIONS)]
    settings = {"num_steps": 300}
    if one_hot:
        mab = CmabBernoulli.cold_start(
            action_ids=ids, n_features=1 + N_LEVELS, update_kwargs=settings, random_seed=seed
        )
    else:
        mab = CmabBernoulli.cold_start(
            action_ids=ids, n_features=2, categorical_features={1: N_LEVELS}, update_kwargs=settings, random_seed=seed
        )
    rng = np.random.default_rng(seed + 100)
    regret = random_regret = 0.0
    for _ in range(N_BATCHES):
        levels, x = rng.integers(0, N_LEVELS, BATCH), rng.normal(size=BATCH)
        context = np.column_stack([x, np.eye(N_LEVELS)[levels]]) if one_hot else np.column_stack([x, levels])
        p = probabilities(levels, x)
        actions, _, _ = mab.predict(context)
        chosen = np.array([ids.index(a) for a in actions])
        regret += (p.max(axis=1) - p[np.arange(BATCH), chosen]).sum()
        random_regret += (p.max(axis=1) - p.mean(axis=1)).sum()
        rewards = (rng.random(BATCH) < p[np.arange(BATCH), chosen]).astype(int)
        mab.update(actions, rewards, context)
    return regret / random_regret


def _steady_update_ms(mab, context_of, rng) -> float:
    times = []
    for attempt in range(8):
        context = context_of(200)
        actions = ["a", "b"] * 100
        rewards = rng.integers(0, 2, 200)
        start = time.perf_counter()
        mab.update(actions, rewards, context)
        if attempt >= 2:  # the first two compile
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def run() -> None:
    print("\n## Categorical columns (Bayesian embeddings)")
    for label, one_hot in (("embedding", False), ("one-hot columns", True)):
        ratios = [regret_ratio(one_hot, seed) for seed in range(3)]
        print(
            f"50-level category + 1 numeric feature, 3 actions, {N_BATCHES} x {BATCH}, {label}: regret "
            + ", ".join(f"{r:.2f}x" for r in ratios)
            + f" random (mean {np.mean(ratios):.2f}x)"
        )
    for dims in (None, {5: 16, 6: 16}):
        speed(dims)


def speed(dims: dict[int, int] | None) -> None:
    """Update and prediction with 5 numeric columns and categories of 100 and 10,000 levels.

    ``dims`` None: the default dimensions (1 each: the network has no hidden layer).
    """
    rng = np.random.default_rng(0)
    settings = {"num_steps": 200}
    categorical = CmabBernoulli.cold_start(
        action_ids={"a", "b"},
        n_features=7,
        categorical_features={5: 100, 6: 10_000},
        embedding_dims=dims,
        update_kwargs=settings,
        random_seed=0,
    )
    dims = [e.dim for e in categorical.actions["a"].network.embeddings]
    width = 5 + sum(dims)
    numeric = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=width, update_kwargs=settings, random_seed=0)

    def categorical_context(n: int) -> np.ndarray:
        return np.column_stack([rng.normal(size=(n, 5)), rng.integers(0, 100, n), rng.integers(0, 10_000, n)])

    cat_ms = _steady_update_ms(categorical, categorical_context, rng)
    num_ms = _steady_update_ms(numeric, lambda n: rng.normal(size=(n, width)), rng)
    print(
        f"steady update, 2 actions, 200 rows: 5 numeric + categories of 100 and 10,000 (dims {dims}) {cat_ms:.1f} ms; "
        f"{width} numeric columns {num_ms:.1f} ms ({cat_ms / num_ms:.2f}x)"
    )
    for label, mab, context in (
        ("categorical", categorical, categorical_context(10_000)),
        (f"{width} numeric columns", numeric, rng.normal(size=(10_000, width))),
    ):
        times = []
        for _ in range(9):
            start = time.perf_counter()
            mab.predict_arrays(context)
            times.append(time.perf_counter() - start)
        print(
            f"predict_arrays, 10,000 rows, 2 actions, {label} (dims {dims}): "
            f"{10_000 / statistics.median(times) / 1e6:.2f} M rows/s"
        )
    table = categorical.actions["a"].network.embeddings[1].table
    print(
        f"memory of a 10,000-level embedding ({table.shape[1]} dims) per action: "
        f"{(table.mu.nbytes + table.sigma.nbytes) / 2**20:.2f} MiB in the state (mu and sigma), "
        f"{table.mu.nbytes * 6 / 2**20:.1f} MiB more while fitting (variational mean, scale, gradients, Adam moments)"
    )


if __name__ == "__main__":
    run()
