"""Off-policy evaluation: do the intervals cover the truth, is doubly robust better than IPW, how fast.

Correctness: a logistic world (5 actions, 5 features) and a bandit trained on other data from it.
Logs of 5,000 rows come from a uniformly random policy and from an epsilon-greedy one (greedy on
a fixed linear score, epsilon 0.3), both with recorded propensities. The bandit's true value is
computed exactly from the world's probabilities and its action probabilities on fresh contexts.
Over 50 logs per logging policy: how often the 95% intervals of ipw, snipw and dr hold the truth,
and the mean absolute errors. Speed: 100,000 logged rows, 5 actions, 10 features, every estimator,
1,000 bootstrap replicates, 100 draws per row, with the time of each part.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from pybandits.cmab import CmabBernoulli
from pybandits.offline import evaluate
from pybandits.simulation import LogisticReward

ACTIONS = [f"a{i}" for i in range(5)]
N_FEATURES, N_ROWS, REPETITIONS = 5, 5000, 50
MODEL = {"num_steps": 300}


def _probabilities(world, context: np.ndarray) -> np.ndarray:
    return np.stack([world(context)[a] for a in ACTIONS], axis=1)


def _logs(world, policy: str, rng: np.random.Generator, score: np.ndarray, n: int = N_ROWS) -> pd.DataFrame:
    context = rng.normal(size=(n, N_FEATURES))
    if policy == "uniform":
        propensity_table = np.full((n, 5), 0.2)
    else:  # epsilon-greedy on a fixed linear score
        greedy = np.argmax(context @ score, axis=1)
        propensity_table = np.full((n, 5), 0.3 / 5)
        propensity_table[np.arange(n), greedy] += 0.7
    played = np.array([rng.choice(5, p=row) for row in propensity_table])
    p = _probabilities(world, context)[np.arange(n), played]
    frame = pd.DataFrame(context, columns=[f"x{j}" for j in range(N_FEATURES)])
    frame.insert(0, "reward", (rng.random(n) < p).astype(int))
    frame.insert(0, "action", np.array(ACTIONS)[played])
    frame["propensity"] = propensity_table[np.arange(n), played]
    return frame


def correctness(repetitions: int = REPETITIONS) -> None:
    rng = np.random.default_rng(0)
    world = LogisticReward.random(ACTIONS, N_FEATURES, rng)
    score = rng.normal(size=(N_FEATURES, 5))
    mab = CmabBernoulli.cold_start(action_ids=set(ACTIONS), n_features=N_FEATURES, update_kwargs=MODEL, random_seed=0)
    train = _logs(world, "uniform", rng, score, 1500)
    features = [f"x{j}" for j in range(N_FEATURES)]
    mab.update(train["action"].tolist(), train["reward"].to_numpy(), train[features].to_numpy())
    fresh = rng.normal(size=(20_000, N_FEATURES))
    _, policy = mab.model_copy(deep=True).action_probabilities(fresh, n_draws=200)
    truth = float((policy * _probabilities(world, fresh)).sum(axis=1).mean())
    print(f"\n## Off-policy evaluation: coverage over {repetitions} logs of {N_ROWS} rows (truth {truth:.4f})")
    for logger in ("uniform", "epsilon-greedy"):
        covered = {name: 0 for name in ("ipw", "snipw", "dr")}
        errors = {name: [] for name in ("ipw", "snipw", "dr", "dm")}
        start = time.perf_counter()
        for repetition in range(repetitions):
            logs = _logs(world, logger, rng, score)
            report = evaluate(
                mab,
                logs,
                estimators=["ipw", "snipw", "dm", "dr"],
                n_draws=100,
                n_bootstrap=500,
                random_seed=repetition,
                reward_model_kwargs=MODEL,
            ).set_index("estimator")
            for name in covered:
                covered[name] += report.loc[name, "lower"] <= truth <= report.loc[name, "upper"]
            for name in errors:
                errors[name].append(abs(report.loc[name, "value"] - truth))
        print(
            f"{logger} logging: 95% intervals hold the truth "
            + ", ".join(f"{name} {count / repetitions:.0%}" for name, count in covered.items())
            + "; mean absolute error "
            + ", ".join(f"{name} {np.mean(e):.4f}" for name, e in errors.items())
            + f" ({(time.perf_counter() - start) / repetitions:.1f} s per evaluation)"
        )
        coverage_met = all(count / repetitions >= 0.9 for count in covered.values())
        error_met = np.mean(errors["dr"]) < np.mean(errors["ipw"])
        print(
            f"targets: coverage >= 90% for ipw, snipw and dr {'met' if coverage_met else 'NOT MET'}; "
            f"dr's mean absolute error below ipw's {'met' if error_met else 'NOT MET'}"
        )


def speed() -> None:
    rng = np.random.default_rng(1)
    n, n_features = 100_000, 10
    world = LogisticReward.random(ACTIONS, n_features, rng)
    mab = CmabBernoulli.cold_start(action_ids=set(ACTIONS), n_features=n_features, update_kwargs=MODEL, random_seed=0)
    context = rng.normal(size=(2000, n_features))
    played = rng.integers(0, 5, 2000)
    p = _probabilities(world, context)[np.arange(2000), played]
    mab.update(np.array(ACTIONS)[played].tolist(), (rng.random(2000) < p).astype(int), context)
    context = rng.normal(size=(n, n_features))
    played = rng.integers(0, 5, n)
    p = _probabilities(world, context)[np.arange(n), played]
    logs = pd.DataFrame(context, columns=[f"x{j}" for j in range(n_features)])
    logs.insert(0, "reward", (rng.random(n) < p).astype(int))
    logs.insert(0, "action", np.array(ACTIONS)[played])
    logs["propensity"] = 0.2
    start = time.perf_counter()
    mab.model_copy(deep=True).action_probabilities(context, n_draws=100)
    probabilities_s = time.perf_counter() - start
    start = time.perf_counter()
    evaluate(mab, logs, estimated_rewards=np.full((n, 5), 0.5), n_draws=100, n_bootstrap=1000, random_seed=0)
    without_model_s = time.perf_counter() - start
    start = time.perf_counter()
    evaluate(mab, logs, n_draws=100, n_bootstrap=1000, random_seed=0, reward_model_kwargs=MODEL)
    total_s = time.perf_counter() - start
    print(
        f"\n## Off-policy evaluation speed: {n:,} rows, 5 actions, {n_features} features, every estimator, "
        f"1,000 bootstrap replicates, 100 draws per row\n"
        f"total {total_s:.1f} s: action probabilities {probabilities_s:.1f} s, estimators and bootstrap "
        f"{without_model_s - probabilities_s:.1f} s, reward model (2 folds, {MODEL['num_steps']} steps) "
        f"{total_s - without_model_s:.1f} s"
    )


def run() -> None:
    speed()
    correctness()


if __name__ == "__main__":
    run()
