"""Action availability: ``default_action_fraction``, ``limited_actions`` and ``limited_action_fraction``.

What ``predict`` plays must be what ``action_probabilities`` says it plays: exactly where the shares
are known in closed form, within binomial standard errors where they are drawn (fixed seeds).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import pybandits
from pybandits import cli
from pybandits.bandits.base import BaseMab
from pybandits.cmab import CmabBernoulli, CmabBernoulliDP
from pybandits.config import bandit_from_config
from pybandits.persistence import documents, registry
from pybandits.smab import SmabBernoulli, SmabBernoulliDP
from pybandits.transfer import describe_edit, edit_model_on_the_fly

DATA = Path(__file__).parent / "data"
CLASSES = [registry.bandit_classes()[name] for name in registry.bandit_class_names()]


def three_actions(cls: type) -> dict:
    """Cold-start arguments of ``cls`` with the actions a, b and c (cheapest first, dearest last)."""
    name = cls.__name__
    arguments: dict = {"action_ids": ["a", "b", "c"]}
    if name.endswith("CC"):
        arguments = {"action_ids_cost": {"a": 1.0, "b": 2.0, "c": 3.0}}
    if "MO" in name:
        arguments["n_objectives"] = 2
    if name.endswith("DP"):
        arguments["action_ids_price"] = {"a": 1.0, "b": 2.0, "c": 3.0}
    if name.startswith("Cmab"):
        arguments["n_features"] = 2
    return arguments


def played(mab: BaseMab, n_rows: int, forbidden: object = None) -> np.ndarray:
    """The share of ``n_rows`` predictions that played each action, in the order of ``mab.actions``."""
    ids = list(mab.actions)
    if hasattr(mab, "input_dim"):
        allowed, chosen, _ = mab.predict_arrays(np.zeros((n_rows, mab.input_dim)), forbidden_actions=forbidden)
        actions = np.asarray(allowed, dtype=object)[chosen].tolist()
    else:
        actions = mab.predict(n_samples=n_rows, forbidden_actions=forbidden)[0]
    counts = Counter(getattr(a, "action_id", a) for a in actions)
    return np.array([counts[a] / n_rows for a in ids])


def probabilities(mab: BaseMab, n_draws: int, forbidden: object = None) -> np.ndarray:
    context = np.zeros((1, mab.input_dim)) if hasattr(mab, "input_dim") else None
    return mab.action_probabilities(context, n_draws=n_draws, forbidden_actions=forbidden)[1][0]


def assert_agree(frequencies: np.ndarray, p: np.ndarray, n_predicted: int, n_draws: int) -> None:
    """Predict's frequencies and action_probabilities agree within 4.5 binomial standard errors of both."""
    spread = np.sqrt(np.maximum(p * (1 - p), 1e-4) * (1 / n_predicted + 1 / n_draws))
    assert np.all(np.abs(frequencies - p) <= 4.5 * spread), (frequencies, p)
    assert p.sum() == pytest.approx(1.0)


def dominated_by_c(**settings) -> SmabBernoulli:
    """A bandit whose action c wins every Thompson draw it takes part in (Beta(401, 1) against Beta(1, 401))."""
    mab = SmabBernoulli.cold_start(action_ids=["a", "b", "c"], random_seed=0, **settings)
    mab.update(actions=["c"] * 400 + ["a"] * 400 + ["b"] * 400, rewards=[1] * 400 + [0] * 800)
    return mab


# -- exact shares ----------------------------------------------------------------------------------


def test_the_default_action_plays_exactly_its_fraction_of_the_exploring_rows():
    mab = SmabBernoulli.cold_start(
        action_ids=["a", "b", "c", "d"], epsilon=1.0, default_action="a", default_action_fraction=0.4, random_seed=0
    )
    np.testing.assert_allclose(probabilities(mab, 10), [0.4, 0.2, 0.2, 0.2], rtol=1e-15)
    assert_agree(played(mab, 20_000), np.array([0.4, 0.2, 0.2, 0.2]), 20_000, 10**12)


