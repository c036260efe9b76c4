"""Evolve a trained contextual bandit instead of starting over.

A bandit learns which of two offers to show from three context features. Later a fourth feature
becomes available and a third offer is launched. ``edit_model_on_the_fly`` grows the trained
bandit into the new shape: the two offers keep everything they learned, the new feature and the
new offer start from the prior, and training simply continues.

Run with ``python examples/transfer_learning.py``. The first run on a machine compiles PyTensor
code for tens of seconds; later runs take a few seconds.
"""

import numpy as np

from pybandits.cmab import CmabBernoulli
from pybandits.strategy import ClassicBandit
from pybandits.transfer import edit_model_on_the_fly

world = np.random.default_rng(42)


def reward_probability(action: str, context: np.ndarray) -> np.ndarray:
    """The simulated truth: each offer's conversion probability depends on the context."""
    logits = {
        "offer_A": 0.8 * context[:, 0] - 0.5 * context[:, 1],
        "offer_B": -0.6 * context[:, 0] + 0.7 * context[:, 2],
        "offer_C": 0.9 * context[:, 3] if context.shape[1] > 3 else np.zeros(len(context)),
    }[action]
    return 1.0 / (1.0 + np.exp(-logits))


def play(mab: CmabBernoulli, n_rows: int, n_features: int) -> float:
    """One batch: predict, observe simulated rewards, update. Returns the batch's reward rate."""
    context = world.normal(size=(n_rows, n_features))
    actions, _, _ = mab.predict(context=context)
    probability = np.array([reward_probability(a, context[i : i + 1])[0] for i, a in enumerate(actions)])
    rewards = (world.random(n_rows) < probability).astype(int)
    mab.update(actions=actions, rewards=rewards, context=context)
    return rewards.mean()


# Step 1: three features, two offers.
mab_v1 = CmabBernoulli.cold_start(
    action_ids={"offer_A", "offer_B"},
    n_features=3,
    strategy=ClassicBandit(),
    activation="tanh",
    update_kwargs={"num_steps": 200},
    random_seed=1,
)
rates = [play(mab_v1, n_rows=200, n_features=3) for _ in range(3)]
print("Step 1: trained on 3 features and 2 offers")
print(f"  reward rate per batch: {', '.join(f'{r:.2f}' for r in rates)}")
for action_id, model in mab_v1.actions.items():
    print(f"  {action_id}: n_successes={model.n_successes}, n_failures={model.n_failures}")

# Step 2: the template describes the configuration we want; the edit keeps what was learned.
template_v2 = CmabBernoulli.cold_start(
    action_ids={"offer_A", "offer_B", "offer_C"},
    n_features=4,
    strategy=ClassicBandit(),
    activation="tanh",  # structural: must match the trained bandit
    update_kwargs={"num_steps": 200},
    random_seed=2,
)
mab_v2, summary = edit_model_on_the_fly(mab_v1, template_v2, return_summary=True)
print("\nStep 2: evolved with edit_model_on_the_fly")
print("  " + str(summary).replace("\n", "\n  "))
for action_id in ("offer_A", "offer_B"):
    before, after = mab_v1.actions[action_id], mab_v2.actions[action_id]
    learned = np.array_equal(after.network.layers[0].weight.mu[:3], before.network.layers[0].weight.mu)
    assert learned and (after.n_successes, after.n_failures) == (before.n_successes, before.n_failures)
    print(
        f"  {action_id}: counts and the 3 learned weight rows kept, weight matrix {before.network.layers[0].shape}"
        f" -> {after.network.layers[0].shape}"
    )
print(
    f"  offer_C starts cold: n_successes={mab_v2.actions['offer_C'].n_successes}, "
    f"n_failures={mab_v2.actions['offer_C'].n_failures}"
)

# Step 3: keep training on four features with three offers.
rates = [play(mab_v2, n_rows=200, n_features=4) for _ in range(3)]
print("\nStep 3: continued training on 4 features and 3 offers")
print(f"  reward rate per batch: {', '.join(f'{r:.2f}' for r in rates)}")
for action_id, model in mab_v2.actions.items():
    print(f"  {action_id}: n_successes={model.n_successes}, n_failures={model.n_failures}")
