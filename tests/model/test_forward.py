"""One forward pass and one likelihood per family: numpy (prediction) and PyTensor (fitting) agree."""

import itertools

import numpy as np
import pytest

from pybandits.model.bnn.forward import ACTIVATIONS, forward
from pybandits.model.bnn.network import Network
from pybandits.model.family import Bernoulli, Gaussian
from pybandits.model.ops import NUMPY_OPS

fit = pytest.importorskip("pybandits.engines.graph")
pytensor = pytest.importorskip("pytensor")
pt = pytest.importorskip("pytensor.tensor")

DEPTHS = {"none": [], "one": [4], "two equal": [4, 4], "widening": [3, 5], "three": [4, 4, 2]}


def _random_network(rng, n_features, hidden, activation, residual):
    network = Network.cold_start(n_features, hidden, activation, residual, mu=0.0, sigma=1.0, nu=None)
    weights = [rng.normal(size=layer.shape) for layer in network.layers]
    biases = [rng.normal(size=layer.shape[1]) for layer in network.layers]
    return network, weights, biases


@pytest.mark.parametrize(
    ("activation", "residual", "depth"), list(itertools.product(ACTIVATIONS, [False, True], DEPTHS))
)
def test_numpy_and_pytensor_forward_passes_agree(activation, residual, depth):
    rng = np.random.default_rng(len(depth) + 7 * ACTIVATIONS.index(activation) + residual)
    network, weights, biases = _random_network(rng, 3, DEPTHS[depth], activation, residual)
    context = rng.normal(size=(50, 3)) * 2.0
    expected = forward(NUMPY_OPS, context, weights, biases, network.activation, network.residual)

    x = pt.matrix("x")
    ws = [pt.matrix(f"w{i}") for i in range(len(weights))]
    bs = [pt.vector(f"b{i}") for i in range(len(biases))]
    graph = forward(fit.PYTENSOR_OPS, x, ws, bs, network.activation, network.residual)
    compiled = pytensor.function([x, *ws, *bs], graph)
    got = compiled(context, *weights, *biases)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
    # and per-row weights (Thompson draws: one network per row) give the same as a shared network
    tiled_w = [np.broadcast_to(w, (50, *w.shape)) for w in weights]
    tiled_b = [np.broadcast_to(b, (50, *b.shape)) for b in biases]
    per_row = forward(NUMPY_OPS, context, tiled_w, tiled_b, network.activation, network.residual)
    np.testing.assert_allclose(per_row, expected, rtol=0, atol=1e-10)


def test_the_residual_rule_joins_equal_widths_only():
    network = Network.cold_start(3, [3, 5, 5], "tanh", True, mu=0.0, sigma=1.0, nu=None)
    assert network.residual == (True, False, True)
    assert Network.cold_start(3, [3, 5, 5], "tanh", False, mu=0.0, sigma=1.0, nu=None).residual == (False,) * 3


def test_the_cache_key_depends_on_structure_not_values():
    a = Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=5.0)
    b = Network.cold_start(3, [4], "tanh", False, mu=0.3, sigma=2.0, nu=3.0)
    assert a.architecture == b.architecture
    # a Normal prior (or posterior) shares the graph of a Student-t one: the fit writes it with nu = 1e12
    assert Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None).architecture == a.architecture
    for other in (
        Network.cold_start(3, [4], "relu", False, mu=0.0, sigma=1.0, nu=5.0),
        Network.cold_start(3, [5], "tanh", False, mu=0.0, sigma=1.0, nu=5.0),
        Network.cold_start(4, [4], "tanh", False, mu=0.0, sigma=1.0, nu=5.0),
    ):
        assert other.architecture != a.architecture
    # residual on a layer that changes width has no effect, so it is the same graph
    assert (
        Network.cold_start(3, [4], "tanh", True, mu=0.0, sigma=1.0, nu=None).architecture
        == Network.cold_start(3, [4], "tanh", False, mu=0.0, sigma=1.0, nu=None).architecture
    )


@pytest.mark.parametrize("family", [Bernoulli(), Gaussian(reward_loc=1.0, reward_scale=2.0)], ids=lambda f: f.name)
def test_numpy_and_pytensor_likelihoods_agree(family):
    rng = np.random.default_rng(3)
    outputs = rng.normal(size=40) * 3.0
    rewards = rng.random(40) if family.name == "bernoulli" else rng.normal(size=40) * 5.0
    aux = {name: np.array([0.4]) for name in family.aux_prior()}
    expected = family.log_likelihood(NUMPY_OPS, outputs, family.fitting_rewards(rewards), aux)
    z, y = pt.vector("z"), pt.vector("y")
    aux_vars = {name: pt.vector(name) for name in aux}
    graph = family.log_likelihood(fit.PYTENSOR_OPS, z, y, aux_vars)
    got = pytensor.function([z, y, *aux_vars.values()], graph)(outputs, family.fitting_rewards(rewards), *aux.values())
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
