"""Thompson sampling's draw: local reparameterisation for Normal layers, per-weight draws otherwise.

The local-reparameterisation sampler must give exactly the distribution of a network drawn per row
(the per-weight reference sampler, ``per_weight=True``): checked with two-sample Kolmogorov-Smirnov
tests at a strict level, whose power is checked on deliberately wrong samplers.
"""

import itertools
from functools import partial

import numpy as np
import pytest
from scipy import stats

from pybandits.cmab import CmabBernoulli, CmabBernoulliMO, CmabGaussian, CmabGaussianMO
from pybandits.model.bnn import sampler as network_module
from pybandits.model.bnn.action import Bnn
from pybandits.model.bnn.forward import forward
from pybandits.model.bnn.growth import grow_network
from pybandits.model.bnn.multi import BnnMO, draw_actions
from pybandits.model.bnn.network import Network
from pybandits.model.bnn.sampler import sample_networks
from pybandits.model.ops import NUMPY_OPS
from pybandits.model.priors import LocationScale

ALPHA = 1e-4  # level of every two-sample test: a false alarm is rare, a wrong sampler still fails
N_DRAWS = 20_000  # draws per context row and sampler


def posterior(network: Network, seed: int, sigma=(0.2, 0.8), mu_scale=0.8) -> Network:
    """``network`` with mean-field Normal tensors of random locations and scales (no fit needed)."""
    rng = np.random.default_rng(seed)
    parameters = {
        name: LocationScale(mu=rng.normal(scale=mu_scale, size=dist.shape), sigma=rng.uniform(*sigma, size=dist.shape))
        for name, dist in network.parameters.items()
    }
    return network.with_parameters(parameters)


def fixed_rows(n_features: int, seed: int = 0) -> np.ndarray:
    """Four context rows, the last one zero (only the biases matter there)."""
    rows = np.random.default_rng(seed).normal(scale=1.5, size=(4, n_features))
    rows[-1] = 0.0
    return rows


def repeated_draws(sampler, rows: np.ndarray) -> np.ndarray:
    """``N_DRAWS`` outputs at every row: shape ``(n_rows, N_DRAWS, ...)``."""
    outputs = sampler(np.repeat(rows, N_DRAWS, axis=0))
    return outputs.reshape(len(rows), N_DRAWS, *outputs.shape[1:])


def assert_same_distribution(got: np.ndarray, reference: np.ndarray) -> None:
    """Two samples of one row agree: KS test at ``ALPHA``, means and variances within Monte Carlo error."""
    result = stats.ks_2samp(got, reference)
    assert result.pvalue > ALPHA, f"KS statistic {result.statistic:.4f}, p = {result.pvalue:.2e}"
    n = len(got)
    mean_error = np.sqrt(got.var() / n + reference.var() / n)
    assert abs(got.mean() - reference.mean()) < 5 * mean_error
    # standard error of a sample variance: sqrt((m4 - s^4) / n)
    var_error = np.sqrt(sum((stats.moment(x, 4) - x.var() ** 2) / n for x in (got, reference)))
    assert abs(got.var() - reference.var()) < 5 * var_error


def rejected(got: np.ndarray, reference: np.ndarray) -> bool:
    return stats.ks_2samp(got, reference).pvalue < ALPHA


CASES = list(itertools.product(["tanh", "relu"], [False, True]))


@pytest.mark.parametrize(("activation", "residual"), CASES, ids=[f"{a}-{'res' if r else 'plain'}" for a, r in CASES])
def test_local_reparameterisation_matches_per_weight_draws(activation, residual):
    # 5 features into a [5] hidden layer: the residual connection applies when asked for
    seed = 10 * ["tanh", "relu"].index(activation) + residual
    net = posterior(Network.cold_start(5, [5], activation, residual, mu=0.0, sigma=1.0, nu=None), seed)
    assert net.residual == (residual,)
    rows = fixed_rows(5, seed)
    local = repeated_draws(lambda x: net.sample_outputs(x, np.random.default_rng(seed + 100)), rows)
    reference = repeated_draws(
        lambda x: net.sample_outputs(x, np.random.default_rng(seed + 200), per_weight=True), rows
    )
    for row in range(len(rows)):
        assert_same_distribution(local[row], reference[row])


