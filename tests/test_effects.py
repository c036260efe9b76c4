"""effects and explain: marginal effects by back-propagation, one row's decision from the bandit's own draws."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from pybandits.cmab import CmabBernoulli, CmabBernoulliMO, CmabGaussian
from pybandits.model.bnn.effects import expected_and_mean_gradient, expected_rewards
from pybandits.model.bnn.forward import ACTIVATIONS, activate, activation_slope
from pybandits.model.ops import NUMPY_OPS
from pybandits.smab import SmabBernoulli, SmabGaussian

FAST = {"num_steps": 300}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activations_slope_is_its_derivative(name):
    z = np.linspace(-4.0, 4.0, 81) + 0.0125  # off relu's kink
    h = 1e-6
    numeric = (activate(name, z + h, NUMPY_OPS) - activate(name, z - h, NUMPY_OPS)) / (2 * h)
    np.testing.assert_allclose(activation_slope(name, z, activate(name, z, NUMPY_OPS)), numeric, atol=1e-6)


def _bandits():
    """One bandit of every contextual kind and shape the effects go through."""
    yield (
        "residual [8, 8]",
        CmabBernoulli.cold_start(
            action_ids=["a", "b"], n_features=4, hidden_dim_list=[8, 8], use_residual_connections=True, random_seed=0
        ),
    )
    yield (
        "gaussian gelu [8]",
        CmabGaussian.cold_start(action_ids=["a"], n_features=4, hidden_dim_list=[8], activation="gelu", random_seed=0),
    )
    yield "linear", CmabBernoulli.cold_start(action_ids=["a"], n_features=4, hidden_dim_list=[], random_seed=0)
    yield (
        "trunk [8, 8], linear heads",
        CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=4, backbone_hidden_dim_list=[8, 8], random_seed=0),
    )
    yield (
        "trunk [8], network heads [4]",
        CmabGaussian.cold_start(
            action_ids=["a"], n_features=4, backbone_hidden_dim_list=[8], hidden_dim_list=[4], random_seed=0
        ),
    )
    yield (
        "sigmoid trunk [6]",
        CmabBernoulli.cold_start(
            action_ids=["a"], n_features=4, backbone_hidden_dim_list=[6], activation="sigmoid", random_seed=0
        ),
    )


@pytest.mark.parametrize("label, mab", list(_bandits()), ids=[label for label, _ in _bandits()])
def test_the_gradient_is_the_derivative_of_the_expected_reward(label, mab):
    rows = np.random.default_rng(1).normal(size=(40, 4))
    for action_id in mab.actions:
        ((family, stages),) = mab.kind.reward_stages(mab, action_id, 5, np.random.default_rng(2))
        _, gradient = expected_and_mean_gradient(stages, rows, family, 5, dtype=np.float64)
        _, single = expected_and_mean_gradient(stages, rows, family, 5)  # the default: float32
        np.testing.assert_allclose(single, gradient, atol=1e-4 * max(1.0, float(np.abs(gradient).max())))
        numeric = list(stages[0].numeric_columns) or list(range(4))
        for position, column in enumerate(numeric):
            h = 1e-5
            up, down = rows.copy(), rows.copy()
            up[:, column] += h
            down[:, column] -= h
            rewards = [expected_rewards(stages, x, family, 5, dtype=np.float64) for x in (up, down)]
            central = (rewards[0] - rewards[1]).mean(axis=1) / (2 * h)
            np.testing.assert_allclose(gradient[:, position], central, rtol=1e-5, atol=1e-8, err_msg=label)


def _linear_gaussian_world(seed: int, n_rows: int):
    rng = np.random.default_rng(seed)
    coefficients = {"a": np.array([1.5, -0.8, 0.0]), "b": np.array([-0.5, 0.6, 1.0])}
    context = rng.normal(size=(n_rows, 3))
    actions = rng.choice(["a", "b"], n_rows)
    rewards = np.array([context[i] @ coefficients[a] + 0.3 for i, a in enumerate(actions)])
    return context, actions.tolist(), rewards + rng.normal(0.0, 0.5, n_rows), coefficients


@pytest.mark.parametrize("kind", ["network per action", "shared trunk"])
def test_a_linear_gaussian_worlds_effects_are_its_coefficients(kind):
    context, actions, rewards, coefficients = _linear_gaussian_world(0, 800)
    if kind == "shared trunk":
        mab = CmabGaussian.cold_start(
            action_ids=["a", "b"], n_features=3, backbone_hidden_dim_list=[8], activation="relu", random_seed=0
        )
    else:
        mab = CmabGaussian.cold_start(
            action_ids=["a", "b"], n_features=3, hidden_dim_list=[], update_kwargs=FAST, random_seed=0
        )
    mab.update(context=context, actions=actions, rewards=rewards.tolist())
    table = mab.effects(context, n_draws=400, random_seed=0, ci_prob=0.99)
    assert list(table.columns) == ["action", "feature", "level", "reference", "mean", "sd", "lower", "upper"]
    for row in table.itertuples():
        truth = coefficients[row.action][int(row.feature[1:])]
        assert abs(row.mean - truth) < 0.15, (kind, row)
        if kind == "network per action":  # the exact posterior of a linear model: the truth inside its interval
            assert row.lower <= truth <= row.upper, row
    assert table.attrs == {"ci_prob": 0.99, "n_draws": 400, "n_rows": 800, "random_seed": 0}


def test_a_categorical_columns_levels_are_compared_with_the_most_frequent():
    rng = np.random.default_rng(3)
    n = 600
    frame = pd.DataFrame({"x": rng.normal(size=n), "country": rng.choice(["fr", "de", "it"], n, p=[0.5, 0.3, 0.2])})
    lift = {"fr": 0.0, "de": 1.0, "it": -1.0}
    rewards = frame["x"] * 0.5 + frame["country"].map(lift) + rng.normal(0.0, 0.3, n)
    mab = CmabGaussian.cold_start(
        action_ids=["a"], n_features=2, feature_names=["x", "country"], categorical_features={"country": 4},
        hidden_dim_list=[], update_kwargs={"num_steps": 600}, random_seed=0,
    )  # fmt: skip
    mab.update(context=frame, actions=["a"] * n, rewards=rewards.tolist())
    table = mab.effects(frame, n_draws=300, random_seed=1)
    levels = table[table["feature"] == "country"].set_index("level")
    assert set(levels.index) == {"de", "it"} and set(levels["reference"]) == {"fr"}
    assert levels.loc["de", "mean"] == pytest.approx(1.0, abs=0.2)
    assert levels.loc["it", "mean"] == pytest.approx(-1.0, abs=0.2)
    only = mab.effects(frame, n_draws=20, random_seed=1, features=["country"])
    assert set(only["feature"]) == {"country"}


def test_effects_name_the_objective_of_a_multi_objective_bandit_and_leave_the_bandit_alone():
    mab = CmabBernoulliMO.cold_start(action_ids=["a", "b"], n_features=2, n_objectives=2, random_seed=0)
    state, generator = mab.get_state(), mab._rng.bit_generator.state
    table = mab.effects(np.zeros((5, 2)), n_draws=10, random_seed=0)
    assert list(table.columns[:3]) == ["action", "objective", "feature"] and len(table) == 2 * 2 * 2
    assert mab.get_state() == state and mab._rng.bit_generator.state == generator
    again = mab.effects(np.zeros((5, 2)), n_draws=10, random_seed=0)
    pd.testing.assert_frame_equal(table, again)


def test_a_quantitative_actions_effects_are_taken_at_the_given_quantity():
    mab = CmabBernoulli.cold_start(
        action_ids=["none"],
        quantitative_action_ids={"offer": 1},
        n_features=2,
        hidden_dim_list=[4],
        random_seed=0,
    )
    rows = np.random.default_rng(0).normal(size=(20, 2))
    low = mab.effects(rows, n_draws=50, random_seed=0, quantities={"offer": [0.0]})
    high = mab.effects(rows, n_draws=50, random_seed=0, quantities={"offer": [1.0]})
    offer = (low["action"] == "offer").to_numpy()
    assert not np.allclose(low.loc[offer, "mean"], high.loc[offer, "mean"])
    np.testing.assert_allclose(low.loc[~offer, "mean"], high.loc[~offer, "mean"])  # the other action: unchanged


@pytest.mark.parametrize(
    "make",
    [
        lambda: CmabBernoulli.cold_start(action_ids=["a", "b", "c"], n_features=2, epsilon=0.1, random_seed=0),
        lambda: CmabGaussian.cold_start(
            action_ids=["a", "b"], n_features=2, backbone_hidden_dim_list=[4], random_seed=0
        ),
        lambda: SmabBernoulli.cold_start(action_ids=["a", "b"], random_seed=0),
        lambda: SmabGaussian.cold_start(
            action_ids=["a", "b"], limited_actions=["b"], limited_action_fraction=0.3, random_seed=0
        ),
    ],
    ids=["networks with epsilon", "trunk", "beta", "gaussian with a limited action"],
)
def test_explain_gives_the_propensities_action_probabilities_gives_from_the_same_draws(make):
    mab = make()
    row = None if isinstance(mab, SmabBernoulli | SmabGaussian) else np.array([0.3, -1.0])
    state, generator = mab.get_state(), mab._rng.bit_generator.state
    table = mab.explain(row, n_draws=500, random_seed=11)
    assert mab.get_state() == state and mab._rng.bit_generator.state == generator
    twin = copy.deepcopy(mab)
    twin.reseed(11)
    ids, probabilities = twin.action_probabilities(None if row is None else row[None], n_draws=500)
    assert list(table.index) == ids
    np.testing.assert_array_equal(table["probability"].to_numpy(), probabilities[0])
    assert (table["lower"] <= table["mean"]).all() and (table["mean"] <= table["upper"]).all()


def test_explain_says_what_forbids_an_action():
    mab = CmabBernoulli.cold_start(action_ids=["a", "b", "c"], n_features=2, random_seed=0)
    table = mab.explain([0.0, 1.0], n_draws=200, random_seed=0, forbidden_actions=["c"])
    assert table.loc["c", "forbidden"] == "forbidden_actions" and table.loc["c", "probability"] == 0.0
    assert np.isnan(table.loc["c", "mean"]) and table.loc["a", "forbidden"] == ""
    frame = mab.explain(pd.Series([0.0, 1.0]), n_draws=200, random_seed=0)
    assert frame["probability"].sum() == pytest.approx(1.0)


def test_plot_effects_draws_a_forest_per_action_and_refuses_other_tables():
    from pybandits.bandits.plots import plot_effects

    table = pd.DataFrame(
        {"action": ["a", "a", "b", "b"], "feature": ["x", "country", "x", "country"], "level": [None, "de", None, "de"],
         "reference": [None, "fr", None, "fr"], "mean": [0.5, -0.2, 0.1, 0.3], "sd": [0.1] * 4,
         "lower": [0.3, -0.4, -0.1, 0.1], "upper": [0.7, 0.0, 0.3, 0.5]}
    )  # fmt: skip
    table.attrs["ci_prob"] = 0.94
    figure = plot_effects(table)
    assert [axes.get_title() for axes in figure.axes] == ["a", "b"]
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["x", "country=de vs fr"]
    assert "94% interval" in figure.axes[0].get_xlabel()
    assert [axes.get_title() for axes in plot_effects(table, actions=["b"]).axes] == ["b"]
    with pytest.raises(ValueError, match=r"actions: expected actions of the table \['a', 'b'\], got \['z'\]"):
        plot_effects(table, actions=["z"])
    with pytest.raises(TypeError, match="table: expected the DataFrame mab.effects returns"):
        plot_effects(table.drop(columns="mean"))


def _every_class():
    import pybandits.cmab as cmab
    import pybandits.smab as smab

    for module, prefix in ((smab, "Smab"), (cmab, "Cmab")):
        for family in ("Bernoulli", "Gaussian"):
            for variant in ("", "BAI", "CC", "MO", "MOCC", "DP"):
                if hasattr(module, f"{prefix}{family}{variant}"):
                    yield getattr(module, f"{prefix}{family}{variant}")


@pytest.mark.parametrize("cls", list(_every_class()), ids=lambda cls: cls.__name__)
def test_every_bandit_class_is_explained_described_and_drawn(cls):
    name = cls.__name__
    args = {"action_ids_cost": {"a": 1.0, "b": 2.0}} if name.endswith("CC") else {"action_ids": ["a", "b"]}
    if name.endswith("DP"):
        args = {"action_ids": ["a", "b"], "action_ids_price": {"a": 1.0, "b": 2.0}}
    if "MO" in name:
        args["n_objectives"] = 2
    contextual = name.startswith("Cmab")
    if contextual:
        args["n_features"] = 2
    mab = cls.cold_start(random_seed=0, **args)
    state = mab.get_state()
    row = [0.1, -0.2] if contextual else None
    table = mab.explain(row, n_draws=50, random_seed=0)
    assert list(table.index) == ["a", "b"] and table["probability"].sum() == pytest.approx(1.0)
    assert ("mean_1" in table.columns) == ("MO" in name)
    assert ("cost" in table.columns) == name.endswith("CC") and ("price" in table.columns) == name.endswith("DP")
    data = mab.to_inference_data(n_draws=5, random_seed=0)
    assert set(data["posterior"]["action"].values) <= {"a", "b"}
    if contextual:
        effects = mab.effects(np.zeros((3, 2)), n_draws=5, random_seed=0)
        assert len(effects) == 2 * 2 * (2 if "MO" in name else 1)
    assert repr(mab).splitlines()[0] == f"class      {name}" and "<table>" in mab._repr_html_()
    assert mab.get_state() == state


def test_the_stages_are_the_bandits_own_prediction_at_a_posterior_without_spread():
    """With every weight's sd near 0, a stage's expected reward is the bandit's prediction (embeddings, quantities)."""
    from pybandits.model.priors import LocationScale

    mab = CmabGaussian.cold_start(
        action_ids=["a"], quantitative_action_ids={"dose": 1}, n_features=3, categorical_features={1: 3},
        hidden_dim_list=[4], activation="relu", random_seed=0,
    )  # fmt: skip
    rng = np.random.default_rng(0)

    def sharp(dist):
        return LocationScale(mu=rng.normal(0.0, 0.5, dist.shape), sigma=np.full(dist.shape, 1e-9))

    actions = {}
    for action_id, model in mab.actions.items():
        network = model.network.with_parameters({k: sharp(v) for k, v in model.network.parameters.items()})
        actions[action_id] = model.model_copy(update={"network": network})
    mab = mab.model_copy(update={"actions": actions})
    rows = np.column_stack([rng.normal(size=20), rng.integers(0, 3, 20), rng.normal(size=20)])
    _, predicted, _ = mab.predict(rows, forbidden_actions=["dose"])
    ((family, stages),) = mab.kind.reward_stages(mab, "a", 2, rng)
    np.testing.assert_allclose(expected_rewards(stages, rows, family, 2, dtype=np.float64)[0],
                               [p["a"] for p in predicted], rtol=1e-6)  # fmt: skip
    with_quantity = np.column_stack([rows, np.full(20, 0.3)])  # the quantity input, as the network reads it
    ((family, stages),) = mab.kind.reward_stages(mab, "dose", 2, rng)
    _, gradient = expected_and_mean_gradient(stages, with_quantity, family, 2, dtype=np.float64)
    h = 1e-6
    for position, column in enumerate(stages[0].numeric_columns):
        up, down = with_quantity.copy(), with_quantity.copy()
        up[:, column] += h
        down[:, column] -= h
        central = [expected_rewards(stages, x, family, 2, dtype=np.float64).mean(axis=1) for x in (up, down)]
        np.testing.assert_allclose(gradient[:, position], (central[0] - central[1]) / (2 * h), rtol=1e-4, atol=1e-7)
