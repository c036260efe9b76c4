"""States of the original pybandits 5.0.0 with categorical columns migrate faithfully.

5.0.0, the last release of the original's PyMC line, keeps per action a ``feature_config``
(``n_features`` and ``categorical_features_configs``: ``column_index``, ``cardinality``,
``embedding_dim`` per column, in the order the columns were declared) and, in
``model_params.embedding_params.embeddings``, one ``(cardinality, embedding_dim)`` location-scale
table per column in that same order. Its first layer reads the numeric columns in column order,
then the embeddings in declaration order. Here the embeddings follow in column order, so the
migration reorders the first layer's rows.

``tests/data/legacy/categorical/pybandits-5.0.0.json`` was written by the original 5.0.0 itself
(``tests/data/legacy/generate_categorical.py``), with its columns declared out of column order.
Its mean-field fits left the embeddings' means near zero (the sign of an embedding and of its
first-layer weights is not identified), so it checks the distributions but hardly the row order;
the hand-built documents of the other tests, with means far from zero, pin that down exactly.
"""

import copy
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from pybandits.legacy import from_old_state

FIXTURE = json.loads(
    (Path(__file__).parent.parent / "data" / "legacy" / "categorical" / "pybandits-5.0.0.json").read_text()
)
N_DRAWS = 2000
Z_MAX = 4.5


def migrated_draws(mab, context, n_draws=N_DRAWS):
    """``n_draws`` Thompson draws of every action's success probability on ``context``."""
    allowed, _, probs = mab.predict_arrays(np.tile(context, (n_draws, 1)))
    probs = probs.reshape(n_draws, len(context), len(allowed))
    return {action: probs[:, :, i] for i, action in enumerate(allowed)}


def test_the_fixture_declares_its_columns_out_of_column_order():
    for case in FIXTURE["bandits"].values():
        for model in json.loads(case["state"])["actions_manager"]["actions"].values():
            columns = [c["column_index"] for c in model["feature_config"]["categorical_features_configs"]]
            assert columns == [3, 0]
            dims = [c["embedding_dim"] for c in model["feature_config"]["categorical_features_configs"]]
            assert dims == [2, 1]  # blocks of different sizes: a wrong reorder shifts every row after them


@pytest.mark.parametrize("name", sorted(FIXTURE["bandits"]))
def test_a_migrated_categorical_bandit_predicts_like_the_original(name):
    case = FIXTURE["bandits"][name]
    mab = from_old_state(case["class_name"], case["state"], random_seed=0)
    assert mab.categorical_features == {0: 3, 3: 6}
    draws = migrated_draws(mab, np.asarray(FIXTURE["context"]))
    for action, expected in case["predictions"].items():
        got = draws[action]
        n_original = expected["n_draws"]
        standard_error = np.maximum(got.std(axis=0), expected["std"]) * np.sqrt(1 / n_original + 1 / N_DRAWS)
        assert np.all(np.abs(got.mean(axis=0) - expected["mean"]) <= Z_MAX * standard_error), action
        for level, quantile in zip(FIXTURE["quantile_levels"], expected["quantiles"], strict=True):
            error = np.sqrt(level * (1 - level) * (1 / n_original + 1 / N_DRAWS))
            assert np.all(np.abs((got < np.asarray(quantile)).mean(axis=0) - level) / error < Z_MAX), (action, level)


# -- hand-built documents of the original's schema ---------------------------------------------


def location_scale(rng, shape, studentt):
    array = {"mu": rng.normal(size=shape).tolist(), "sigma": rng.uniform(0.2, 1.0, size=shape).tolist()}
    if studentt:
        array["nu"] = rng.uniform(2.0, 30.0, size=shape).tolist()
    return array


