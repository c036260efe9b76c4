"""NUTS updates: nutpie (compiled once per shape, data swapped) against pm.sample (built per fit).

Prints, for the tutorial's bandit (2 actions, 3 features, 200 rows each, 2 chains x 500 tune + 500
draws): the steady update time with each sampler (median of 3 after a warm-up) and the posterior
means; for a ``[16]`` network on 3 features: the update time, r_hat and bulk ESS; and the first
update in a new process, twice (the second shows what survives between processes).

Run ``python benchmarks/bench_nuts.py`` (nutpie needed: ``pip install ".[nuts]"``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np


def _rows(n_rows: int, seed: int):
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n_rows, 3))
    rewards = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-(context @ np.array([1.0, -1.0, 0.5]))))).astype(int)
    return context, rewards


def _timed_updates(mab, n_updates: int = 4) -> list[float]:
    times = []
    for index in range(n_updates):
        context, rewards = _rows(400, index)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mab.update(actions=["a", "b"] * 200, rewards=rewards, context=context)
        times.append(time.perf_counter() - start)
    return times


def steady(sampler: str, hidden: list[int] | None = None) -> None:
    from pybandits.cmab import CmabBernoulli

    mab = CmabBernoulli.cold_start(
        action_ids=["a", "b"],
        n_features=3,
        hidden_dim_list=hidden,
        update_method="MCMC",
        update_kwargs={"sampler": sampler, "draws": 500, "tune": 500, "chains": 2},
        random_seed=0,
    )
    times = _timed_updates(mab)
    fit = mab.actions["a"].last_fit
    label = f"{sampler:6s} {'[' + ','.join(map(str, hidden)) + ']' if hidden else 'no hidden layer':16s}"
    print(
        f"{label} first update {times[0]:6.2f} s, then median {statistics.median(times[1:]):6.3f} s per update; "
        f"max r_hat {fit.max_rhat:.3f}, min bulk ESS {fit.min_ess_bulk:.0f}, divergences {fit.divergences}; "
        f"w0 of a: {np.round(mab.actions['a'].network.layers[0].weight.mu.ravel()[:3], 3).tolist()}",
        flush=True,
    )


FIRST = textwrap.dedent(
    """
    import time, warnings, numpy as np
    start = time.perf_counter()
    from pybandits.cmab import CmabBernoulli
    mab = CmabBernoulli.cold_start(action_ids=["a"], n_features=3, update_method="MCMC",
                                   update_kwargs={"sampler": "nutpie"}, random_seed=0)
    rng = np.random.default_rng(0)
    context = rng.normal(size=(200, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mab.update(actions=["a"] * 200, rewards=(context[:, 0] > 0).astype(int), context=context)
    print(f"{time.perf_counter() - start:.1f}")
    """
)


def first_update() -> None:
    for attempt in ("a new process", "another new process"):
        result = subprocess.run([sys.executable, "-c", FIRST], capture_output=True, text=True, check=True)
        print(f"import, compile and first nutpie update in {attempt}: {result.stdout.strip()} s", flush=True)


def run() -> None:
    print("\n## NUTS: nutpie against pm.sample (2 chains x 500 tune + 500 draws, 2 actions x 200 rows)")
    steady("nutpie")
    steady("pymc")
    steady("nutpie", [16])
    first_update()


if __name__ == "__main__":
    run()