def test_a_fraction_of_one_or_none_explores_the_default_action_only():
    for fraction in (None, 1.0):
        mab = SmabBernoulli.cold_start(
            action_ids=["a", "b"], epsilon=1.0, default_action="b", default_action_fraction=fraction, random_seed=0
        )
        np.testing.assert_array_equal(probabilities(mab, 10), [0.0, 1.0])
        np.testing.assert_array_equal(played(mab, 500), [0.0, 1.0])


def test_exploration_is_mixed_with_the_strategy_exactly():
    mab = dominated_by_c(epsilon=0.3, default_action="a", default_action_fraction=0.5)
    # strategy: c; exploring rows: a half the time, else b or c uniformly
    np.testing.assert_allclose(probabilities(mab, 100), [0.15, 0.075, 0.7 + 0.075], rtol=1e-12)


def test_limited_actions_are_offered_on_their_share_of_the_rows_exactly():
    mab = dominated_by_c(limited_actions={"c"}, limited_action_fraction=0.3)
    p = probabilities(mab, 1_000)
    assert p[2] == pytest.approx(0.3, abs=1e-12)  # c wins wherever it is offered, and only there
    assert p[0] + p[1] == pytest.approx(0.7, abs=1e-12)
    assert_agree(played(mab, 20_000), p, 20_000, 1_000)


def test_closed_rows_neither_choose_nor_explore_the_limited_actions():
    mab = SmabBernoulli.cold_start(
        action_ids=["a", "b", "c"], epsilon=1.0, limited_actions=["c"], limited_action_fraction=0.2, random_seed=0
    )
    open_share, closed_share = 0.2 / 3, 0.2 / 3 + 0.8 / 2
    np.testing.assert_allclose(probabilities(mab, 10), [closed_share, closed_share, open_share], rtol=1e-15)
    never = SmabBernoulli.cold_start(
        action_ids=["a", "b", "c"], epsilon=0.5, limited_actions=["c"], limited_action_fraction=0.0, random_seed=0
    )
    assert probabilities(never, 200)[2] == 0.0
    assert played(never, 5_000)[2] == 0.0


def test_the_gate_is_drawn_per_row_and_the_sampled_rewards_still_name_every_allowed_action():
    mab = dominated_by_c(limited_actions=["c"], limited_action_fraction=0.5)
    actions, probs = mab.predict(n_samples=4_000)
    share = actions.count("c") / 4_000
    assert abs(share - 0.5) < 4.5 * np.sqrt(0.25 / 4_000)  # one call: some rows open, others closed
    assert all(sorted(row) == ["a", "b", "c"] for row in probs)


def test_each_row_draws_its_own_gate_before_the_strategy_chooses():
    mab = SmabBernoulli.cold_start(
        action_ids=["a", "b", "c"], limited_actions=["c"], limited_action_fraction=0.4, random_seed=5
    )
    sampled = np.tile([0.1, 0.2, 0.9], (1_000, 1))  # c is the best draw of every row, then b
    gate = copy.deepcopy(mab._rng).random(1_000) < 0.4  # the first draw of the selection: one per row
    chosen = mab._select_indices(sampled, ["a", "b", "c"])
    np.testing.assert_array_equal(chosen, np.where(gate, 2, 1))
    assert 300 < gate.sum() < 500


# -- forbidden actions -----------------------------------------------------------------------------


def test_a_row_left_with_only_limited_actions_keeps_them():
    mab = dominated_by_c(epsilon=0.2, limited_actions=["b", "c"], limited_action_fraction=0.0)
    np.testing.assert_array_equal(probabilities(mab, 50, forbidden=["a"])[0], 0.0)
    p = probabilities(mab, 500, forbidden=["a"])
    assert p[2] == pytest.approx(0.8 + 0.1, abs=1e-12)  # the strategy's c, and half the exploring rows
    assert_agree(played(mab, 5_000, forbidden=["a"]), p, 5_000, 500)


