"""Prediction at the sampling limit: contextual bandits' Thompson draws on learned (Normal) posteriors.

The posteriors are real ``LocationScale`` ones put in place of a cold start's tensors (random
locations, small scales), so no fit is needed. Student-t figures are the cold-start prior's, which
keeps one draw per weight.
"""

from __future__ import annotations

import os

import numpy as np
from bench_reliability import _median_ms  # one timing helper for the benchmarks

from pybandits.cmab import CmabBernoulli
from pybandits.model.bnn.multi import draw_actions
from pybandits.model.priors import LocationScale

N_ROWS = 10_000
#: (actions, features, hidden layers)
CASES = [(2, 10, []), (100, 10, []), (10, 61, [32])]


def cold_bandit(n_actions: int, n_features: int, hidden: list[int], seed: int = 0) -> CmabBernoulli:
    return CmabBernoulli.cold_start(
        action_ids={f"action-{i:03d}" for i in range(n_actions)},
        n_features=n_features,
        hidden_dim_list=hidden,
        random_seed=seed,
    )


def learned_bandit(n_actions: int, n_features: int, hidden: list[int], seed: int = 0) -> CmabBernoulli:
    """A bandit whose every action has a mean-field Normal posterior (random means, small scales)."""
    mab = cold_bandit(n_actions, n_features, hidden, seed)
    rng = np.random.default_rng(seed + 1)
    actions = {}
    for action_id, model in mab.actions.items():
        posterior = {
            name: LocationScale(
                mu=rng.normal(scale=1.0 / np.sqrt(dist.shape[0]) if len(dist.shape) == 2 else 0.3, size=dist.shape),
                sigma=rng.uniform(0.01, 0.1, size=dist.shape),
            )
            for name, dist in model.network.parameters.items()
        }
        actions[action_id] = model.model_copy(update={"network": model.network.with_parameters(posterior)})
    mab.actions = actions
    return mab


def _rows_per_s(function, n_rows: int, repeat: int) -> float:
    return n_rows / (_median_ms(function, repeat) / 1e3)


def _describe(n_actions: int, n_features: int, hidden: list[int]) -> str:
    return f"{n_actions} actions x {n_features} features, hidden {hidden or 'none'}"


def run() -> None:
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"\n## Prediction (CmabBernoulli, {N_ROWS:,} rows; OPENBLAS_NUM_THREADS={threads})")
    for n_actions, n_features, hidden in CASES:
        context = np.random.default_rng(2).normal(size=(N_ROWS, n_features))
        mab = learned_bandit(n_actions, n_features, hidden)
        mab.predict_arrays(context)  # warm-up
        arrays = _rows_per_s(lambda m=mab, x=context: m.predict_arrays(x), N_ROWS, 9)
        lists = _rows_per_s(lambda m=mab, x=context: m.predict(x), N_ROWS, 5)
        print(
            f"{_describe(n_actions, n_features, hidden)}, Normal posteriors: "
            f"predict_arrays {arrays / 1e3:,.0f} k rows/s, predict (lists of dicts) {lists / 1e3:,.0f} k rows/s"
        )

    print("Across actions: every action's draw on its own (a loop) vs the actions stacked into one computation")
    for n_actions, n_features, hidden in CASES[1:]:
        context = np.random.default_rng(2).normal(size=(N_ROWS, n_features))
        models = list(learned_bandit(n_actions, n_features, hidden).actions.values())
        rng = np.random.default_rng(0)
        loop = _rows_per_s(lambda x=context, ms=models, r=rng: [m.draw(x, r) for m in ms], N_ROWS, 5)
        stacked = _rows_per_s(lambda x=context, ms=models, r=rng: draw_actions(ms, x, r), N_ROWS, 5)
        print(
            f"{_describe(n_actions, n_features, hidden)}: loop {loop / 1e3:,.0f} k rows/s, "
            f"stacked {stacked / 1e3:,.0f} k rows/s ({stacked / loop:.1f}x)"
        )

    print("Student-t cold-start priors (one draw per weight)")
    for n_actions, n_features, hidden in CASES:
        n_rows = N_ROWS if not hidden else 1_000
        context = np.random.default_rng(2).normal(size=(n_rows, n_features))
        mab = cold_bandit(n_actions, n_features, hidden)
        arrays = _rows_per_s(lambda m=mab, x=context: m.predict_arrays(x), n_rows, 3)
        print(
            f"{_describe(n_actions, n_features, hidden)} ({n_rows:,} rows): predict_arrays {arrays / 1e3:,.1f} k rows/s"
        )


if __name__ == "__main__":
    run()
