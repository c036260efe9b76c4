"""Properties of edit_model_on_the_fly through the public API, for any valid edit."""

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pybandits.cmab import CmabBernoulli
from pybandits.smab import SmabBernoulli
from pybandits.transfer import edit_model_on_the_fly

ids = st.sets(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1)


@settings(max_examples=50, deadline=None)
@given(current_ids=ids, template_ids=ids, plays=st.lists(st.tuples(st.integers(0, 4), st.booleans()), max_size=40))
def test_smab_edit_keeps_counts_and_takes_the_template_actions(current_ids, template_ids, plays):
    current = SmabBernoulli.cold_start(action_ids=current_ids, random_seed=0)
    ordered = sorted(current_ids)
    actions = [ordered[i % len(ordered)] for i, _ in plays]
    current.update(actions=actions, rewards=[int(r) for _, r in plays])
    template = SmabBernoulli.cold_start(action_ids=template_ids, random_seed=1)
    before = (current.get_state(), template.get_state())
    evolved = edit_model_on_the_fly(current, template)
    assert set(evolved.actions) == template_ids
    for action_id, model in evolved.actions.items():
        source = current.actions.get(action_id, template.actions[action_id])
        assert (model.n_successes, model.n_failures) == (source.n_successes, source.n_failures)
    assert (current.get_state(), template.get_state()) == before


def trained_looking(n_features, hidden, seed):
    """A contextual bandit whose posterior arrays are arbitrary Normal distributions (via its state)."""
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=n_features, hidden_dim_list=hidden, random_seed=0)
    document = json.loads(mab.get_state()[1])
    rng = np.random.default_rng(seed)
    for action in document["bandit"]["actions"].values():
        action["stats"] = {"n_successes": int(rng.integers(1, 50)), "n_failures": int(rng.integers(1, 50))}
        for layer in action["network"]["layers"]:
            for tensor in (layer["weight"], layer["bias"]):
                shape = np.shape(tensor["mu"])
                tensor["mu"] = rng.normal(size=shape).tolist()
                tensor["sigma"] = rng.uniform(0.05, 1.0, size=shape).tolist()
                tensor["nu"] = None
    return CmabBernoulli.from_state(json.dumps(document))


@settings(max_examples=40, deadline=None)
@given(
    n_features=st.integers(1, 3),
    extra_features=st.integers(0, 2),
    hidden=st.lists(st.integers(1, 3), max_size=2),
    extra_width=st.lists(st.integers(0, 2), min_size=2, max_size=2),
    seed=st.integers(0, 1000),
)
def test_cmab_growth_never_shrinks_and_preserves_mean_logits(n_features, extra_features, hidden, extra_width, seed):
    current = trained_looking(n_features, hidden, seed)
    wider = [w + extra for w, extra in zip(hidden, extra_width, strict=False)]
    template = CmabBernoulli.cold_start(
        action_ids={"b", "c"}, n_features=n_features + extra_features, hidden_dim_list=wider, random_seed=1
    )
    before = (current.get_state(), template.get_state())
    evolved = edit_model_on_the_fly(current, template)
    assert (current.get_state(), template.get_state()) == before
    assert set(evolved.actions) == {"b", "c"}
    grown, old = evolved.actions["b"], current.actions["b"]
    assert (grown.n_successes, grown.n_failures) == (old.n_successes, old.n_failures)
    for new_layer, old_layer in zip(grown.network.layers, old.network.layers, strict=True):
        assert all(n >= o for n, o in zip(new_layer.shape, old_layer.shape, strict=True))
        corner = tuple(slice(0, size) for size in old_layer.shape)
        assert np.array_equal(new_layer.weight.mu[corner], old_layer.weight.mu)
        assert np.array_equal(new_layer.weight.sigma[corner], old_layer.weight.sigma)
    context = np.random.default_rng(seed).normal(size=(10, n_features))
    padded = np.hstack([context, np.zeros((10, extra_features))])

    def logits(action, x):
        return action.network.mean_outputs(x)

    assert np.max(np.abs(logits(grown, padded) - logits(old, context))) < 1e-9
    assert evolved.actions["c"] == template.actions["c"]
