"""Simulated worlds shared by the benchmarks."""

from __future__ import annotations

import numpy as np

#: Logistic world with 4 features and 3 actions: true logit = context @ WEIGHTS[a] + BIASES[a].
WEIGHTS = {
    "A": np.array([1.0, -0.8, 0.5, 0.6]),
    "B": np.array([-0.7, 0.9, -0.4, -0.5]),
    "C": np.array([0.3, 0.2, 0.8, 1.2]),
}
BIASES = {"A": 0.0, "B": -0.1, "C": -0.3}


def true_probabilities(context: np.ndarray, actions: list[str]) -> np.ndarray:
    """``(n_rows, n_actions)`` reward probabilities; the world always uses all 4 features."""
    logits = np.stack([context @ WEIGHTS[a] + BIASES[a] for a in actions], axis=1)
    return 1.0 / (1.0 + np.exp(-logits))


class Phase:
    """Batches of contexts and pre-drawn uniforms: every bandit faces the very same draws."""

    def __init__(self, n_batches: int, batch_size: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.contexts = [rng.normal(size=(batch_size, 4)) for _ in range(n_batches)]
        self.uniforms = [rng.random((batch_size, 3)) for _ in range(n_batches)]

    def play(self, mab, actions: list[str], n_features: int) -> tuple[float, float]:
        """Run every batch through ``mab``; return its cumulative expected regret and a uniform policy's."""
        regret = random_regret = 0.0
        for context, uniforms in zip(self.contexts, self.uniforms, strict=True):
            seen = context[:, :n_features]
            chosen, _, _ = mab.predict(context=seen)
            truth = true_probabilities(context, actions)
            index = np.array([actions.index(a) for a in chosen])
            rows = np.arange(len(index))
            rewards = (uniforms[rows, index] < truth[rows, index]).astype(int)
            mab.update(actions=chosen, rewards=rewards, context=seen)
            regret += float((truth.max(axis=1) - truth[rows, index]).sum())
            random_regret += float((truth.max(axis=1) - truth.mean(axis=1)).sum())
        return regret, random_regret