def original_state(studentt=True, hidden=(3,), seed=0, configs=((3, 3, 2), (0, 2, 1)), n_features=5):
    """A CmabBernoulli state as the original 5.0.0 writes it: two actions, categorical columns as ``configs``."""
    rng = np.random.default_rng(seed)
    n_inputs = n_features - len(configs) + sum(dim for _, _, dim in configs)
    widths = [n_inputs, *hidden, 1]
    actions = {}
    for action in ("a", "b"):
        layers = [
            {"weight": location_scale(rng, (n_in, n_out), studentt), "bias": location_scale(rng, (n_out,), studentt)}
            for n_in, n_out in itertools.pairwise(widths)
        ]
        tables = [location_scale(rng, (cardinality, dim), studentt) for _, cardinality, dim in configs]
        init = {"mu": 0.0, "sigma": 1.0, **({"nu": 5.0} if studentt else {})}
        actions[action] = {
            "n_successes": 7,
            "n_failures": 4,
            "model_params": {
                "bnn_layer_params": layers,
                "bnn_layer_params_init": [
                    {
                        "weight": {k: np.full((n_in, n_out), v).tolist() for k, v in init.items()},
                        "bias": {k: np.full(n_out, v).tolist() for k, v in init.items()},
                    }
                    for n_in, n_out in itertools.pairwise(widths)
                ],
                "embedding_params": {"embeddings": tables, "embeddings_init": copy.deepcopy(tables)},
                "embedding_params_init": {"embeddings": copy.deepcopy(tables), "embeddings_init": []},
            },
            "update_method": "VI",
            "update_kwargs": {"fit": {"method": "advi"}},
            "activation": "tanh",
            "use_residual_connections": False,
            "feature_config": {
                "n_features": n_features,
                "categorical_features_configs": [
                    {"column_index": column, "cardinality": cardinality, "embedding_dim": dim}
                    for column, cardinality, dim in configs
                ],
            },
        }
    return {
        "actions_manager": {"actions": actions, "delta": None},
        "strategy": {},
        "epsilon": None,
        "default_action": None,
        "version": "5.0.0",
    }


def as_array(array, key):
    """An original array's ``key`` as numpy; a Normal array's missing ``nu`` as infinity."""
    if key == "nu" and "nu" not in array:
        return np.full(np.shape(array["mu"]), np.inf)
    return np.asarray(array[key], dtype=float)


def original_outputs(model, context, rng=None):
    """The original's network computed directly from its document: a draw per row, or the means without ``rng``.

    The first layer's input is the numeric columns, then each declared column's embedding vector in
    declaration order; every weight, bias and looked-up table row is drawn independently per row.
    """

    def draw(array, rows):
        mu, sigma, nu = (as_array(array, key) for key in ("mu", "sigma", "nu"))
        if rng is None:
            return np.broadcast_to(mu, (rows, *mu.shape))
        noise = rng.standard_normal((rows, *mu.shape))
        heavy = np.broadcast_to(np.isfinite(nu), noise.shape)
        noise[heavy] = rng.standard_t(np.broadcast_to(nu, noise.shape)[heavy])
        return mu + sigma * noise

    configs = model["feature_config"]["categorical_features_configs"]
    categorical = [c["column_index"] for c in configs]
    numeric = [i for i in range(context.shape[1]) if i not in categorical]
    rows = len(context)
    parts = [context[:, numeric]]
    for config, table in zip(configs, model["model_params"]["embedding_params"]["embeddings"], strict=True):
        codes = context[:, config["column_index"]].astype(int)
        parts.append(draw(table, rows)[np.arange(rows), codes])
    hidden = np.concatenate(parts, axis=1)
    layers = model["model_params"]["bnn_layer_params"]
    for index, layer in enumerate(layers):
        z = np.einsum("ri,rio->ro", hidden, draw(layer["weight"], rows)) + draw(layer["bias"], rows)
        hidden = np.tanh(z) if index < len(layers) - 1 else z
    return hidden[:, 0]


def contexts(n_rows, seed, configs=((3, 3, 2), (0, 2, 1)), n_features=5):
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n_rows, n_features))
    for column, cardinality, _ in configs:
        context[:, column] = rng.integers(0, cardinality, n_rows)
    return context


@pytest.mark.parametrize("studentt", [True, False])
def test_every_distribution_is_kept_entry_by_entry_and_the_first_layer_rows_follow_column_order(studentt):
    document = original_state(studentt=studentt)
    original = copy.deepcopy(document)
    mab = from_old_state("CmabBernoulli", document, random_seed=0)
    assert document == original  # the input is never modified
    for action_id, model in original["actions_manager"]["actions"].items():
        action = mab.actions[action_id]
        network = action.network
        assert action.dist_type == ("studentt" if studentt else "normal")
        assert network.categorical == {0: 2, 3: 3} and network.n_features == 5
        assert network.numeric_columns == [1, 2, 4]
        tables = model["model_params"]["embedding_params"]["embeddings"]
        # declared [3, 0]: column 0's table is the original's second, column 3's its first
        for embedding, table in zip(network.embeddings, [tables[1], tables[0]], strict=True):
            for key in ("mu", "sigma", "nu"):
                np.testing.assert_array_equal(getattr(embedding.table, key), as_array(table, key))
        layers = model["model_params"]["bnn_layer_params"]
        # the original's rows: numeric 1, 2, 4, then column 3's two, then column 0's one;
        # here numeric 1, 2, 4, then column 0's one, then column 3's two
        order = [0, 1, 2, 5, 3, 4]
        for key in ("mu", "sigma", "nu"):
            np.testing.assert_array_equal(
                getattr(network.layers[0].weight, key), as_array(layers[0]["weight"], key)[order]
            )
            np.testing.assert_array_equal(getattr(network.layers[0].bias, key), as_array(layers[0]["bias"], key))
            for layer, old in zip(network.layers[1:], layers[1:], strict=True):
                np.testing.assert_array_equal(getattr(layer.weight, key), as_array(old["weight"], key))
                np.testing.assert_array_equal(getattr(layer.bias, key), as_array(old["bias"], key))
        assert action.n_successes == 7 and action.n_failures == 4