@pytest.mark.parametrize("hidden", [[5], [4, 4]], ids=["one hidden", "two hidden residual"])
def test_a_stack_of_networks_matches_each_networks_per_weight_draws(hidden):
    # several networks drawn as one stack take the per-network-input path after the first layer
    nets = [
        posterior(Network.cold_start(4, hidden, "tanh", True, mu=0.0, sigma=1.0, nu=None), seed) for seed in (1, 2, 3)
    ]
    rows = fixed_rows(4, seed=5)
    stacked = repeated_draws(lambda x: sample_networks(nets, x, np.random.default_rng(7)), rows)
    for column, net in enumerate(nets):
        reference = repeated_draws(
            lambda x, n=net: n.sample_outputs(x, np.random.default_rng(8), per_weight=True), rows
        )
        for row in range(len(rows)):
            assert_same_distribution(stacked[row, :, column], reference[row])


def _wrong_layer(rng, hidden, weight, bias, mistake):
    """Deliberately wrong local reparameterisations of a Normal layer (the test's power)."""
    if not isinstance(weight, network_module._NormalStack):
        return network_module._sampled_layer(rng, hidden, weight, bias)
    mean = network_module._stacked_matmul(hidden, weight.mean, weight.shared_mean) + bias.mean
    if mistake == "sigma doubled":
        variance = network_module._stacked_matmul(hidden * hidden, 4 * weight.variance, 4 * weight.shared_variance)
        variance += 4 * bias.variance
    else:  # "h instead of h**2": a plausible slip, the variance of a sum with |h|
        variance = network_module._stacked_matmul(abs(hidden), weight.variance, weight.shared_variance) + bias.variance
    return mean + np.sqrt(variance) * rng.standard_normal(mean.shape)


@pytest.mark.parametrize("mistake", ["sigma doubled", "h instead of h**2"])
def test_the_two_sample_test_rejects_a_wrong_sampler(mistake, monkeypatch):
    net = posterior(Network.cold_start(5, [5], "tanh", False, mu=0.0, sigma=1.0, nu=None), seed=0)
    rows = fixed_rows(5, seed=0)
    reference = repeated_draws(lambda x: net.sample_outputs(x, np.random.default_rng(1), per_weight=True), rows)
    monkeypatch.setattr(network_module, "_sampled_layer", partial(_wrong_layer, mistake=mistake))
    wrong = repeated_draws(lambda x: net.sample_outputs(x, np.random.default_rng(2)), rows)
    with pytest.raises(AssertionError):  # the check the agreement tests make fails
        for row in range(len(rows)):
            assert_same_distribution(wrong[row], reference[row])
    if mistake == "sigma doubled":  # a gross error fails at every row
        assert all(rejected(wrong[row], reference[row]) for row in range(len(rows)))


def test_a_network_without_hidden_layer_is_drawn_from_its_closed_form():
    # output = x @ W + b: Normal with mean x @ mu_W + mu_b and variance x**2 @ sigma_W**2 + sigma_b**2
    net = posterior(Network.cold_start(3, [], "tanh", False, mu=0.0, sigma=1.0, nu=None), seed=4)
    weight, bias = net.layers[0].weight, net.layers[0].bias
    rows = fixed_rows(3, seed=4)
    mean = rows @ weight.mu[:, 0] + bias.mu[0]
    std = np.sqrt(rows**2 @ weight.sigma[:, 0] ** 2 + bias.sigma[0] ** 2)
    # exactly: the mean plus the standard deviation times one standard Normal draw per row
    got = net.sample_outputs(rows, np.random.default_rng(9))
    np.testing.assert_allclose(got, mean + std * np.random.default_rng(9).standard_normal(4), rtol=1e-12)
    draws = repeated_draws(lambda x: net.sample_outputs(x, np.random.default_rng(10)), rows)
    n = draws.shape[1]
    for row in range(len(rows)):
        assert abs(draws[row].mean() - mean[row]) < 5 * std[row] / np.sqrt(n)
        assert abs(draws[row].var() - std[row] ** 2) < 5 * std[row] ** 2 * np.sqrt(2 / n)
        assert stats.kstest(draws[row], stats.norm(mean[row], std[row]).cdf).pvalue > ALPHA


def test_draws_are_reproducible_with_a_seed():
    nets = [posterior(Network.cold_start(4, [6], "gelu", False, mu=0.0, sigma=1.0, nu=None), s) for s in range(3)]
    nets.append(Network.cold_start(4, [6], "gelu", False, mu=0.0, sigma=1.0, nu=5.0))  # a Student-t stack too
    context = np.random.default_rng(0).normal(size=(50, 4))
    first = sample_networks(nets, context, np.random.default_rng(3))
    np.testing.assert_array_equal(first, sample_networks(nets, context, np.random.default_rng(3)))
    assert not np.array_equal(first, sample_networks(nets, context, np.random.default_rng(4)))

    def bandit():
        mab = CmabBernoulli.cold_start(action_ids={"a", "b", "c"}, n_features=4, hidden_dim_list=[6], random_seed=12)
        # two actions learned (Normal posteriors), one still at its Student-t prior
        mab.actions = {
            a: model.model_copy(update={"network": posterior(model.network, seed)}) if a != "c" else model
            for seed, (a, model) in enumerate(mab.actions.items())
        }
        return mab

    one, two = bandit(), bandit()
    for _ in range(2):  # the same stream, call after call
        allowed, chosen, expected = one.predict_arrays(context)
        again = two.predict_arrays(context)
        assert allowed == again[0]
        np.testing.assert_array_equal(chosen, again[1])
        np.testing.assert_array_equal(expected, again[2])
    assert one.predict(context) == two.predict(context)


