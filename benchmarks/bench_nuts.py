"""NUTS updates: nutpie (compiled once per shape, data swapped) against pm.sample (built per fit).

Prints, for the tutorial's bandit (2 actions, 3 features, 200 rows each, 2 chains x 500 tune + 500
draws): the steady update time with each sampler (median of 3 after a warm-up) and the posterior
means; for a ``[16]`` network on 3 features: the update time, r_hat and bulk ESS; and the first
update in a new process, twice (the second shows what survives between processes).

The cost table (``--cost``): one update of one action on 400 logistic rows of 3 features, for
network shapes ``[]`` and ``[4]`` per setting of ``draws``, ``tune`` and ``chains``, for ``[16]``
and ``[32]`` at the default setting only (their reference runs take many minutes): the update's
time (after a compiling update), r_hat, bulk ESS and divergences; how far the bandit's posterior
predictive at 50 test contexts is from a long reference run's (4 chains x 2,000 tune + 2,000 draws):
the mean absolute error of the mean success probability and the ratio of its posterior standard
deviation to the reference's; and the mean absolute error of that mean against the world's true
probability ("truth err"). The bandit keeps a mean and a scale per weight of NUTS's draws, so the
reference is what the bandit keeps of a long run. ADVI's fits are listed for comparison (networks
with hidden layers warm up by default, networks without do not).

Run ``python benchmarks/bench_nuts.py`` (nutpie needed: ``pip install ".[nuts]"``), or ``--cost``.
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


#: ``(draws, tune, chains)`` settings of the cost table; the default is (500, 500, 2).
KNOBS = ((100, 100, 1), (250, 250, 2), (500, 500, 2), (1000, 1000, 2), (500, 500, 4))
REFERENCE = (2000, 2000, 4)


def _predictive(mab, context: np.ndarray, n_draws: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """The posterior mean and sd of action ``a``'s success probability at every row of ``context``."""
    from pybandits.model.bnn.effects import expected_rewards

    rng = np.random.default_rng(123)
    (family, stages), *_ = mab.kind.reward_stages(mab, "a", n_draws, rng)
    draws = expected_rewards(stages, context, family, n_draws, dtype=np.float64)
    return draws.mean(axis=0), draws.std(axis=0)


def _fitted(hidden: list[int] | None, settings: dict, context: np.ndarray, rewards: np.ndarray):
    from pybandits.cmab import CmabBernoulli

    mab = CmabBernoulli.cold_start(
        action_ids=["a"],
        n_features=3,
        hidden_dim_list=hidden,
        update_method=settings.pop("method", "MCMC"),
        update_kwargs=settings,
        random_seed=0,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mab.update(actions=["a"] * len(rewards), rewards=rewards, context=context)
    return mab, time.perf_counter() - start


def cost_table(shapes=(None, [4]), wide=([16], [32])) -> None:
    """Print the cost of NUTS per network shape and setting, against a long reference run.

    ``shapes`` get every setting of :data:`KNOBS` and the reference; ``wide`` ones (whose reference
    run would take many minutes) the default setting only, against the world's truth.
    """
    context, rewards = _rows(400, 0)
    test = np.random.default_rng(9).normal(size=(50, 3))
    truth = 1.0 / (1.0 + np.exp(-(test @ np.array([1.0, -1.0, 0.5]))))
    print(
        "\n## NUTS per network shape: one update of 400 rows, 3 features (nutpie); accuracy of the posterior "
        f"predictive against {REFERENCE[2]} chains x {REFERENCE[1]} tune + {REFERENCE[0]} draws, and against the truth"
    )
    print(
        f"{'shape':<8} {'draws/tune/chains':<18} {'seconds':>8} {'r_hat':>6} {'ESS':>6} {'div':>4} {'mean err':>9} "
        f"{'sd ratio':>8} {'truth err':>9}"
    )
    for hidden in [*shapes, *wide]:
        label = "[" + ",".join(map(str, hidden or [])) + "]"
        _fitted(hidden, {"draws": 50, "tune": 50, "chains": 1}, context, rewards)  # compiles the shape
        rows, ref_mean, ref_sd = [], None, None
        if hidden in shapes:
            draws, tune, chains = REFERENCE
            reference, seconds = _fitted(hidden, {"draws": draws, "tune": tune, "chains": chains}, context, rewards)
            ref_mean, ref_sd = _predictive(reference, test)
            rows.append((f"{draws}/{tune}/{chains} (ref)", reference, seconds))
        for draws, tune, chains in KNOBS if hidden in shapes else [(500, 500, 2)]:
            mab, seconds = _fitted(hidden, {"draws": draws, "tune": tune, "chains": chains}, context, rewards)
            rows.append((f"{draws}/{tune}/{chains}", mab, seconds))
        _fitted(hidden, {"method": "VI", "num_steps": 5}, context, rewards)  # compiles ADVI's graph
        for name, settings in (("ADVI, no warm-up", {"warmup_steps": 0}), ("ADVI, warm-up 200", {"warmup_steps": 200})):
            mab, seconds = _fitted(hidden, {"method": "VI", **settings}, context, rewards)
            rows.append((name, mab, seconds))
        for name, mab, seconds in rows:
            fit = mab.actions["a"].last_fit
            mean, sd = _predictive(mab, test)
            off = np.abs(mean - truth).mean()
            if ref_mean is None:
                error = f"{'-':>9} {'-':>8}"
            else:
                error = f"{np.abs(mean - ref_mean).mean():9.4f} {(sd / ref_sd).mean():8.2f}"
            nuts = fit.max_rhat is not None
            diagnostics = (
                f"{fit.max_rhat:6.3f} {fit.min_ess_bulk:6.0f} {fit.divergences:4d}"
                if nuts
                else f"{'-':>6} {'-':>6} {'-':>4}"
            )
            print(f"{label:<8} {name:<18} {seconds:8.2f} {diagnostics} {error} {off:9.4f}", flush=True)


def run() -> None:
    print("\n## NUTS: nutpie against pm.sample (2 chains x 500 tune + 500 draws, 2 actions x 200 rows)")
    steady("nutpie")
    steady("pymc")
    steady("nutpie", [16])
    first_update()


if __name__ == "__main__":
    if "--cost" in sys.argv[1:]:
        cost_table()
    else:
        run()
