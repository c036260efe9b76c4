"""Categorical context columns: Bayesian embeddings per action, integer codes, growth in transfer."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import stats

import pybandits
from pybandits.cmab import CmabBernoulli, CmabBernoulliMO, CmabGaussian
from pybandits.engines import graph as fitting
from pybandits.model.bnn.forward import forward
from pybandits.model.bnn.network import Network
from pybandits.model.priors import LocationScale
from pybandits.transfer import describe_edit, edit_model_on_the_fly

FAST = {"num_steps": 300}
EFFECT = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])  # what each of 5 categories adds to action a's logit


def _posterior(network: Network, seed: int) -> Network:
    rng = np.random.default_rng(seed)
    return network.with_parameters(
        {
            name: LocationScale(mu=rng.normal(size=dist.shape), sigma=0.1 + rng.random(dist.shape))
            for name, dist in network.parameters.items()
        }
    )


def _world(n_rows: int, seed: int):
    """Column 0 numeric, column 1 a category of 5; action a pays when the category's effect is high."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 5, n_rows)
    x = rng.normal(size=n_rows)
    context = np.stack([x, codes], axis=1).astype(float)
    logit = {"a": EFFECT[codes] + 0.3 * x, "b": -EFFECT[codes] - 0.3 * x}
    return context, logit, rng


def _play(mab, n_batches: int, seed: int, gaussian: bool = False):
    for batch in range(n_batches):
        context, logit, rng = _world(200, seed + batch)
        actions, _, _ = mab.predict(context)
        chosen = np.choose((np.array(actions) == "b").astype(int), [logit["a"], logit["b"]])
        if gaussian:
            rewards = 10.0 + 3.0 * chosen + rng.normal(size=200)
        else:
            rewards = (rng.random(200) < 1 / (1 + np.exp(-chosen))).astype(int)
        mab.update(actions, rewards, context)
    return mab


@pytest.mark.parametrize("hidden", [[], [4]])
def test_numpy_and_pytensor_forward_agree_with_embeddings(hidden):
    network = _posterior(
        Network.cold_start(5, hidden, "tanh", False, mu=0.0, sigma=1.0, nu=None, categorical={1: (6, 3), 4: (3, 2)}),
        seed=1,
    )
    rng = np.random.default_rng(2)
    context = rng.normal(size=(30, 5))
    context[:, 1] = rng.integers(0, 6, 30)
    context[:, 4] = rng.integers(0, 3, 30)
    expected = network.mean_outputs(context)
    symbolic = pt.matrix("context")
    weights = [pt.as_tensor(layer.weight.mu) for layer in network.layers]
    biases = [pt.as_tensor(layer.bias.mu) for layer in network.layers]
    tables = [(column, pt.as_tensor(table.mu)) for column, table in network.lookups]
    outputs = forward(
        fitting.PYTENSOR_OPS,
        symbolic,
        weights,
        biases,
        network.activation,
        network.residual,
        numeric_columns=network.numeric_columns,
        embeddings=tables,
    )
    np.testing.assert_allclose(pytensor.function([symbolic], outputs)(context), expected, rtol=0, atol=1e-10)
    # the batched graph's gather reads every slot's own table
    stacked = pt.as_tensor(np.stack([network.embeddings[0].table.mu, 2.0 * network.embeddings[0].table.mu]))
    codes = np.array([[0, 5, 2], [1, 1, 4]])
    gathered = fitting._gather_rows(2, stacked, pt.as_tensor(codes)).eval()
    np.testing.assert_allclose(gathered[1], 2.0 * network.embeddings[0].table.mu[codes[1]])
    np.testing.assert_allclose(gathered[0], network.embeddings[0].table.mu[codes[0]])


