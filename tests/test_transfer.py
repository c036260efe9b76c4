"""edit_model_on_the_fly: what is kept, grown, added, dropped and refused."""

import logging
from dataclasses import replace

import numpy as np
import pytest

from pybandits.bandits.strategies import CostControlBandit
from pybandits.cmab import CmabBernoulli, CmabBernoulliCC, CmabBernoulliMO
from pybandits.smab import SmabBernoulli, SmabBernoulliCC, SmabBernoulliMO
from pybandits.transfer import EditSummary, describe_edit, edit_model_on_the_fly

FAST = {"num_steps": 100}


@pytest.fixture(scope="module")
def trained_v1(logistic):
    """A contextual bandit trained on 3 features, actions A and B, one hidden layer of 3."""
    context, rewards, _ = logistic.sample(200, seed=0)
    mab = CmabBernoulli.cold_start(
        action_ids={"A", "B"}, n_features=3, hidden_dim_list=[3], update_kwargs=FAST, random_seed=0
    )
    mab.update(actions=["A", "B"] * 100, rewards=rewards, context=context)
    return mab


def template(n_features=4, hidden=(3,), actions=("A", "B", "C"), **kwargs):
    return CmabBernoulli.cold_start(
        action_ids=set(actions), n_features=n_features, hidden_dim_list=list(hidden), random_seed=1, **kwargs
    )


def mean_logits(action, context):
    return action.network.mean_outputs(context)


# -- stochastic bandits -----------------------------------------------------------------------


def test_smab_keeps_counts_adds_and_drops_actions():
    current = SmabBernoulli.cold_start(action_ids={"a", "b", "old"}, random_seed=0)
    current.update(actions=["a", "a", "b", "old"], rewards=[1, 0, 1, 1])
    new = SmabBernoulli.cold_start(action_ids={"a", "b", "new"}, epsilon=0.1, default_action="new", random_seed=5)
    evolved, summary = edit_model_on_the_fly(current, new, return_summary=True)
    assert list(evolved.actions) == ["a", "b", "new"]
    assert (evolved.actions["a"].n_successes, evolved.actions["a"].n_failures) == (2, 2)
    assert (evolved.actions["new"].n_successes, evolved.actions["new"].n_failures) == (1, 1)
    assert evolved.epsilon == 0.1 and evolved.default_action == "new"
    assert (summary.kept, summary.added, summary.dropped) == (["a", "b"], ["new"], ["old"])
    assert summary.changed["epsilon"] == (None, 0.1)


def test_cost_control_and_plain_classes_may_be_exchanged():
    current = SmabBernoulli.cold_start(action_ids={"a", "b"})
    current.update(actions=["a"], rewards=[1])
    new = SmabBernoulliCC.cold_start(action_ids_cost={"a": 2.0, "b": 0.5}, strategy=CostControlBandit(0.3))
    evolved = edit_model_on_the_fly(current, new)
    assert type(evolved) is SmabBernoulliCC
    assert evolved.actions["a"].n_successes == 2 and evolved.actions["a"].cost == 2.0
    back = edit_model_on_the_fly(evolved, SmabBernoulli.cold_start(action_ids={"a"}))
    assert type(back) is SmabBernoulli and back.actions["a"].cost is None and back.actions["a"].n_successes == 2


def test_stochastic_and_contextual_cannot_be_exchanged():
    smab = SmabBernoulli.cold_start(action_ids={"a"})
    cmab = CmabBernoulli.cold_start(action_ids={"a"}, n_features=2)
    with pytest.raises(TypeError, match="a stochastic and a contextual bandit cannot be exchanged"):
        edit_model_on_the_fly(smab, cmab)
    with pytest.raises(TypeError, match="a stochastic and a contextual bandit cannot be exchanged"):
        edit_model_on_the_fly(cmab, smab)
    with pytest.raises(TypeError, match="current_mab: expected a pybandits bandit, got dict"):
        edit_model_on_the_fly({}, smab)