def test_stacked_networks_keep_their_own_parameters_and_rows(monkeypatch):
    # with tiny scales every draw is the network at its means: columns and rows must land in place,
    # across stacks (architectures, Normal and Student-t layers) and across chunks of rows
    monkeypatch.setattr(network_module, "_CHUNK_UNITS", 64)
    monkeypatch.setattr(network_module, "_CHUNK_WEIGHTS", 64)
    tiny = (1e-9, 2e-9)
    nets = [
        posterior(Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None), 0, sigma=tiny),
        posterior(Network.cold_start(3, [], "tanh", False, mu=0.0, sigma=1.0, nu=None), 1, sigma=tiny),
        posterior(Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None), 2, sigma=tiny),
        posterior(Network.cold_start(3, [3, 3], "sigmoid", True, mu=0.0, sigma=1.0, nu=None), 3, sigma=tiny),
        Network.cold_start(3, [4], "tanh", False, mu=0.5, sigma=1e-9, nu=5.0),  # Student-t
        posterior(Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None), 4, sigma=tiny),
    ]
    context = np.random.default_rng(1).normal(size=(37, 3))
    got = sample_networks(nets, context, np.random.default_rng(2))
    expected = np.stack([net.mean_outputs(context) for net in nets], axis=1)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


def test_student_t_layers_are_drawn_with_heavy_tails():
    # one feature at x = 1: output = w + b, a sum of two Student-t(5): excess kurtosis 3 (a Normal's is 0)
    net = Network.cold_start(1, [], "tanh", False, mu=0.0, sigma=1.0, nu=5.0)
    assert network_module._stack_key(net, per_weight=False)[-1] == ("student",)
    draws = net.sample_outputs(np.ones((400_000, 1)), np.random.default_rng(0))
    assert stats.kurtosis(draws) > 1.5
    assert np.mean(np.abs(draws) > 8.0) > 2e-4  # a Normal of the same spread (sd sqrt(10/3)): 1.2e-5
    reference = net.sample_outputs(np.ones((400_000, 1)), np.random.default_rng(1), per_weight=True)
    assert stats.ks_2samp(draws, reference).pvalue > ALPHA
    normal = Network.cold_start(1, [], "tanh", False, mu=0.0, sigma=float(np.sqrt(5 / 3)), nu=None)
    assert rejected(normal.sample_outputs(np.ones((400_000, 1)), np.random.default_rng(2)), reference)


def test_a_hidden_student_t_layer_beside_a_normal_one_matches_the_reference():
    learned = posterior(Network.cold_start(3, [4], "relu", False, mu=0.0, sigma=1.0, nu=None), seed=6)
    prior = Network.cold_start(3, [4], "relu", False, mu=0.0, sigma=1.0, nu=3.0)
    mixed = learned.with_parameters({**learned.parameters, "w1": prior.parameters["w1"]})
    assert network_module._stack_key(mixed, per_weight=False)[-1] == ("normal", "student")
    rows = fixed_rows(3, seed=6)
    got = repeated_draws(lambda x: mixed.sample_outputs(x, np.random.default_rng(1)), rows)
    reference = repeated_draws(lambda x: mixed.sample_outputs(x, np.random.default_rng(2), per_weight=True), rows)
    for row in range(len(rows)):
        assert_same_distribution(got[row], reference[row])


def test_grown_tensors_with_mixed_nu_take_the_student_t_path():
    learned = posterior(Network.cold_start(2, [3], "tanh", False, mu=0.0, sigma=1.0, nu=None), seed=2)
    template = Network.cold_start(4, [5], "tanh", False, mu=0.0, sigma=1.0, nu=5.0)
    grown = grow_network(learned, template)
    nu = grown.layers[0].weight.nu
    assert np.isinf(nu).any() and np.isfinite(nu).any()  # learned Normal entries beside Student-t ones
    assert network_module._stack_key(grown, per_weight=False)[-1] == ("student", "student")
    context = np.random.default_rng(0).normal(size=(300, 4))
    draws = grown.sample_outputs(context, np.random.default_rng(1))
    assert draws.shape == (300,) and np.isfinite(draws).all()
    # and the draws follow the per-weight reference
    rows = fixed_rows(4, seed=3)
    got = repeated_draws(lambda x: grown.sample_outputs(x, np.random.default_rng(4)), rows)
    reference = repeated_draws(lambda x: grown.sample_outputs(x, np.random.default_rng(5), per_weight=True), rows)
    for row in range(len(rows)):
        assert stats.ks_2samp(got[row], reference[row]).pvalue > ALPHA