def test_the_sampler_draws_embeddings_exactly():
    """No hidden layer, the category alone: output = e[code] @ w + b; compare with whole tables drawn per row."""
    network = _posterior(
        Network.cold_start(1, [], "tanh", False, mu=0.0, sigma=1.0, nu=None, categorical={0: (4, 2)}), 3
    )
    n = 100_000
    context = np.full((n, 1), 2.0)
    draws = network.sample_outputs(context, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    table, layer = network.embeddings[0].table, network.layers[0]
    whole = table.mu + table.sigma * rng.standard_normal((n, 4, 2))  # a whole table per row
    w = layer.weight.mu[:, 0] + layer.weight.sigma[:, 0] * rng.standard_normal((n, 2))
    b = layer.bias.mu[0] + layer.bias.sigma[0] * rng.standard_normal(n)
    reference = (whole[:, 2, :] * w).sum(axis=1) + b
    assert stats.ks_2samp(draws, reference).pvalue > 1e-4
    # Student-t tables (the cold-start prior) are drawn with their heavy tails
    prior = Network.cold_start(1, [], "tanh", False, mu=0.0, sigma=1.0, nu=3.0, categorical={0: (4, 1)})
    heavy = prior.sample_outputs(np.zeros((200_000, 1)), np.random.default_rng(4))
    assert stats.kurtosis(heavy) > 1.0


@pytest.mark.parametrize("bandit", [CmabBernoulli, CmabGaussian], ids=lambda c: c.__name__)
def test_a_bandit_learns_which_action_each_category_wants(bandit):
    mab = bandit.cold_start(
        action_ids={"a", "b"}, n_features=2, categorical_features={1: 5}, update_kwargs=FAST, random_seed=0
    )
    _play(mab, n_batches=4, seed=10, gaussian=bandit is CmabGaussian)
    context = np.array([[0.0, code] for code in range(5)] * 400)
    actions, _, _ = mab.predict(context)
    share_a = (np.array(actions) == "a").reshape(400, 5).mean(axis=0)
    assert share_a[0] < 0.2 and share_a[4] > 0.8  # category 0 wants b, category 4 wants a
    assert mab.actions["a"].network.embeddings[0].table.shape == (5, 1)  # linear: one number per level


@pytest.mark.parametrize("hidden", [None, [4]])
def test_default_embedding_dim_is_one_number_per_level_without_hidden_layers(hidden):
    mab = CmabBernoulli.cold_start(
        action_ids={"a"}, n_features=3, hidden_dim_list=hidden, categorical_features={1: 50, 2: 5}, random_seed=0
    )
    dims = [e.dim for e in mab.actions["a"].network.embeddings]
    assert dims == ([1, 1] if hidden is None else [14, 4])  # with hidden layers: grows with the cardinality


def test_multi_objective_and_state_round_trip(tmp_path):
    mab = CmabBernoulliMO.cold_start(
        action_ids={"a", "b"},
        n_features=3,
        n_objectives=2,
        categorical_features={0: 3, 2: 4},
        embedding_dims={2: 2},
        update_kwargs={"num_steps": 50},
        random_seed=1,
    )
    rng = np.random.default_rng(0)
    context = np.stack([rng.integers(0, 3, 40), rng.normal(size=40), rng.integers(0, 4, 40)], axis=1)
    mab.update(["a", "b"] * 20, rng.integers(0, 2, (40, 2)).tolist(), context)
    pybandits.save(mab, tmp_path / "mab.json")
    loaded = pybandits.load(tmp_path / "mab.json")
    assert loaded == mab and loaded.categorical_features == {0: 3, 2: 4}
    assert [e.dim for e in loaded.actions["a"].objectives[0].network.embeddings] == [1, 2]
    np.testing.assert_array_equal(loaded.predict_arrays(context)[2], mab.predict_arrays(context)[2])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"categorical_features": {2: 5}}, ValueError, r"categorical_features: expected column indices in \[0, 2\)"),
        (
            {"categorical_features": {1: 1}},
            ValueError,
            r"expected a cardinality that is an integer >= 2 \(or a list of at least two values\) for column 1",
        ),
        ({"categorical_features": {1: 2.5}}, ValueError, "expected a cardinality that is an integer >= 2"),
        ({"categorical_features": [1]}, TypeError, "categorical_features: expected a mapping"),
        ({"categorical_features": {1: 5}, "embedding_dims": {1: 0}}, ValueError, "embedding_dims: expected an integer"),
        ({"categorical_features": {1: 5}, "embedding_dims": {0: 2}}, ValueError, "embedding_dims: expected columns"),
    ],
)
def test_bad_categorical_settings_are_refused_by_name(kwargs, error, message):
    with pytest.raises(error, match=message):
        CmabBernoulli.cold_start(action_ids={"a"}, n_features=2, **kwargs)


@pytest.mark.parametrize("code", [-1.0, 5.0, 1.5])
def test_bad_codes_are_refused_and_change_nothing(code):
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, categorical_features={1: 5}, random_seed=0)
    before = mab.get_state()
    context = np.array([[0.0, 1.0], [0.0, code]])
    with pytest.raises(ValueError, match=r"categorical column 1, got .* in row 1"):
        mab.update(["a", "b"], [1, 0], context)
    with pytest.raises(ValueError, match=r"expected integer codes in \[0, 5\)"):
        mab.predict(context)
    assert mab.get_state() == before


