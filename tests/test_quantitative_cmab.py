"""Quantitative actions on contextual bandits: networks taking the quantity after the context."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pybandits.boundary.quantities import ActionChoice
from pybandits.cmab import CmabBernoulli, CmabBernoulliDP, CmabBernoulliMO
from pybandits.engines.fit import fit_group
from pybandits.model.bnn.action import HIDDEN_WARMUP_STEPS, Bnn
from pybandits.model.bnn.candidates import candidates, outputs_at_candidates, quantity_inputs
from pybandits.model.bnn.forward import forward
from pybandits.model.bnn.network import Network
from pybandits.model.ops import NUMPY_OPS
from pybandits.model.priors import LocationScale
from pybandits.transfer import edit_model_on_the_fly

GRID = np.linspace(0.0, 1.0, 32)
FAST = {"num_steps": 50, "warmup_steps": 20}


def _bandit(cls=CmabBernoulli, **kwargs):
    settings = {
        "action_ids": ["a"],
        "quantitative_action_ids": {"dose": 1},
        "n_features": 2,
        "hidden_dim_list": [4],
        "update_kwargs": FAST,
        "random_seed": 0,
    }
    return cls.cold_start(**{**settings, **kwargs})


def _trained(**kwargs):
    mab = _bandit(**kwargs)
    rng = np.random.default_rng(0)
    context = rng.normal(size=(60, 2))
    choices, _, _ = mab.predict(context)
    mab.update(choices, rng.integers(0, 2, 60), context)
    return mab


# -- cold start -------------------------------------------------------------------------------


def test_cold_start_makes_a_network_taking_the_quantity_after_the_context():
    mab = _bandit(update_kwargs=None)
    dose, plain = mab.actions["dose"], mab.actions["a"]
    assert isinstance(dose, Bnn) and mab.quantity_dimensions == {"dose": 1}
    assert (dose.quantity_dim, dose.n_features, dose.network.n_features) == (1, 2, 3)
    assert dose.quantity_encoding == "standardised" and plain.quantity_encoding == "raw"
    # both have hidden layers: both warm up (a network without hidden layers does not, below)
    assert dose.update_kwargs["warmup_steps"] == plain.update_kwargs["warmup_steps"] == HIDDEN_WARMUP_STEPS
    assert Bnn.cold_start(n_features=2).update_kwargs["warmup_steps"] == 0
    assert Bnn.cold_start(n_features=2, hidden_dim_list=[3], update_method="MCMC").inference.method == "MCMC"
    assert _bandit(update_kwargs={"warmup_steps": 0}).actions["dose"].update_kwargs["warmup_steps"] == 0
    assert _bandit(quantitative_kwargs={"n_candidates": 8}).actions["dose"].n_candidates == 8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hidden_dim_list": None}, "needs a network of its own with hidden_dim_list"),
        ({"hidden_dim_list": []}, "needs a network of its own with hidden_dim_list"),
        ({"backbone_hidden_dim_list": [4]}, "and no backbone"),
    ],
)
def test_cold_start_refuses_a_linear_or_shared_network(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _bandit(**kwargs)


def test_cold_start_refuses_multi_objective_classes():
    with pytest.raises(TypeError, match="multi-objective"):
        _bandit(cls=CmabBernoulliMO, n_objectives=2)


def test_a_state_without_an_encoding_reads_raw_quantities():
    document = _bandit().actions["dose"].model_dump(mode="json")
    del document["quantity_encoding"]
    assert Bnn.model_validate(document).quantity_encoding == "raw"


# -- prediction -------------------------------------------------------------------------------


def test_predict_returns_choices_with_quantities_on_the_grid():
    mab = _bandit()
    choices, probs, logits = mab.predict(np.random.default_rng(1).normal(size=(300, 2)))
    assert all(isinstance(choice, ActionChoice) for choice in choices)
    assert {choice.action_id for choice in choices} == {"a", "dose"}
    for choice in choices:
        if choice.action_id == "a":
            assert choice.quantity is None
        else:
            assert len(choice.quantity) == 1 and np.isclose(GRID, choice.quantity[0]).any()
    assert set(probs[0]) == {"a", "dose"} and 0 < probs[0]["dose"] < 1
    assert np.isclose(probs[0]["dose"], 1 / (1 + np.exp(-logits[0]["dose"])))
    allowed, chosen, expected = mab.predict_arrays(np.zeros((5, 2)))
    assert allowed == ["a", "dose"] and chosen.shape == (5,) and expected.shape == (5, 2)


def test_forbidden_regions_are_respected():
    mab = _bandit()
    context = np.random.default_rng(2).normal(size=(200, 2))
    choices, _, _ = mab.predict(context, forbidden_actions={"a": None, "dose": [([0.0], [0.5])]})
    assert {c.action_id for c in choices} == {"dose"} and all(c.quantity[0] > 0.5 for c in choices)
    with pytest.raises(ValueError, match="expected regions of 'dose' that leave some quantity"):
        mab.predict(context, forbidden_actions={"a": None, "dose": [([0.0], [1.0])]})


def test_the_best_candidate_is_played():
    """A network whose output ``tanh(1 + u - u*) + tanh(1 - u + u*)`` (``u`` the quantity's input) peaks at ``u*``."""
    mab = _bandit(action_ids=None)
    dose = mab.actions["dose"]
    peak = quantity_inputs(np.array([[0.7]]), "standardised")[0, 0]
    w0, b0, w1 = np.zeros((3, 4)), np.zeros(4), np.zeros((4, 1))
    w0[2, :2] = [1.0, -1.0]  # row 2: the quantity's input
    b0[:2] = [1.0 - peak, 1.0 + peak]
    w1[:2, 0] = 1.0
    tiny = 1e-9
    parameters = {
        "w0": LocationScale(mu=w0, sigma=np.full(w0.shape, tiny)),
        "b0": LocationScale(mu=b0, sigma=np.full(4, tiny)),
        "w1": LocationScale(mu=w1, sigma=np.full(w1.shape, tiny)),
        "b1": LocationScale(mu=np.zeros(1), sigma=np.full(1, tiny)),
    }
    mab.actions["dose"] = dose.model_copy(update={"network": dose.network.with_parameters(parameters)})
    choices, _, _ = mab.predict(np.random.default_rng(3).normal(size=(20, 2)))
    assert {c.quantity[0] for c in choices} == {float(GRID[np.abs(GRID - 0.7).argmin()])}


# -- the draw: one exact network per row ----------------------------------------------------


def _posterior(network: Network, rng: np.random.Generator, nu: float | None) -> Network:
    """``network`` with varied locations and scales (Student-t elements with ``nu`` when given)."""
    parameters = {}
    for name, dist in network.parameters.items():
        parameters[name] = LocationScale(
            mu=rng.normal(0.0, 0.8, dist.shape),
            sigma=rng.uniform(0.2, 0.8, dist.shape),
            nu=None if nu is None else np.full(dist.shape, nu),
        )
    return network.with_parameters(parameters)


def _reference(network: Network, row: np.ndarray, inputs: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Every weight drawn explicitly, one network per draw, evaluated at every candidate: ``(n, n_candidates)``."""
    n_candidates = len(inputs)
    shape = (n, n_candidates)
    columns = np.concatenate(
        [np.broadcast_to(row, (*shape, len(row))), np.broadcast_to(inputs, (*shape, inputs.shape[1]))], axis=-1
    )
    weights = [layer.weight.sample(n, rng)[:, None] for layer in network.layers]
    biases = [layer.bias.sample(n, rng)[:, None] for layer in network.layers]
    tables = [(column, table.sample(n, rng)) for column, table in network.lookups]
    picked = {column: drawn[np.arange(n), int(row[column])][:, None, :] for column, drawn in tables}
    return forward(
        NUMPY_OPS,
        columns,
        weights,
        biases,
        network.activation,
        network.residual,
        numeric_columns=network.numeric_columns,
        embeddings=[(column, picked[column]) for column, _ in tables],
        lookup=lambda drawn, codes: drawn,
    )


@pytest.mark.parametrize(
    ("hidden", "residual", "nu", "categorical"),
    [
        ([4], False, None, None),
        ([3, 3], False, 4.0, None),
        ([4], True, None, None),  # 3 context inputs and the quantity: the first layer is residual
        ([4, 4], True, 3.0, None),  # the second layer is residual
        ([4], False, 6.0, {1: (3, 2)}),
    ],
)
def test_a_rows_draw_matches_drawing_every_weight(hidden, residual, nu, categorical):
    rng = np.random.default_rng(4)
    n_context = 3 if hidden == [4] and residual else 2
    network = Network.cold_start(n_context + 1, hidden, "tanh", residual, 0.0, 1.0, None, categorical)
    network = _posterior(network, rng, nu)
    row = np.array([0.8, 2.0, -0.4][:n_context])
    inputs = quantity_inputs(np.array([[0.0], [0.4], [1.0]]), "standardised")
    n = 6000
    fast = outputs_at_candidates(network, np.tile(row, (n, 1)), inputs, rng)
    reference = _reference(network, row, inputs, n, rng)
    for c in range(len(inputs)):  # every candidate's output
        assert stats.ks_2samp(fast[:, c], reference[:, c]).pvalue > 1e-3
    # and the candidates of a row share their network: the differences between candidates match too
    # (independent networks per candidate would make them much wider)
    assert stats.ks_2samp(fast[:, 2] - fast[:, 0], reference[:, 2] - reference[:, 0]).pvalue > 1e-3
    correlation = np.corrcoef(fast[:, 0], fast[:, 1])[0, 1]
    assert correlation > 0.3 and abs(correlation - np.corrcoef(reference[:, 0], reference[:, 1])[0, 1]) < 0.06


def test_a_network_linear_in_the_quantity_gives_collinear_candidates():
    """Without hidden layers a row's outputs are ``a + u(q) * w``: on the even grid, second differences vanish."""
    network = _posterior(Network.cold_start(3, [], "tanh", False, 0.0, 1.0, None), np.random.default_rng(5), 5.0)
    inputs = quantity_inputs(candidates(1, 32, np.random.default_rng(0)), "standardised")
    context = np.random.default_rng(6).normal(size=(50, 2))
    outputs = outputs_at_candidates(network, context, inputs, np.random.default_rng(7))
    assert np.abs(np.diff(outputs, n=2, axis=1)).max() < 1e-9
    assert np.abs(np.diff(outputs, axis=1)).min() > 0  # yet every row has its own slope
    assert np.std(np.diff(outputs, axis=1)[:, 0]) > 0.01


def test_draws_are_reproducible_and_chunked_consistently():
    network = _posterior(Network.cold_start(3, [4], "tanh", False, 0.0, 1.0, None), np.random.default_rng(8), None)
    context = np.random.default_rng(9).normal(size=(3000, 2))
    inputs = quantity_inputs(candidates(1, 32, None), "standardised")
    first = outputs_at_candidates(network, context, inputs, np.random.default_rng(10))
    again = outputs_at_candidates(network, context, inputs, np.random.default_rng(10))
    assert first.shape == (3000, 32) and np.array_equal(first, again)


# -- update -------------------------------------------------------------------------------------


def test_update_takes_choices_or_explicit_quantities():
    mab = _bandit()
    rng = np.random.default_rng(11)
    context = rng.normal(size=(40, 2))
    choices, _, _ = mab.predict(context)
    mab.update(choices, rng.integers(0, 2, 40), context)
    seen = mab.actions["dose"].n_observations + mab.actions["a"].n_observations
    assert seen == 40
    mab.update(actions=["dose", "a", "dose"], rewards=[1, 0, 1], context=context[:3], quantities=[[0.3], None, [1.0]])
    assert mab.actions["dose"].n_observations + mab.actions["a"].n_observations == seen + 3


@pytest.mark.parametrize(
    ("actions", "quantities", "match"),
    [
        (["dose"], None, "quantities: expected the quantity .* 'dose' .* row 0, got None"),
        (["a"], [[0.5]], "quantities: expected None for the ordinary action 'a' in row 0"),
        (["dose"], [[1.5]], r"quantities: expected quantities in \[0, 1\] for 'dose' in row 0, got \[1.5\]"),
        (["dose"], [[0.1, 0.2]], "quantities: expected 1 finite number"),
        (["dose"], [[float("nan")]], "quantities: expected 1 finite number"),
        ([ActionChoice("dose", (-0.1,))], None, r"quantities: expected quantities in \[0, 1\]"),
    ],
)
def test_bad_quantities_are_refused_and_change_nothing(actions, quantities, match):
    mab = _bandit()
    before = mab.get_state()
    with pytest.raises(ValueError, match=match):
        mab.update(actions, [1] * len(actions), np.zeros((len(actions), 2)), quantities=quantities)
    assert mab.get_state() == before


# -- state and transfer -----------------------------------------------------------------------


def test_state_round_trip():
    mab = _trained()
    restored = CmabBernoulli.from_state(mab.get_state()[1])
    assert restored == mab and restored.actions["dose"].quantity_encoding == "standardised"
    context = np.random.default_rng(12).normal(size=(20, 2))
    assert restored.predict(context) == mab.predict(context)


def test_transfer_adding_a_feature_keeps_the_quantity_weights_in_place():
    current = _trained()
    template = _bandit(n_features=3, random_seed=1)
    evolved = edit_model_on_the_fly(current, template)
    old, new = current.actions["dose"], evolved.actions["dose"]
    assert new.n_features == 3 and new.quantity_dim == 1 and new.quantity_encoding == old.quantity_encoding
    w_old, w_new = old.network.layers[0].weight, new.network.layers[0].weight
    assert np.array_equal(w_new.mu[[0, 1, 3]], w_old.mu) and np.array_equal(w_new.sigma[[0, 1, 3]], w_old.sigma)
    rng = np.random.default_rng(13)
    x, u = rng.normal(size=(30, 2)), quantity_inputs(rng.random((30, 1)), "standardised")
    with_zero = np.column_stack([x, np.zeros(30), u])
    assert np.allclose(new.network.mean_outputs(with_zero), old.network.mean_outputs(np.column_stack([x, u])))
    assert evolved.predict(np.column_stack([x, np.zeros(30)]))[0][0].action_id in {"a", "dose"}


def test_transfer_refuses_to_turn_an_action_quantitative_or_ordinary():
    current = _trained()
    ordinary = CmabBernoulli.cold_start(action_ids=["a", "dose"], n_features=2, hidden_dim_list=[4])
    with pytest.raises(ValueError, match="'dose'"):
        edit_model_on_the_fly(current, ordinary)
    quantitative = CmabBernoulli.cold_start(quantitative_action_ids=["a", "dose"], n_features=2, hidden_dim_list=[4])
    with pytest.raises(ValueError, match="'a'"):
        edit_model_on_the_fly(current, quantitative)


# -- dynamic pricing --------------------------------------------------------------------------


def _price(quantities: np.ndarray) -> np.ndarray:
    return 1.0 + 9.0 * quantities[:, 0]


def test_dynamic_pricing_prices_a_quantitative_action_by_a_function():
    mab = _bandit(cls=CmabBernoulliDP, action_ids_price={"a": 2.0, "dose": _price})
    dose = mab.actions["dose"]
    # a known purchase probability of 0.5 at every quantity: the revenue 0.5 * price is largest at q = 1
    flat = {
        name: LocationScale(mu=np.zeros(dist.shape), sigma=np.full(dist.shape, 1e-9))
        for name, dist in dose.network.parameters.items()
    }
    mab.actions["dose"] = dose.model_copy(update={"network": dose.network.with_parameters(flat)})
    context = np.random.default_rng(14).normal(size=(30, 2))
    choices, probs, _ = mab.predict(context)
    assert all(choice == ActionChoice("dose", (1.0,)) for choice in choices)  # 10 * 0.5 beats 2 * p(a) <= 2
    assert np.allclose([p["dose"] for p in probs], 0.5)
    mab.update(choices, [1] * 30, context)
    state = mab.get_state()[1]
    with pytest.raises(ValueError, match="price_functions"):
        CmabBernoulliDP.from_state(state)
    assert CmabBernoulliDP.from_state(state, price_functions={"dose": _price}) == mab


@pytest.mark.parametrize(
    "function",
    [lambda q: 1 / 0, lambda q: -np.ones(len(q)), lambda q: np.full(len(q), np.nan), lambda q: None, lambda q: [1.0]],
    ids=["raises", "negative", "nan", "none", "wrong length"],
)
@pytest.mark.parametrize("call", ["predict", "predict_arrays", "action_probabilities"])
def test_a_failing_price_function_changes_nothing_random_generator_included(function, call):
    mab = _bandit(cls=CmabBernoulliDP, action_ids_price={"a": 2.0, "dose": function})
    before = mab.get_state()
    with pytest.raises(ValueError, match="action_ids_price: the price function of 'dose'"):
        getattr(mab, call)(np.zeros((3, 2)), **({"n_draws": 4} if call == "action_probabilities" else {}))
    assert mab.get_state() == before


def test_a_price_function_gets_a_read_only_copy_of_the_candidates():
    seen = []

    def price(q):
        seen.append(q)
        return 1.0 + q[:, 0]

    mab = _bandit(cls=CmabBernoulliDP, action_ids_price={"a": 1e-3, "dose": price})
    mab.predict(np.zeros((2, 2)))
    assert seen and not seen[0].flags.writeable
    seen[0].flags.writeable = True
    seen[0][:] = 0.5  # its own copy: the next prediction's candidates are the grid still
    choices, _, _ = mab.predict(np.zeros((2, 2)))
    assert all(np.isclose(GRID, choice.quantity[0]).any() for choice in choices if choice.action_id == "dose")
    assert np.allclose(seen[-1][:32, 0], GRID)


# -- learning ---------------------------------------------------------------------------------


def test_learns_a_best_dose_that_depends_on_a_feature():
    """Purchase probability ``sigmoid(1.5 - 12 (q - q*(x))**2)``, ``q*(x) = 0.5 + 0.35 tanh(1.5 x0)``."""

    def probability(x, q):
        return 1.0 / (1.0 + np.exp(-(1.5 - 12.0 * (q - 0.5 - 0.35 * np.tanh(1.5 * x[..., 0])) ** 2)))

    rng = np.random.default_rng(0)
    mab = CmabBernoulli.cold_start(
        quantitative_action_ids=["dose"],
        n_features=2,
        hidden_dim_list=[8],
        update_kwargs={"num_steps": 300, "warmup_steps": 100},
        random_seed=0,
    )
    fine = np.linspace(0.0, 1.0, 201)
    ratios = []
    for _ in range(6):
        context = rng.normal(size=(200, 2))
        choices, _, _ = mab.predict(context)
        q = np.array([choice.quantity[0] for choice in choices])
        p = probability(context, q)
        grid = probability(context[:, None, :], fine[None, :])
        ratios.append((grid.max(1) - p).sum() / (grid.max(1) - grid.mean(1)).sum())
        mab.update(choices, (rng.random(200) < p).astype(int), context)
    assert np.mean(ratios[-2:]) < 0.3, ratios  # a random dose: 1; about 0.06 here, 0.6 without the warm-up


def test_the_warm_up_finds_a_better_posterior_on_a_small_batch():
    """On a bandit's batch of 200 rows, ADVI from the prior mean stops at a network flat in the quantity."""
    fits = {}
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        context, q = rng.normal(size=(200, 2)), rng.random(200)
        logit = 1.5 - 12 * (q - 0.5 - 0.35 * np.tanh(1.5 * context[:, 0])) ** 2
        rewards = (rng.random(200) < 1 / (1 + np.exp(-logit))).astype(float)
        inputs = np.column_stack([context, quantity_inputs(q[:, None], "standardised")])
        for warmup in (0, 200):
            prior = Bnn.cold_start(n_features=3, hidden_dim_list=[16], update_kwargs={"warmup_steps": warmup})
            fits[seed, warmup] = fit_group([prior], [inputs], [rewards], [seed])[0]
    grid = np.column_stack([np.zeros((11, 2)), quantity_inputs(np.linspace(0, 1, 11)[:, None], "standardised")])
    for seed in (0, 1):
        cold, warm = fits[seed, 0], fits[seed, 200]
        assert warm.last_fit.final_loss < cold.last_fit.final_loss - 1  # the negative ELBO (3 to 5 nats lower)
        # the mean network's logits across doses at x = 0 (the true ones span 3)
        assert np.ptp(cold.network.mean_outputs(grid)) < 0.5 < np.ptp(warm.network.mean_outputs(grid))


def test_predict_arrays_can_return_the_quantities_played():
    mab = CmabBernoulli.cold_start(
        action_ids=["none"], quantitative_action_ids={"dose": 1}, n_features=2, hidden_dim_list=[3], random_seed=0
    )
    context = np.zeros((50, 2))
    allowed, chosen, expected, quantities = mab.predict_arrays(context, return_quantities=True)
    assert set(quantities) == {"dose"} and quantities["dose"].shape == (50, 1)
    assert np.all((quantities["dose"] >= 0) & (quantities["dose"] <= 1)) and expected.shape == (50, 2)
    same = CmabBernoulli.cold_start(
        action_ids=["none"], quantitative_action_ids={"dose": 1}, n_features=2, hidden_dim_list=[3], random_seed=0
    )
    choices, _, _ = same.predict(context)  # the same draws: the same choices and quantities
    for row, choice in enumerate(choices):
        assert choice.action_id == allowed[chosen[row]]
        if choice.quantity is not None:
            assert choice.quantity == tuple(quantities["dose"][row])
    assert len(mab.predict_arrays(context)) == 3
    with pytest.raises(TypeError, match="return_quantities: expected True or False"):
        mab.predict_arrays(context, return_quantities=1)
