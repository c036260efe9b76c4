"""Looking inside a bandit (pybandits.bandits.inspection): the speed of its three readers.

- ``to_inference_data`` for 100 actions with ``[32]`` networks on 61 features, 1,000 draws
  (target: <= 2 s);
- ``effects`` on 10,000 rows for 10 actions with the same networks, at the default 200 draws
  (target: <= 2 s); also with a shared trunk ``[32]`` and linear heads, and on 20 features;
- ``explain`` of one row (1,000 draws), for information;
- with ``--coverage``: the 90% intervals of ``to_inference_data`` on logistic worlds whose true
  weights are drawn from the bandit's own Normal prior (so the exact posterior's intervals cover
  them 90% of the time, averaged over worlds), fitted by ADVI and by NUTS (nutpie): the share of
  true weights inside their intervals, with its Monte Carlo standard error; and the share of a
  linear-Gaussian world's coefficients inside ``effects``' 90% intervals.

Each target is printed beside the floor of the exact method on this machine: the normal variates
``to_inference_data`` consists of (one per weight and draw, float32), and for ``effects`` the first
layer's products and activations (one per row, draw, action and hidden unit, float32), timed alone.

Every bandit is a cold start with its posterior spread made unequal (random means and scales), so
nothing is special about the numbers; timings are the best of three runs after a warm-up.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from pybandits.cmab import CmabBernoulli, CmabGaussian
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


def _coverage_world(seed: int, n_rows: int = 300, n_features: int = 3):
    rng = np.random.default_rng(seed)
    weights, bias = rng.normal(size=n_features), rng.normal()  # the prior: N(0, 1) per weight and bias
    context = rng.normal(size=(n_rows, n_features))
    rewards = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-(context @ weights + bias)))).astype(int)
    return context, rewards.tolist(), np.append(weights, bias)


def coverage(n_worlds: int, methods: list[str]) -> None:
    """The share of true weights inside to_inference_data's 90% intervals, per inference method."""
    settings = {
        "ADVI": {"update_method": "VI", "update_kwargs": None},
        "NUTS": {"update_method": "MCMC", "update_kwargs": {"sampler": "nutpie", "draws": 1000, "tune": 1000}},
    }
    for method in methods:
        inside, total, start = 0, 0, time.perf_counter()
        for seed in range(n_worlds):
            context, rewards, truth = _coverage_world(seed)
            mab = CmabBernoulli.cold_start(
                action_ids=["a"], n_features=3, hidden_dim_list=[], dist_type="normal", random_seed=seed,
                **settings[method],
            )  # fmt: skip
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mab.update(context=context, actions=["a"] * len(rewards), rewards=rewards)
            posterior = mab.to_inference_data(n_draws=4000, random_seed=seed)["posterior"]
            draws = np.concatenate(
                [posterior["w0"].values.reshape(4000, 3), posterior["b0"].values.reshape(4000, 1)], axis=1
            )
            low, high = np.quantile(draws, [0.05, 0.95], axis=0)
            inside += int(np.sum((low <= truth) & (truth <= high)))
            total += truth.size
        share = inside / total
        error = np.sqrt(0.9 * 0.1 / total)
        print(
            f"coverage of 90% intervals, {method}: {share:.3f} ({inside} of {total} true weights; Monte Carlo se "
            f"{error:.3f}, so 0.90 +- {2 * error:.3f} is nominal) in {time.perf_counter() - start:.0f} s"
        )
    inside = total = 0
    for seed in range(n_worlds):
        rng = np.random.default_rng(1000 + seed)
        coefficients = rng.normal(size=3)
        context = rng.normal(size=(400, 3))
        rewards = context @ coefficients + 0.5 + rng.normal(0.0, 1.0, 400)
        mab = CmabGaussian.cold_start(action_ids=["a"], n_features=3, hidden_dim_list=[], random_seed=seed)
        mab.update(context=context, actions=["a"] * 400, rewards=rewards.tolist())
        table = mab.effects(context, n_draws=1000, random_seed=seed, ci_prob=0.9)
        inside += int(np.sum((table["lower"] <= coefficients) & (coefficients <= table["upper"])))
        total += 3
    print(
        f"effects of a linear-Gaussian world (ADVI): {inside} of {total} true coefficients inside their 90% intervals"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--coverage", type=int, default=0, metavar="N", help="coverage study on N worlds per method")
    parser.add_argument("--methods", nargs="*", default=["ADVI", "NUTS"])
    args = parser.parse_args()
    if args.coverage:
        coverage(args.coverage, args.methods)
    else:
        main()
