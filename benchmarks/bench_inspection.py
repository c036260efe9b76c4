"""Looking inside a bandit (pybandits.bandits.inspection): the speed of its three readers.

- ``to_inference_data`` for 100 actions with ``[32]`` networks on 61 features, 1,000 draws
  (target: <= 2 s);
- ``effects`` on 10,000 rows for 10 actions with the same networks, at the default 200 draws
  (target: <= 2 s); also with a shared trunk ``[32]`` and linear heads, and on 20 features;
- ``explain`` of one row (1,000 draws), for information.

Each target is printed beside the floor of the exact method on this machine: the normal variates
``to_inference_data`` consists of (one per weight and draw, float32), and for ``effects`` the first
layer's products and activations (one per row, draw, action and hidden unit, float32), timed alone.

Every bandit is a cold start with its posterior spread made unequal (random means and scales), so
nothing is special about the numbers; timings are the best of three runs after a warm-up.
"""

from __future__ import annotations

import time

import numpy as np

from pybandits.cmab import CmabBernoulli
from pybandits.model.priors import LocationScale


def _best_of(function, repeat: int = 3) -> float:
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _spread(mab: CmabBernoulli, seed: int) -> CmabBernoulli:
    """The bandit with every network tensor at random means and scales: a posterior, not the prior."""
    rng = np.random.default_rng(seed)

    def varied(dist: LocationScale) -> LocationScale:
        return LocationScale(mu=rng.normal(0.0, 0.3, dist.shape), sigma=rng.uniform(0.05, 0.5, dist.shape))

    actions = {}
    for action_id, model in mab.actions.items():
        network = model.network
        actions[action_id] = model.model_copy(
            update={"network": network.with_parameters({k: varied(v) for k, v in network.parameters.items()})}
        )
    return mab.model_copy(update={"actions": actions})


def _layer_floor(rows: np.ndarray, n_draws: int = 200, n_actions: int = 10, width: int = 32) -> float:
    """Seconds for the first layer alone: ``rows @ W`` and tanh, in float32, every action and draw (blocks of 25)."""
    x = rows.astype(np.float32)
    weights = np.random.default_rng(0).normal(size=(rows.shape[1], 25 * width)).astype(np.float32)

    def run() -> None:
        for _ in range(n_actions * n_draws // 25):
            np.tanh(x @ weights)

    return _best_of(run, repeat=1)


def main() -> None:
    print("== inspection: to_inference_data, effects, explain ==")
    mab = _spread(
        CmabBernoulli.cold_start(action_ids=[f"a{i}" for i in range(100)], n_features=61, hidden_dim_list=[32]), 0
    )
    seconds = _best_of(lambda: mab.to_inference_data(n_draws=1000, random_seed=0))
    print(f"to_inference_data, 100 actions [32] on 61 features, 1,000 draws: {seconds:.2f} s (target <= 2 s)")

    n_values = 1000 * 100 * (61 * 32 + 32 + 32 + 1)
    generator = np.random.default_rng(0)
    floor = _best_of(lambda: generator.standard_normal(n_values, dtype=np.float32), repeat=2)
    print(f"  floor: {n_values / 1e6:.1f} M normal variates (float32) alone: {floor:.2f} s")

    rows = np.random.default_rng(1).normal(size=(10_000, 61))
    ten = _spread(
        CmabBernoulli.cold_start(action_ids=[f"a{i}" for i in range(10)], n_features=61, hidden_dim_list=[32]), 2
    )
    seconds = _best_of(lambda: ten.effects(rows, random_seed=0))
    print(f"effects, 10,000 rows, 10 actions [32] on 61 features, 200 draws: {seconds:.2f} s (target <= 2 s)")
    print(
        f"  floor: the first layer's products and tanh, 10,000 rows x 200 draws x 10 actions: "
        f"{_layer_floor(rows):.2f} s"
    )
    twenty = _spread(
        CmabBernoulli.cold_start(action_ids=[f"a{i}" for i in range(10)], n_features=20, hidden_dim_list=[32]), 3
    )
    seconds = _best_of(lambda: twenty.effects(rows[:, :20], random_seed=0))
    print(f"effects, 10,000 rows, 10 actions [32] on 20 features, 200 draws: {seconds:.2f} s")
    linear = _spread(
        CmabBernoulli.cold_start(action_ids=[f"a{i}" for i in range(10)], n_features=61, hidden_dim_list=[]), 4
    )
    seconds = _best_of(lambda: linear.effects(rows, random_seed=0))
    print(f"effects, 10,000 rows, 10 linear actions on 61 features, 200 draws: {seconds:.2f} s")
    trunk = CmabBernoulli.cold_start(
        action_ids=[f"a{i}" for i in range(10)], n_features=61, backbone_hidden_dim_list=[32], random_seed=5
    )
    seconds = _best_of(lambda: trunk.effects(rows, random_seed=0))
    print(f"effects, 10,000 rows, 10 linear heads on a [32] trunk, 61 features, 200 draws: {seconds:.2f} s")

    seconds = _best_of(lambda: mab.explain(rows[0], random_seed=0))
    print(f"explain one row, 100 actions [32] on 61 features, 1,000 draws: {seconds:.2f} s")


if __name__ == "__main__":
    main()
