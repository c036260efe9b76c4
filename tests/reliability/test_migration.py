"""States written by the original pybandits library (PyPI ``pybandits`` 4.x-8.x) migrate faithfully.

The fixtures in ``tests/data/legacy`` were written by that library itself, one file per release,
with ``tests/data/legacy/generate.py``: each holds the state string ``get_state()`` returned and
the mean and spread of many of that bandit's own Thompson draws on fixed contexts. A migrated
bandit must draw from the same posteriors, so its mean draw must agree with the original's within
sampling error.
"""

import copy
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pybandits
from pybandits.bandits.base import BaseMab
from pybandits.cmab import BaseCmab
from pybandits.exceptions import MigrationWarning
from pybandits.legacy import from_old_state, is_old_state
from pybandits.smab import SmabBernoulli

FIXTURES = sorted((Path(__file__).parent.parent / "data" / "legacy").glob("pybandits-*.json"))
RELEASES = {path.stem.removeprefix("pybandits-"): json.loads(path.read_text()) for path in FIXTURES}
CASES = [(release, name) for release, data in RELEASES.items() for name in data["bandits"]]
N_DRAWS = 2000
# |z| bound for "within sampling error": with ~400 comparisons, a standard normal exceeds 4.5 with
# probability ~3e-6 each, so a false alarm is rare while a wrong posterior scale or mean fails
Z_MAX = 4.5


def test_fixtures_cover_the_original_releases():
    assert {"4.0.1", "4.0.17", "4.1.3", "4.2.0", "4.4.0", "5.0.0", "6.1.0", "7.5.1", "8.3.0"} <= set(RELEASES)
    for data in RELEASES.values():
        assert {"smab_classic", "smab_mocc", "cmab_hidden", "cmab_cc"} <= set(data["bandits"])


def migrated_draws(mab, context, rng_seed=1):
    """N_DRAWS Thompson draws of every action's success probability through the public predict."""
    if isinstance(mab, BaseCmab):
        tiled = np.tile(context, (N_DRAWS, 1))
        allowed, _, probs = mab.predict_arrays(tiled)
        probs = probs.reshape(N_DRAWS, len(context), *probs.shape[1:])
        return {a: probs[:, :, i] for i, a in enumerate(allowed)}
    _, rows = mab.predict(n_samples=N_DRAWS)
    return {a: np.array([row[a] for row in rows], dtype=float) for a in rows[0]}


@pytest.mark.parametrize(("release", "name"), CASES)
def test_a_migrated_bandit_predicts_like_the_original(release, name):
    data = RELEASES[release]
    case = data["bandits"][name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MigrationWarning)
        mab = from_old_state(case["class_name"], case["state"], random_seed=0)
    messages = {str(w.message).split(": ", 1)[1] for w in caught if issubclass(w.category, MigrationWarning)}
    if int(release.split(".")[0]) >= 6 and name.startswith("cmab"):
        # 6.x-8.x write every setting of their fits: those without a counterpart here are named (6.x's
        # default optimizer is SGD, which ADVI here does not run)
        sgd = (
            "optimizer_type='sgd' (optimizer_type='sgd' has no counterpart here; the optimizers are 'adam' (the "
            "default) and 'adamax': set update_kwargs={'optimizer': 'adam'}); "
            if release.startswith("6.")
            else ""
        )
        assert messages == {
            "the next updates fit with this package's settings in place of update_kwargs "
            f"{sgd}restore_best_svi_state=True ('restore_best_svi_state' has no counterpart here; the posterior is "
            "the average of the last iterates (tail_average), not the best one)"
        }
    else:
        assert messages == set()  # the fixtures use only options with equivalents
    assert type(mab).__name__ == case["class_name"]
    draws = migrated_draws(mab, np.asarray(data["context"]))
    if int(release.split(".")[0]) >= 6 and name.startswith("cmab"):
        # 6.x-8.x clip a drawn logit to [-15, 15] (probabilities in [3.1e-7, 1 - 3.1e-7]); here a draw is
        # not clipped. The clipped draws are the same distribution, with atoms at the clip.
        low, high = 1 / (1 + np.exp(15.0)), 1 / (1 + np.exp(-15.0))  # the original's sigmoid at the clip
        draws = {a: np.clip(d, low, high) for a, d in draws.items()}
    assert set(draws) == set(case["predictions"])
    for action, expected in case["predictions"].items():
        mean, std = np.asarray(expected["mean"]), np.asarray(expected["std"])
        got = draws[action]
        n_original = expected.get("n_draws", data["n_draws"])
        # under the hypothesis that both sample one distribution, the larger migrated sample
        # estimates its spread best (a 100-draw original can miss a Student-t tail entirely)
        standard_error = np.maximum(got.std(axis=0), std) * np.sqrt(1 / n_original + 1 / N_DRAWS)
        difference = np.abs(got.mean(axis=0) - mean)
        # a probability pinned at exactly 0 or 1 in both samples has no spread: it must then agree exactly
        assert np.all(difference <= Z_MAX * standard_error), (action, got.mean(axis=0), mean)
        # and the whole distribution matches: the share of migrated draws below each of the
        # original's quantiles is that quantile's level, within the binomial sampling error of
        # both samples (a test that holds for the heavy-tailed Student-t posteriors too). A
        # probability rounded to exactly 0 or 1 is an atom, so the level need only lie between
        # the shares strictly below and at-or-below the quantile.
        for level, original_quantile in zip(data["quantile_levels"], expected["quantiles"], strict=True):
            below = (got < np.asarray(original_quantile)).mean(axis=0)
            at_or_below = (got <= np.asarray(original_quantile)).mean(axis=0)
            error = np.sqrt(level * (1 - level) * (1 / n_original + 1 / N_DRAWS))
            assert np.all((below - level) / error < Z_MAX), (action, level, below)
            assert np.all((level - at_or_below) / error < Z_MAX), (action, level, at_or_below)