def test_single_and_multi_objective_cannot_be_exchanged():
    with pytest.raises(TypeError, match="a single- and a multi-objective bandit cannot be exchanged"):
        edit_model_on_the_fly(
            SmabBernoulli.cold_start(action_ids={"a"}), SmabBernoulliMO.cold_start(action_ids={"a"}, n_objectives=2)
        )
    with pytest.raises(
        ValueError, match="expected n_objectives to stay the same, got 2 in current_mab and 3 in new_mab"
    ):
        edit_model_on_the_fly(
            CmabBernoulliMO.cold_start(action_ids={"a"}, n_features=2, n_objectives=2),
            CmabBernoulliMO.cold_start(action_ids={"a"}, n_features=2, n_objectives=3),
        )


# -- contextual growth --------------------------------------------------------------------------


def test_feature_growth_keeps_the_learned_rows_and_takes_the_template_prior(trained_v1):
    new = template()
    evolved = edit_model_on_the_fly(trained_v1, new)
    assert evolved.input_dim == 4
    for action_id in ("A", "B"):
        old, grown = trained_v1.actions[action_id], evolved.actions[action_id]
        assert (grown.n_successes, grown.n_failures) == (old.n_successes, old.n_failures)
        first = grown.network.layers[0].weight
        assert first.shape == (4, 3)
        assert np.array_equal(first.mu[:3], old.network.layers[0].weight.mu)
        assert np.array_equal(first.sigma[:3], old.network.layers[0].weight.sigma)
        prior = new.actions[action_id].network.layers[0].weight
        assert np.array_equal(first.mu[3], prior.mu[3]) and np.array_equal(first.sigma[3], prior.sigma[3])
        assert np.all(np.isinf(first.nu[:3])) and np.array_equal(first.nu[3], prior.nu[3])  # Normal beside Student-t
        for index in (1,):  # untouched layers are carried as they are
            assert grown.network.layers[index] == old.network.layers[index]
    assert evolved.actions["C"] == new.actions["C"]


def test_mean_logits_are_preserved_with_the_new_features_at_zero(trained_v1):
    context = np.random.default_rng(3).normal(size=(25, 3))
    padded = np.hstack([context, np.zeros((25, 2))])
    evolved = edit_model_on_the_fly(trained_v1, template(n_features=5, hidden=(6,)))  # features and width grow
    for action_id in ("A", "B"):
        before = mean_logits(trained_v1.actions[action_id], context)
        after = mean_logits(evolved.actions[action_id], padded)
        assert np.max(np.abs(after - before)) < 1e-9


def test_predictive_distribution_is_preserved_with_the_new_feature_at_zero(trained_v1):
    evolved = edit_model_on_the_fly(trained_v1, template())
    context = np.tile([[0.5, -1.0, 0.3]], (20_000, 1))
    padded = np.hstack([context, np.zeros((20_000, 1))])
    before = np.array([p["A"] for p in trained_v1.model_copy(deep=True).predict(context=context)[1]])
    evolved._rng = np.random.default_rng(99)
    after = np.array([p["A"] for p in evolved.predict(context=padded, forbidden_actions={"C"})[1]])
    standard_error = np.sqrt(before.var() / len(before) + after.var() / len(after))
    assert abs(before.mean() - after.mean()) < 4 * standard_error
    assert abs(before.std() - after.std()) < 0.02
    assert np.quantile(before, 0.9) == pytest.approx(np.quantile(after, 0.9), abs=0.02)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_features": 2}, r"n_features cannot shrink\) for action 'A', got 3 in current_mab and 2 in new_mab"),
        (
            {"hidden": (2,)},
            r"hidden_dim_list cannot narrow a layer\) for action 'A', got \[3\] in current_mab and \[2\] in new_mab",
        ),
        ({"hidden": (3, 3)}, r"hidden_dim_list must keep the number of hidden layers\) for action 'A'"),
        ({"hidden": ()}, "hidden_dim_list must keep the number of hidden layers"),
        (
            {"activation": "relu"},
            r"activation must match\) for action 'A', got 'tanh' in current_mab and 'relu' in new_mab",
        ),
        ({"use_residual_connections": True}, r"use_residual_connections must match\) for action 'A'"),
    ],
)
def test_refused_edits_name_the_setting_the_action_and_both_values(trained_v1, kwargs, message):
    before = trained_v1.get_state()
    new = template(**kwargs)
    new_before = new.get_state()
    with pytest.raises(ValueError, match=message):
        edit_model_on_the_fly(trained_v1, new)
    with pytest.raises(ValueError, match=message):
        describe_edit(trained_v1, new)
    assert trained_v1.get_state() == before and new.get_state() == new_before