def test_the_default_as_the_only_offered_action_is_played_and_a_forbidden_default_is_not_explored():
    only = SmabBernoulli.cold_start(
        action_ids=["a", "b", "c"],
        epsilon=1.0,
        default_action="a",
        default_action_fraction=0.5,
        limited_actions=["b", "c"],
        limited_action_fraction=0.0,
        random_seed=0,
    )
    np.testing.assert_array_equal(probabilities(only, 10), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(played(only, 300), [1.0, 0.0, 0.0])
    forbidden = SmabBernoulli.cold_start(
        action_ids=["a", "b", "c"], epsilon=1.0, default_action="a", default_action_fraction=0.5, random_seed=0
    )
    np.testing.assert_array_equal(probabilities(forbidden, 10, forbidden=["a"]), [0.0, 0.5, 0.5])
    assert played(forbidden, 300, forbidden=["a"])[0] == 0.0


# -- every class -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES, ids=[cls.__name__ for cls in CLASSES])
def test_every_class_plays_what_action_probabilities_says(cls):
    settings = {"epsilon": 0.3, "default_action": "a", "default_action_fraction": 0.5}
    mab = cls.cold_start(
        **three_actions(cls), **settings, limited_actions=["c"], limited_action_fraction=0.4, random_seed=1
    )
    p = probabilities(mab, 3_000)
    assert_agree(played(mab, 3_000), p, 3_000, 3_000)
    never = cls.cold_start(**three_actions(cls), **settings, limited_actions={"c"}, limited_action_fraction=0.0)
    assert probabilities(never, 100)[2] == 0.0 and played(never, 500)[2] == 0.0
    explore = cls.cold_start(**three_actions(cls), **{**settings, "epsilon": 1.0}, random_seed=0)
    np.testing.assert_allclose(probabilities(explore, 10), [0.5, 0.25, 0.25], rtol=1e-15)


def test_quantitative_actions_can_be_limited_and_explored():
    stochastic = SmabBernoulli.cold_start(
        action_ids=["a", "b"],
        quantitative_action_ids={"q": 1},
        epsilon=0.4,
        default_action="a",
        default_action_fraction=0.25,
        limited_actions=["q"],
        limited_action_fraction=0.3,
        random_seed=0,
    )
    contextual = CmabBernoulli.cold_start(
        action_ids=["a", "b"],
        quantitative_action_ids={"q": 1},
        hidden_dim_list=[2],
        n_features=2,
        epsilon=0.4,
        default_action="a",
        default_action_fraction=0.25,
        limited_actions=["q"],
        limited_action_fraction=0.3,
        random_seed=0,
    )
    for mab in (stochastic, contextual):
        p = probabilities(mab, 2_000)
        assert_agree(played(mab, 2_000), p, 2_000, 2_000)
        assert 0.0 < p[list(mab.actions).index("q")] < 0.3 + 1e-12
    choices = stochastic.predict(n_samples=200)[0]
    assert all(choice.quantity is not None for choice in choices if choice.action_id == "q")


@pytest.mark.parametrize("cls", [SmabBernoulliDP, CmabBernoulliDP])
def test_pricing_bandits_limit_a_price_by_action(cls):
    mab = cls.cold_start(**three_actions(cls), limited_actions=["c"], limited_action_fraction=0.0, random_seed=0)
    assert probabilities(mab, 300)[2] == 0.0 and played(mab, 300)[2] == 0.0


# -- state, transfer, configs and the command line -------------------------------------------------


def test_the_settings_round_trip_through_the_state_and_are_omitted_when_unset():
    mab = SmabBernoulli.cold_start(
        action_ids=["a", "b", "c"],
        epsilon=0.1,
        default_action="a",
        default_action_fraction=0.3,
        limited_actions={"c", "b"},
        limited_action_fraction=0.6,
        random_seed=0,
    )
    document = json.loads(mab.get_state()[1])["bandit"]
    assert document["limited_actions"] == ["b", "c"] and document["limited_action_fraction"] == 0.6
    assert document["default_action_fraction"] == 0.3
    again = BaseMab.from_state(mab.get_state()[1])
    assert again == mab and again.limited_actions == ["b", "c"]
    assert again.predict(n_samples=20) == mab.predict(n_samples=20)
    plain = json.loads(SmabBernoulli.cold_start(action_ids=["a"]).get_state()[1])["bandit"]
    assert not {"default_action_fraction", "limited_actions", "limited_action_fraction"} & set(plain)


def test_states_saved_before_the_settings_existed_load_and_save_back_unchanged():
    recorded = json.loads((DATA / "golden" / "pymc5" / "smab_bernoulli.json").read_text())["state_after_update"]
    mab = BaseMab.from_state(recorded)
    assert (mab.default_action_fraction, mab.limited_actions, mab.limited_action_fraction) == (None, None, None)
    assert documents.to_document(mab)["bandit"] == recorded["bandit"]
    schema1 = json.loads((DATA / "schema1" / "states.json").read_text())["cases"]["smab_cc"]["state"]
    assert BaseMab.from_state(schema1).limited_actions is None


def test_transfer_takes_the_templates_settings_and_reports_them():
    current = dominated_by_c(epsilon=0.1, default_action="a", limited_actions=["c"], limited_action_fraction=0.2)
    template = SmabBernoulli.cold_start(
        action_ids=["a", "b", "d"], epsilon=0.1, default_action="a", default_action_fraction=0.5, random_seed=3
    )
    evolved, summary = edit_model_on_the_fly(current, template, return_summary=True)
    assert evolved.limited_actions is None and evolved.default_action_fraction == 0.5  # c, dropped, is not limited
    assert summary.changed["limited_actions"] == (["c"], None)
    assert summary.changed["default_action_fraction"] == (None, 0.5)
    assert evolved.actions["a"] == current.actions["a"]
    limited_new = SmabBernoulli.cold_start(
        action_ids=["a", "c", "d"], limited_actions=["d"], limited_action_fraction=0.1
    )
    edited = edit_model_on_the_fly(current, limited_new)
    assert (edited.limited_actions, edited.limited_action_fraction) == (["d"], 0.1)
    assert describe_edit(current, limited_new).changed["limited_action_fraction"] == (0.2, 0.1)
    assert edited.actions["c"] == current.actions["c"]


def test_configs_and_the_command_line_take_the_settings(tmp_path, capsys):
    config = tmp_path / "bandit.toml"
    config.write_text(
        'class = "SmabBernoulli"\n[cold_start]\naction_ids = ["a", "b", "c"]\nepsilon = 0.2\ndefault_action = "a"\n'
        'default_action_fraction = 0.5\nlimited_actions = ["c"]\nlimited_action_fraction = 0.25\nrandom_seed = 0\n'
    )
    expected = SmabBernoulli.cold_start(
        action_ids=["a", "b", "c"],
        epsilon=0.2,
        default_action="a",
        default_action_fraction=0.5,
        limited_actions=["c"],
        limited_action_fraction=0.25,
        random_seed=0,
    )
    assert bandit_from_config(config) == expected
    out = tmp_path / "bandit.json"
    assert cli.main(["init", "--config", str(config), "--out", str(out)]) == 0
    assert pybandits.load(out) == expected
    capsys.readouterr()
    assert cli.main(["info", "--state", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "default_action a  default_action_fraction 0.5" in printed
    assert "limited    c: offered on 0.25 of the rows" in printed
    arguments = {"action_ids": ["a", "b", "c"], "limited_actions": ["c"], "limited_action_fraction": 1.5}
    with pytest.raises(ValueError, match="limited_action_fraction: expected a number in \\[0, 1\\], got 1.5"):
        bandit_from_config({"class": "SmabBernoulli", "cold_start": arguments})


# -- refusals that the table of wrong calls does not cover ------------------------------------------


def test_a_bandit_built_or_copied_with_bad_settings_is_refused():
    mab = SmabBernoulli.cold_start(action_ids=["a", "b"], epsilon=0.1, default_action="a", random_seed=0)
    state = mab.get_state()[1]
    for update, named in [
        ({"limited_actions": ["zz"], "limited_action_fraction": 0.5}, "limited_actions"),
        ({"limited_action_fraction": 0.5}, "limited_action_fraction"),
        ({"default_action_fraction": True}, "default_action_fraction"),
        ({"default_action_fraction": 0.5, "default_action": None}, "default_action_fraction"),
        ({"limited_actions": ["b"], "limited_action_fraction": float("nan")}, "limited_action_fraction"),
    ]:
        with pytest.raises((TypeError, ValueError), match=named):
            mab.model_copy(update=update)
        document = json.loads(state)
        document["bandit"].update(update)
        with pytest.raises(ValueError, match=named):
            BaseMab.from_state(json.dumps(document).replace("NaN", '"nan"'))
    assert mab.get_state()[1] == state
