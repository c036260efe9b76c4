"""Growing a category by transfer: old levels keep their regret, new levels learn.

A world of 60 levels and one numeric feature, 3 actions, where each level favours its own action.
A bandit learns the first 50 levels for 10 batches of 200 rows; transfer then grows the column to
60 levels. From there, the untransferred bandit keeps playing rows of the 50 old levels, and the
grown one plays the same rows plus rows of the 10 new levels. Figures: the grown bandit's regret on
old-level rows against the untransferred bandit's on the same rows, and the regret on new-level
rows, batch by batch (as a multiple of a uniform random choice's).
"""

from __future__ import annotations

import numpy as np

from pybandits.cmab import CmabBernoulli
from pybandits.transfer import edit_model_on_the_fly

OLD, NEW, N_ACTIONS, BATCH, WARM_BATCHES, GROWTH_BATCHES = 50, 10, 3, 200, 10, 6
IDS = [f"a{i}" for i in range(N_ACTIONS)]
SETTINGS = {"num_steps": 300}


def _bandit(cardinality: int, seed: int | None = None) -> CmabBernoulli:
    return CmabBernoulli.cold_start(
        action_ids=IDS,
        n_features=2,
        categorical_features={1: cardinality},
        embedding_dims={1: 8},
        update_kwargs=SETTINGS,
        random_seed=seed,
    )


def _play(mab: CmabBernoulli, context: np.ndarray, p: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """One batch: predict, reward, update; the regret and a uniform random choice's."""
    actions, _, _ = mab.predict(context)
    chosen = np.array([IDS.index(a) for a in actions])
    rows = np.arange(len(context))
    rewards = (rng.random(len(context)) < p[rows, chosen]).astype(int)
    mab.update(actions, rewards, context)
    return float((p.max(axis=1) - p[rows, chosen]).sum()), float((p.max(axis=1) - p.mean(axis=1)).sum())


def growth(seed: int) -> dict[str, object]:
    world = np.random.default_rng(seed)
    preference = world.normal(scale=1.5, size=(OLD + NEW, N_ACTIONS))
    slope = world.normal(scale=0.5, size=N_ACTIONS)

    def batch(levels_from: int, levels_to: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        levels, x = world.integers(levels_from, levels_to, n), world.normal(size=n)
        p = 1.0 / (1.0 + np.exp(-(preference[levels] + x[:, None] * slope)))
        return np.column_stack([x, levels]).astype(float), p

    base = _bandit(OLD, seed)
    for _ in range(WARM_BATCHES):
        _play(base, *batch(0, OLD, BATCH), world)
    grown = edit_model_on_the_fly(base, _bandit(OLD + NEW, seed + 1))
    old_regret = {"untransferred": [0.0, 0.0], "grown": [0.0, 0.0]}
    new_ratio = []
    for _ in range(GROWTH_BATCHES):
        old_context, old_p = batch(0, OLD, BATCH)
        new_context, new_p = batch(OLD, OLD + NEW, BATCH // 2)
        for name, mab in (("untransferred", base), ("grown", grown)):
            regret, random_regret = _play(mab, old_context, old_p, np.random.default_rng(world.integers(2**32)))
            old_regret[name][0] += regret
            old_regret[name][1] += random_regret
        regret, random_regret = _play(grown, new_context, new_p, world)
        new_ratio.append(regret / random_regret)
    return {
        "old_untransferred": old_regret["untransferred"][0] / old_regret["untransferred"][1],
        "old_grown": old_regret["grown"][0] / old_regret["grown"][1],
        "new_per_batch": new_ratio,
    }


def run() -> None:
    print(f"\n## Categorical growth: {OLD} levels learned, transfer adds {NEW}")
    results = [growth(seed) for seed in range(5)]
    for seed, result in enumerate(results):
        print(
            f"seed {seed}: old levels, regret {result['old_grown']:.3f}x random grown vs "
            f"{result['old_untransferred']:.3f}x untransferred; new levels per batch "
            + " ".join(f"{r:.2f}" for r in result["new_per_batch"])
        )
    old_grown = np.mean([r["old_grown"] for r in results])
    old_base = np.mean([r["old_untransferred"] for r in results])
    new = np.mean([r["new_per_batch"] for r in results], axis=0)
    print(
        f"mean: old levels {old_grown:.3f}x vs {old_base:.3f}x ({old_grown / old_base - 1:+.1%}); "
        "new levels per batch " + " ".join(f"{r:.2f}" for r in new)
    )


if __name__ == "__main__":
    run()