def test_settings_come_from_the_template_and_a_method_change_is_logged(trained_v1, caplog):
    new = template(
        update_method="MCMC",
        update_kwargs={"draws": 50},
        dist_type="normal",
        epsilon=0.2,
    )
    with caplog.at_level(logging.WARNING, logger="pybandits"):
        evolved, summary = edit_model_on_the_fly(trained_v1, new, return_summary=True)
    assert "update_method changes from VI to MCMC" in caplog.text
    action = evolved.actions["A"]
    assert action.update_method == "MCMC" and action.update_kwargs["draws"] == 50
    assert action.dist_type == "normal" and evolved.epsilon == 0.2
    assert summary.changed["update_method"] == ("VI", "MCMC")
    assert summary.changed["dist_type"] == ("studentt", "normal")


def test_inputs_are_not_mutated_and_share_no_state(trained_v1):
    new = template()
    current_state, template_state = trained_v1.get_state(), new.get_state()
    evolved = edit_model_on_the_fly(trained_v1, new)
    assert trained_v1.get_state() == current_state and new.get_state() == template_state
    assert evolved._rng is not new._rng
    evolved.predict(context=np.zeros((5, 4)))  # moves only the result's generator
    assert new.get_state() == template_state
    for action_id in ("A", "B"):
        layers = zip(
            evolved.actions[action_id].network.layers, trained_v1.actions[action_id].network.layers, strict=True
        )
        for grown, old in layers:
            assert not np.shares_memory(grown.weight.mu, old.weight.mu)
            assert not grown.weight.mu.flags.writeable


def test_summary_reads_as_text_and_html(trained_v1):
    summary = describe_edit(trained_v1, template(hidden=(5,)))
    assert isinstance(summary, EditSummary)
    text = str(summary)
    assert "features                      3 -> 4" in text
    assert "hidden layers                 [3] -> [5]" in text
    assert "actions added (cold start)    C" in text
    html = summary._repr_html_()
    assert html.startswith("<table>") and "<td style='text-align:left'>3 -&gt; 4</td>" in html


def test_first_update_after_an_edit_fits_the_grown_network(trained_v1, logistic):
    evolved = edit_model_on_the_fly(trained_v1, template(update_kwargs=FAST))
    context, rewards, _ = replace(logistic, weights=np.array([1.0, -1.0, 0.5, 0.8])).sample(90, seed=4)
    evolved.update(actions=["A", "B", "C"] * 30, rewards=rewards, context=context)
    for action_id in ("A", "B", "C"):
        weight = evolved.actions[action_id].network.layers[0].weight
        assert weight.family == "normal" and weight.shape == (4, 3)
        assert np.all(np.isfinite(weight.mu)) and np.all(weight.sigma > 0)
    assert evolved.actions["C"].n_successes + evolved.actions["C"].n_failures == 32


def test_cost_control_contextual_edit_takes_template_costs(trained_v1):
    new = CmabBernoulliCC.cold_start(action_ids_cost={"A": 3.0, "B": 1.0}, n_features=3, hidden_dim_list=[3])
    evolved = edit_model_on_the_fly(trained_v1, new)
    assert type(evolved) is CmabBernoulliCC
    assert evolved.actions["A"].cost == 3.0
    assert evolved.actions["A"].n_successes == trained_v1.actions["A"].n_successes