def test_transfer_grows_categories_and_columns_and_keeps_what_was_learned():
    mab = CmabBernoulli.cold_start(
        action_ids={"a", "b"}, n_features=2, categorical_features={1: 5}, update_kwargs=FAST, random_seed=0
    )
    _play(mab, n_batches=2, seed=20)
    template = CmabBernoulli.cold_start(
        action_ids={"a", "b", "c"},
        n_features=4,
        categorical_features={1: 8, 3: 3},
        embedding_dims={1: 1},
        update_kwargs=FAST,
    )
    summary = describe_edit(mab, template)
    assert summary.categorical == ({1: 5}, {1: 8, 3: 3})
    assert "categorical columns (cardinality)  {1: 5} -> {1: 8, 3: 3}" in str(summary)
    grown = edit_model_on_the_fly(mab, template)
    old = np.array([[x, code] for x in (-1.0, 0.5) for code in range(5)])
    new = np.concatenate([old, np.zeros((10, 1)), np.zeros((10, 1))], axis=1)  # new numeric column neutral
    for action_id in ("a", "b"):
        before, after = mab.actions[action_id].network, grown.actions[action_id].network
        np.testing.assert_allclose(after.mean_outputs(new), before.mean_outputs(old), rtol=0, atol=1e-9)
        np.testing.assert_array_equal(after.embeddings[0].table.mu[:5], before.embeddings[0].table.mu)
    rng = np.random.default_rng(3)
    fresh = np.column_stack([rng.normal(size=20), np.full(20, 7), rng.normal(size=20), np.full(20, 2)])
    grown.update(["c", "a"] * 10, [1, 0] * 10, fresh)  # new categories (7 of column 1, column 3) are fitted


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ({"n_features": 2, "categorical_features": {1: 4}, "embedding_dims": {1: 4}}, "cardinality of column 1"),
        (
            {"n_features": 2, "categorical_features": {1: 9}},
            r"embedding dimension of column 1 .* embedding_dims=\{1: 4\}",
        ),
        ({"n_features": 2}, r"columns \[1\] changing kind"),
        ({"n_features": 2, "categorical_features": {0: 3, 1: 5}}, r"columns \[0\] changing kind"),
    ],
)
def test_transfer_refuses_what_would_lose_learned_categories(template, message):
    mab = CmabBernoulli.cold_start(
        action_ids={"a"}, n_features=2, categorical_features={1: 5}, embedding_dims={1: 4}, random_seed=0
    )
    with pytest.raises(ValueError, match=message):
        edit_model_on_the_fly(mab, CmabBernoulli.cold_start(action_ids={"a"}, **template))


def test_minibatched_and_batched_fits_read_every_actions_own_table():
    mab = CmabBernoulli.cold_start(
        action_ids={"a", "b", "c"},
        n_features=2,
        categorical_features={1: 5},
        update_kwargs={"num_steps": 400, "batch_size": 32},
        random_seed=2,
    )
    context, logit, rng = _world(600, seed=5)
    rewards = (rng.random(600) < 1 / (1 + np.exp(-logit["a"]))).astype(int)
    actions = np.array(["a", "b", "c"])[np.arange(600) % 3]
    rewards = np.where(actions == "b", 1 - rewards, rewards)  # b pays the opposite way
    mab.update(actions.tolist(), rewards, context)
    probe = np.array([[0.0, code] for code in range(5)])
    a, b = (mab.actions[x].network.mean_outputs(probe) for x in ("a", "b"))
    assert a[4] - a[0] > 1.5 and b[0] - b[4] > 1.5


def test_a_config_file_declares_categorical_columns_with_string_keys(tmp_path):
    from pybandits.config import bandit_from_config

    config = tmp_path / "bandit.toml"
    config.write_text(
        'class = "CmabGaussian"\n[cold_start]\naction_ids = ["a", "b"]\nn_features = 3\n'
        'categorical_features = { "2" = 12 }\nembedding_dims = { "2" = 3 }\n'
    )
    mab = bandit_from_config(config)
    assert mab.categorical_features == {2: 12}
    assert mab.actions["a"].network.embeddings[0].table.shape == (12, 3)