def _categorical_network() -> Network:
    """A learned network with a 5-level category beside two numeric columns, some of it still the Student-t prior.

    Table rows 0 and 1 are learned (Normal), row 2 learned but for one Student-t entry, rows 3 and
    4 the prior; the output layer is the prior too.
    """
    shape = {1: (5, 3)}
    learned = posterior(Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None, categorical=shape), 9)
    prior = Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=4.0, categorical=shape)
    nu = np.full((5, 3), np.inf)
    nu[3:], nu[2, 0] = 4.0, 4.0
    heavy = np.isfinite(nu)
    table = LocationScale(
        mu=np.where(heavy, 0.0, learned.parameters["e1"].mu),
        sigma=np.where(heavy, 1.0, learned.parameters["e1"].sigma),
        nu=nu,
    )
    return learned.with_parameters({**learned.parameters, "e1": table, "w1": prior.parameters["w1"]})


def _whole_networks_per_row(net: Network, context: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The definition: every tensor, whole embedding tables included, drawn per row, then the dense pass."""
    n = len(context)
    drawn = {name: dist.sample(n, rng) for name, dist in net.parameters.items()}
    n_layers = len(net.layers)
    return forward(
        NUMPY_OPS,
        context,
        [drawn[f"w{index}"] for index in range(n_layers)],
        [drawn[f"b{index}"] for index in range(n_layers)],
        net.activation,
        net.residual,
        numeric_columns=net.numeric_columns,
        embeddings=[(column, drawn[f"e{column}"]) for column, _ in net.lookups],
        lookup=lambda tables, codes: tables[np.arange(n), codes],
    )


@pytest.mark.parametrize("student_as_normal", [False, True], ids=["sampler", "wrong sampler"])
def test_categorical_networks_match_whole_networks_drawn_per_row(student_as_normal, monkeypatch):
    net = _categorical_network()
    assert network_module._stack_key(net, per_weight=False)[-1] == ("normal", "student")
    rows = np.array([[0.5, 0.0, -1.0], [1.0, 2.0, 0.3], [-0.7, 3.0, 1.2], [0.0, 4.0, 0.0]])
    reference = repeated_draws(lambda x: _whole_networks_per_row(net, x, np.random.default_rng(2)), rows)
    if student_as_normal:  # the power of the test: Student-t entries and weights drawn as Normals
        monkeypatch.setattr(network_module, "student_factors", lambda rng, nu: np.ones(nu.shape))
    got = repeated_draws(lambda x: net.sample_outputs(x, np.random.default_rng(1)), rows)
    pvalues = [stats.ks_2samp(got[row], reference[row]).pvalue for row in range(len(rows))]
    if student_as_normal:
        assert min(pvalues) < ALPHA, pvalues
    else:
        assert min(pvalues) > ALPHA, pvalues


def test_infinite_nu_everywhere_is_a_normal_layer():
    net = posterior(Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None), seed=8)
    as_t = net.with_parameters(
        {
            name: LocationScale(mu=dist.mu, sigma=dist.sigma, nu=np.full(dist.shape, np.inf))
            for name, dist in net.parameters.items()
        }
    )
    assert network_module._stack_key(as_t, per_weight=False)[-1] == ("normal", "normal")
    context = np.random.default_rng(0).normal(size=(20, 3))
    np.testing.assert_array_equal(
        as_t.sample_outputs(context, np.random.default_rng(1)), net.sample_outputs(context, np.random.default_rng(1))
    )
    # and it stacks with the nu=None network
    both = sample_networks([net, as_t], context, np.random.default_rng(2))
    assert both.shape == (20, 2)


def test_forward_without_a_hook_is_the_dense_pass():
    net = posterior(Network.cold_start(3, [4, 4], "gelu", True, mu=0.0, sigma=1.0, nu=None), seed=1)
    context = np.random.default_rng(0).normal(size=(6, 3))
    weights = [layer.weight.mu for layer in net.layers]
    biases = [layer.bias.mu for layer in net.layers]
    dense = forward(NUMPY_OPS, context, weights, biases, net.activation, net.residual)
    hooked = forward(NUMPY_OPS, context, weights, biases, net.activation, net.residual, layer=lambda h, w, b: h @ w + b)
    np.testing.assert_array_equal(dense, hooked)
    assert dense.shape == (6,)


def test_draw_actions_matches_a_single_actions_draw():
    action = Bnn.cold_start(n_features=3, hidden_dim_list=[4], dist_type="normal")
    context = np.random.default_rng(0).normal(size=(10, 3))
    expected, detail = action.draw(context, np.random.default_rng(1))
    together = draw_actions([action], context, np.random.default_rng(1))
    np.testing.assert_array_equal(together[0][:, 0], expected)
    np.testing.assert_array_equal(together[1][:, 0], detail)
    np.testing.assert_allclose(detail, np.log(expected / (1 - expected)), atol=1e-9)  # Bernoulli's logit


def test_gaussian_actions_keep_their_own_noise_scale():
    mab = CmabGaussian.cold_start(action_ids={"a", "b"}, n_features=2, reward_loc=10.0, reward_scale=2.0)
    shifted = mab.actions["b"].aux["log_noise_sd"].model_copy(update={"mu": np.array([0.5])})
    actions = [mab.actions["a"], mab.actions["b"].model_copy(update={"aux": {"log_noise_sd": shifted}})]
    _, detail = draw_actions(actions, np.zeros((5, 2)), np.random.default_rng(0))
    np.testing.assert_allclose(detail[:, 0], 2.0 * np.exp(mab.actions["a"].aux["log_noise_sd"].mu[0]))
    np.testing.assert_allclose(detail[:, 1], 2.0 * np.exp(0.5))


def test_multi_objective_bandits_predict_every_objective():
    mab = CmabBernoulliMO.cold_start(
        action_ids={"a", "b", "c"}, n_features=3, hidden_dim_list=[4], n_objectives=2, random_seed=0
    )
    tiny = (1e-9, 2e-9)
    # objectives learned (Normal) and at the prior (Student-t) side by side: several stacks
    learned = {
        a: BnnMO(
            objectives=[
                o.model_copy(update={"network": posterior(o.network, 10 * i + k, sigma=tiny)}) if (i + k) % 2 else o
                for k, o in enumerate(model.objectives)
            ]
        )
        for i, (a, model) in enumerate(mab.actions.items())
    }
    mab.actions = learned
    context = np.random.default_rng(1).normal(size=(7, 3))
    allowed, chosen, expected = mab.predict_arrays(context)
    assert allowed == ["a", "b", "c"] and chosen.shape == (7,) and expected.shape == (7, 3, 2)
    assert ((expected > 0) & (expected < 1)).all()
    for i, a in enumerate(allowed):
        for k, objective in enumerate(learned[a].objectives):
            if (i + k) % 2:  # tiny scales: the network at its means
                means = 1 / (1 + np.exp(-objective.network.mean_outputs(context)))
                np.testing.assert_allclose(expected[:, i, k], means, atol=1e-6)
    actions, probs, logits = mab.predict(context, forbidden_actions={"b"})
    assert len(actions) == 7 and set(actions) <= {"a", "c"}
    assert set(probs[0]) == {"a", "c"} and len(probs[0]["a"]) == 2 and len(logits[0]["c"]) == 2
    one, detail = learned["a"].draw(context, np.random.default_rng(0))
    assert one.shape == (7, 2) and detail.shape == (7, 2)


def test_multi_objective_gaussian_bandits_apply_each_objectives_standardisation():
    mab = CmabGaussianMO.cold_start(
        action_ids={"a", "b"}, n_features=2, n_objectives=2, reward_loc=[0.0, 10.0], reward_scale=[1.0, 2.0]
    )
    tiny = (1e-9, 2e-9)
    mab.actions = {
        a: model.model_copy(
            update={
                "objectives": [
                    o.model_copy(update={"network": posterior(o.network, 3 * i + k, sigma=tiny)})
                    for k, o in enumerate(model.objectives)
                ]
            }
        )
        for i, (a, model) in enumerate(mab.actions.items())
    }
    context = np.random.default_rng(0).normal(size=(6, 2))
    _, _, expected = mab.predict_arrays(context)
    assert expected.shape == (6, 2, 2)
    for i, a in enumerate(["a", "b"]):
        for k, (loc, scale) in enumerate([(0.0, 1.0), (10.0, 2.0)]):
            network = mab.actions[a].objectives[k].network
            np.testing.assert_allclose(expected[:, i, k], loc + scale * network.mean_outputs(context), atol=1e-6)