def test_the_migrated_network_computes_the_original_function():
    """At the distributions' means the two networks are the same function of the context, to rounding."""
    document = original_state(seed=4)
    mab = from_old_state(None, document)
    context = contexts(50, 1)
    for action_id, model in document["actions_manager"]["actions"].items():
        np.testing.assert_allclose(
            mab.actions[action_id].network.mean_outputs(context), original_outputs(model, context), rtol=1e-12
        )


@pytest.mark.parametrize("studentt", [True, False])
def test_migrated_predictions_agree_in_distribution_with_a_direct_computation(studentt):
    document = original_state(studentt=studentt, seed=7)
    mab = from_old_state(None, document, random_seed=11)
    context = contexts(3, 2)
    draws = migrated_draws(mab, context, n_draws=4000)
    rng = np.random.default_rng(5)
    for action_id, model in document["actions_manager"]["actions"].items():
        direct = 1 / (1 + np.exp(-original_outputs(model, np.tile(context, (4000, 1)), rng))).reshape(4000, 3)
        for row in range(len(context)):
            # four hypotheses per action and row; a false alarm at 1e-4 each is rare
            assert stats.ks_2samp(draws[action_id][:, row], direct[:, row]).pvalue > 1e-4, (action_id, row)


def test_states_without_categorical_columns_still_migrate_with_their_feature_config():
    document = original_state(configs=(), n_features=4)
    for model in document["actions_manager"]["actions"].values():
        model["model_params"]["embedding_params"] = None
        model["model_params"]["embedding_params_init"] = None
    mab = from_old_state(None, document)
    assert mab.categorical_features == {} and mab.input_dim == 4


# -- refusals ----------------------------------------------------------------------------------


def edit(function):
    document = original_state()
    function(document["actions_manager"]["actions"]["b"])
    return document


def configs_of(model):
    return model["feature_config"]["categorical_features_configs"]


def tables_of(model):
    return model["model_params"]["embedding_params"]["embeddings"]


def one_category(model):
    configs_of(model)[1]["cardinality"] = 1
    tables_of(model)[1] = location_scale(np.random.default_rng(0), (1, 1), True)


def other_cardinality(model):
    configs_of(model)[0]["cardinality"] = 4
    tables_of(model)[0] = location_scale(np.random.default_rng(0), (4, 2), True)


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (one_category, "actions['b'].feature_config.categorical_features_configs[1]: column 0 has cardinality 1"),
        (
            lambda m: tables_of(m).pop(),
            "actions['b'].model_params.embedding_params: 1 embedding table(s) for 2 categorical column(s)",
        ),
        (
            lambda m: configs_of(m)[0].update(embedding_dim=3),
            "actions['b'].model_params.bnn_layer_params[0].weight: 6 input rows, but feature_config implies 7",
        ),
        (
            lambda m: tables_of(m).__setitem__(0, location_scale(np.random.default_rng(0), (2, 2), True)),
            "embeddings[0]: the table of column 3 has shape (2, 2), but feature_config declares cardinality 3",
        ),
        (lambda m: m.pop("feature_config"), "2 embedding table(s) but no feature_config naming their columns"),
        (lambda m: configs_of(m)[1].update(column_index=3), "column 3 is declared twice"),
        (lambda m: configs_of(m)[1].update(column_index=5), "column 5 is out of range for n_features=5"),
        (lambda m: configs_of(m)[1].update(cardinality=2.5), "cardinality: expected an integer >= 1, got 2.5"),
        (
            lambda m: m["model_params"].update(embedding_params={"tables": []}),
            "expected null or an object with an 'embeddings' list",
        ),
        (
            other_cardinality,
            "actions['b']: categorical columns {column: cardinality} {0: 2, 3: 4} differ from {0: 2, 3: 3} of "
            "action 'a'",
        ),
    ],
)
def test_categorical_columns_that_do_not_map_are_refused_by_name(function, message):
    document = edit(function)
    with pytest.raises(ValueError) as caught:
        from_old_state(None, json.dumps(document))
    assert message in str(caught.value)