@pytest.mark.parametrize(("release", "name"), CASES[:: max(1, len(CASES) // 12)])
def test_load_and_from_state_recognise_an_old_state(tmp_path, release, name):
    case = RELEASES[release]["bandits"][name]
    path = tmp_path / "old.json"
    path.write_text(case["state"])
    loaded = pybandits.load(path)
    assert type(loaded).__name__ == case["class_name"]
    assert type(BaseMab.from_state(case["state"])).__name__ == case["class_name"]
    # the class is inferred from the state, and must agree when named
    assert type(from_old_state(None, json.loads(case["state"]))).__name__ == case["class_name"]


def test_a_migrated_state_saves_in_the_current_format_and_keeps_every_posterior(tmp_path):
    case = RELEASES["5.0.0"]["bandits"]["cmab_hidden"]
    mab = from_old_state("CmabBernoulli", case["state"], random_seed=3)
    pybandits.save(mab, tmp_path / "new.json")
    document = json.loads((tmp_path / "new.json").read_text())
    assert document["schema_version"] == pybandits.SCHEMA_VERSION
    assert pybandits.load(tmp_path / "new.json") == mab
    old = json.loads(case["state"])["actions_manager"]["actions"]
    for action, model in old.items():
        for old_layer, layer in zip(
            model["model_params"]["bnn_layer_params"], mab.actions[action].network.layers, strict=True
        ):
            np.testing.assert_array_equal(layer.weight.mu, old_layer["weight"]["mu"])
            np.testing.assert_array_equal(layer.weight.sigma, old_layer["weight"]["sigma"])
            np.testing.assert_array_equal(layer.bias.nu, old_layer["bias"]["nu"])
        assert mab.actions[action].n_successes == model["n_successes"]


def test_a_migrated_contextual_bandit_keeps_learning():
    document = json.loads(RELEASES["5.0.0"]["bandits"]["cmab_logistic"]["state"])
    for model in document["actions_manager"]["actions"].values():
        model["update_kwargs"]["num_steps"] = 200
    mab = from_old_state("CmabBernoulli", document, random_seed=0)
    assert mab.epsilon == 0.1 and mab.default_action == "a"
    assert mab.actions["a"].inference.num_steps == 200
    before = mab.actions["a"].network.layers[0].weight.sigma.copy()
    rng = np.random.default_rng(0)
    context = rng.normal(size=(200, 3))
    rewards = (rng.random(200) < 1 / (1 + np.exp(-(1.5 * context[:, 0] - 0.5)))).astype(int).tolist()
    mab.update(context=context, actions=["a"] * 200, rewards=rewards)
    after = mab.actions["a"].network.layers[0].weight
    assert np.all(np.isfinite(after.mu)) and np.all(after.sigma < before)  # more data, narrower posterior
    assert after.mu[0, 0] > 0.5  # the first feature's effect is positive, as the original had learned


def test_a_normal_array_becomes_student_t_with_infinite_nu():
    case = RELEASES["5.0.0"]["bandits"]["cmab_normal_relu_residual"]
    mab = from_old_state(None, case["state"])
    action = mab.actions["a"]
    assert action.dist_type == "normal"
    assert action.network.activation == "relu" and action.network.use_residual_connections
    assert np.all(np.isinf(action.network.layers[0].weight.nu))


# -- refusals ----------------------------------------------------------------------------------

SMAB_OLD = json.loads(RELEASES["5.0.0"]["bandits"]["smab_classic"]["state"])
CMAB_OLD = json.loads(RELEASES["5.0.0"]["bandits"]["cmab_hidden"]["state"])


def edited(document, edit):
    document = copy.deepcopy(document)
    edit(document)
    return document


def first_action(document):
    return next(iter(document["actions_manager"]["actions"].values()))


@pytest.mark.parametrize(
    ("document", "class_name", "error", "message"),
    [
        (SMAB_OLD, "CmabBernoulli", ValueError, "describes a SmabBernoulli, got class_name='CmabBernoulli'"),
        (SMAB_OLD, 3, TypeError, "class_name: expected a bandit class name"),
        ({"actions": {}}, None, ValueError, "expected a state of the original pybandits library"),
        ("not json", None, ValueError, "invalid JSON"),
        (edited(SMAB_OLD, lambda d: d["actions_manager"].update(delta=0.1)), None, ValueError, "adaptive windows"),
        (edited(SMAB_OLD, lambda d: d.update(surprise=1)), None, ValueError, "unknown keys ['surprise']"),
        (edited(SMAB_OLD, lambda d: d["actions_manager"].update(actions={})), None, ValueError, "at least one"),
        (
            edited(SMAB_OLD, lambda d: first_action(d).update(n_successes=0)),
            None,
            ValueError,
            "n_successes",
        ),
        (
            edited(CMAB_OLD, lambda d: first_action(d)["model_params"].update(embedding_params={"x": 1})),
            None,
            ValueError,
            "expected null or an object with an 'embeddings' list",
        ),
        (
            edited(
                CMAB_OLD,
                lambda d: first_action(d)["feature_config"].update(
                    categorical_features_configs=[{"column_index": 0, "cardinality": 3, "embedding_dim": 1}]
                ),
            ),
            None,
            ValueError,
            "0 embedding table(s) for 1 categorical column(s) in feature_config",
        ),
        (
            edited(CMAB_OLD, lambda d: first_action(d).update(use_residual_connections=True)),
            None,
            ValueError,
            "widens from 3 to 4 units with a residual connection",
        ),
        (
            edited(CMAB_OLD, lambda d: first_action(d).update(update_method="SMC")),
            None,
            ValueError,
            "expected 'VI' or 'MCMC', got 'SMC'",
        ),
        (
            edited(CMAB_OLD, lambda d: first_action(d).update(cost="lambda q: q")),
            None,
            ValueError,
            "cost functions cannot be migrated",
        ),
        (
            edited(
                CMAB_OLD, lambda d: first_action(d)["model_params"]["bnn_layer_params"][0]["weight"].update(sigma=-1.0)
            ),
            None,
            ValueError,
            "sigma",
        ),
    ],
)
def test_what_cannot_be_migrated_is_refused_by_name(document, class_name, error, message):
    original = copy.deepcopy(document)
    state = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(error, match=None) as caught:
        from_old_state(class_name, state)
    assert message in str(caught.value)
    assert document == original  # the input is never modified


def test_update_options_without_an_equivalent_are_named_in_a_warning():
    document = edited(CMAB_OLD, lambda d: first_action(d)["update_kwargs"].update(optimizer_type="adagrad"))
    with pytest.warns(MigrationWarning, match=r"update_kwargs \['optimizer_type'\]"):
        mab = from_old_state(None, json.dumps(document))
    assert mab.actions[next(iter(mab.actions))].inference.num_steps == 1500


def test_a_concrete_class_refuses_an_old_state_of_another_class():
    with pytest.raises(ValueError, match="expected a SmabBernoulli state, got a CmabBernoulli state"):
        SmabBernoulli.from_state(json.dumps(CMAB_OLD))


def test_is_old_state_tells_the_two_formats_apart():
    assert is_old_state(SMAB_OLD) and is_old_state(CMAB_OLD)
    assert not is_old_state(json.loads(SmabBernoulli.cold_start(action_ids={"a"}).get_state()[1]))
    assert not is_old_state([1, 2])


OLD_STATES = [RELEASES["5.0.0"]["bandits"][name]["state"] for name in ("smab_mocc", "cmab_logistic", "cmab_bai")]


@settings(max_examples=120, deadline=None)
@given(state=st.sampled_from(OLD_STATES), data=st.data())
def test_damaged_old_states_are_refused_or_usable(state, data, damage):
    document = json.loads(state)
    path = data.draw(st.sampled_from(list(damage.paths(document))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MigrationWarning)  # junk settings are named in a warning, not refused
        damage.usable_or_refused(json.dumps(damage.replace(document, path, data.draw(damage.junk))))
