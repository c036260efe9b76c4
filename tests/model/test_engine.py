"""The fitting engine at scale: batched ADVI, one graph per shape, a bounded cache, threads, quiet fits."""

import logging
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli, CmabGaussianMO
from pybandits.engines import advi, rewrites
from pybandits.engines import fit as fitting
from pybandits.engines import quiet as quieting
from pybandits.engines.cache import ENGINES, engine_cache_info, set_engine_cache_size
from pybandits.engines.fit import fit_group
from pybandits.engines.plan import plan_fits
from pybandits.exceptions import FitError
from pybandits.model.bnn.action import Bnn

WEIGHTS = [
    np.array([1.5, -1.0, 0.5]),
    np.array([-1.0, 0.5, 1.0]),
    np.array([0.5, 1.5, -0.5]),
    np.array([0.0, -1.5, 1.0]),
]
ROWS = [160, 110, 70, 40]  # unequal: the batched block pads and masks rows


def _data(index: int, seed: int = 0):
    rng = np.random.default_rng(100 * index + seed)
    context = rng.normal(size=(ROWS[index], 3))
    rewards = (rng.random(ROWS[index]) < 1.0 / (1.0 + np.exp(-(context @ WEIGHTS[index])))).astype(float)
    return context, rewards


def _prior(**settings):
    return Bnn.cold_start(n_features=3, update_kwargs={"num_steps": 300, **settings})


def _mu_sigma(model: Bnn) -> tuple[np.ndarray, np.ndarray]:
    layer = model.network.layers[0]
    return np.concatenate([layer.weight.mu[:, 0], layer.bias.mu]), np.concatenate(
        [layer.weight.sigma[:, 0], layer.bias.sigma]
    )


def test_batched_posteriors_agree_with_one_at_a_time_fits_within_advis_spread():
    """Four networks fitted together vs each alone, over several seeds: same posterior within run-to-run spread."""
    prior = _prior()
    data = [_data(index) for index in range(4)]
    seeds = range(6)
    alone = [
        [_mu_sigma(fit_group([prior], [data[i][0]], [data[i][1]], [1000 + s])[0]) for s in seeds] for i in range(4)
    ]
    together = [
        [
            _mu_sigma(m)
            for m in fit_group([prior] * 4, [d[0] for d in data], [d[1] for d in data], [s, s + 10, s + 20, s + 30])
        ]
        for s in seeds
    ]
    for index in range(4):
        mu_alone = np.array([run[0] for run in alone[index]])
        mu_together = np.array([run[index][0] for run in together])
        sigma_alone = np.array([run[1] for run in alone[index]])
        sigma_together = np.array([run[index][1] for run in together])
        spread = np.sqrt(mu_alone.var(axis=0, ddof=1) / 6 + mu_together.var(axis=0, ddof=1) / 6)
        # the means differ by less than four standard errors of the difference (or 0.02, ADVI's floor)
        assert np.all(np.abs(mu_alone.mean(axis=0) - mu_together.mean(axis=0)) < 4 * spread + 0.02), index
        np.testing.assert_allclose(sigma_together.mean(axis=0), sigma_alone.mean(axis=0), rtol=0.15)
        # and both learned the network's own truth, not a neighbour's
        assert np.abs(mu_together.mean(axis=0)[:3] - WEIGHTS[index]).max() < 0.8


def test_a_network_in_a_batch_depends_only_on_its_own_rows():
    """Another slot's rewards change; this slot's posterior is the same to the last bits."""
    prior = _prior(num_steps=100)
    data = [_data(index) for index in range(3)]
    first = fit_group([prior] * 3, [d[0] for d in data], [d[1] for d in data], [1, 2, 3])
    changed = [data[0], data[1], (data[2][0], 1.0 - data[2][1])]  # same rows, flipped rewards
    second = fit_group([prior] * 3, [d[0] for d in changed], [d[1] for d in changed], [1, 2, 3])
    for index in (0, 1):
        np.testing.assert_allclose(_mu_sigma(second[index])[0], _mu_sigma(first[index])[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(_mu_sigma(second[index])[1], _mu_sigma(first[index])[1], rtol=0, atol=1e-12)
    assert not np.allclose(_mu_sigma(second[2])[0], _mu_sigma(first[2])[0])


def test_unplayed_actions_do_not_change_and_every_played_one_is_fitted(logistic):
    mab = CmabBernoulli.cold_start(
        action_ids=[f"a{i}" for i in range(6)], n_features=3, update_kwargs={"num_steps": 50}, random_seed=0
    )
    context, rewards, _ = logistic.sample(120, seed=3)
    played = np.array(["a0", "a2", "a3"])[np.arange(120) % 3]
    before = dict(mab.actions)
    mab.update(played.tolist(), rewards, context)
    for action_id in ("a1", "a4", "a5"):
        assert mab.actions[action_id] is before[action_id]
    for action_id in ("a0", "a2", "a3"):
        assert mab.actions[action_id].last_fit.n_rows == 40 and mab.actions[action_id].last_fit.n_networks == 3


def test_groups_respect_actions_per_fit_and_the_switch_off():
    models = {f"a{i}": _prior(actions_per_fit=4) for i in range(10)}
    tasks = [(a, np.arange(5), i) for i, a in enumerate(models)]
    sizes = [len(g.members) for g in plan_fits(models, tasks, np.zeros((5, 3)), np.zeros(5))]
    assert sizes == [4, 4, 2]
    off = {a: _prior(actions_per_fit=1) for a in models}
    assert [len(g.members) for g in plan_fits(off, tasks, np.zeros((5, 3)), np.zeros(5))] == [1] * 10
    mcmc = {a: Bnn.cold_start(n_features=3, update_method="MCMC") for a in models}
    assert [len(g.members) for g in plan_fits(mcmc, tasks, np.zeros((5, 3)), np.zeros(5))] == [1] * 10


def test_multi_objective_networks_are_fitted_together_and_reassembled():
    mab = CmabGaussianMO.cold_start(
        action_ids={"a", "b"}, n_features=3, n_objectives=2, update_kwargs={"num_steps": 50}, random_seed=0
    )
    rng = np.random.default_rng(0)
    context = rng.normal(size=(60, 3))
    rewards = np.stack([context @ WEIGHTS[0], 10 + context @ WEIGHTS[1]], axis=1) + rng.normal(size=(60, 2))
    mab.update(["a", "b"] * 30, rewards.tolist(), context)
    for action in mab.actions.values():
        assert [o.last_fit.n_networks for o in action.objectives] == [4, 4]
        assert [o.n_observations for o in action.objectives] == [30, 30]


def test_the_second_update_of_a_new_bandit_compiles_nothing(logistic):
    """Student-t priors and Normal posteriors share one graph per shape."""
    context, rewards, _ = logistic.sample(100, seed=4)
    mab = CmabBernoulli.cold_start(
        action_ids={"a", "b"}, n_features=3, hidden_dim_list=[3], update_kwargs={"num_steps": 20}, random_seed=0
    )
    assert mab.actions["a"].network.layers[0].weight.family == "studentt"
    mab.update(["a", "b"] * 50, rewards, context)
    keys = ENGINES.keys()
    mab.update(["a", "b"] * 50, rewards, context)
    assert ENGINES.keys()[-1] == keys[-1] and len(ENGINES.keys()) == len(keys)


def test_the_engine_cache_is_bounded_and_least_recently_used_goes_first():
    context, rewards = _data(0)
    original = engine_cache_info()["max_size"]
    try:
        set_engine_cache_size(2)
        for width in (2, 3, 2, 4):  # shapes 2 and 3, then 2 again, then a new one: 3 goes
            prior = Bnn.cold_start(n_features=3, hidden_dim_list=[width], update_kwargs={"num_steps": 5})
            fit_group([prior], [context], [rewards], [0])
        held = [key[0][0][0][1] for key in ENGINES.keys()]  # noqa: SIM118 (a method of the cache)  # the shape of w0 in each key
        assert held == [(3, 2), (3, 4)]
        assert engine_cache_info() == {"size": 2, "max_size": 2}
        with pytest.raises(ValueError, match="max_size: expected an integer >= 1, got 0"):
            set_engine_cache_size(0)
    finally:
        set_engine_cache_size(original)


def _threaded_world():
    rng = np.random.default_rng(5)
    context = rng.normal(size=(400, 3))
    actions = [f"a{i}" for i in range(8)]
    played = np.array(actions)[np.arange(400) % 8].tolist()
    rewards = (rng.random(400) < 0.4).astype(int)
    return actions, played, rewards, context


def _fresh_threaded(actions):
    # two networks per fit: four groups, so four fits run in the threads at once
    settings = {"num_steps": 60, "actions_per_fit": 2}
    return CmabBernoulli.cold_start(action_ids=actions, n_features=3, update_kwargs=settings, random_seed=3)


def test_a_thread_pool_gives_the_sequential_result_and_changes_nothing_process_wide():
    actions, played, rewards, context = _threaded_world()
    sequential = _fresh_threaded(actions)
    sequential.update(played, rewards, context)
    levels = {name: logging.getLogger(name).level for name in ("pymc", "pytensor.tensor.blas")}
    filters = list(warnings.filters)
    for _ in range(2):
        mab = _fresh_threaded(actions)
        with ThreadPoolExecutor(4) as executor:
            mab.update(played, rewards, context, executor=executor)
        assert mab == sequential
    assert {name: logging.getLogger(name).level for name in levels} == levels
    assert warnings.filters == filters


def test_a_failed_fit_in_a_thread_leaves_logging_and_warnings_as_they_were(monkeypatch):
    actions, played, rewards, context = _threaded_world()
    levels = {name: logging.getLogger(name).level for name in ("pymc", "pytensor.tensor.blas")}
    filters = list(warnings.filters)
    real = advi.fit_vi
    calls = []

    def fail_sometimes(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise FitError("injected")
        return real(*args, **kwargs)

    monkeypatch.setattr(advi, "fit_vi", fail_sometimes)
    mab = _fresh_threaded(actions)
    before = mab.get_state()
    with ThreadPoolExecutor(4) as executor, pytest.raises(FitError, match="injected"):
        mab.update(played, rewards, context, executor=executor)
    assert mab.get_state() == before
    assert {name: logging.getLogger(name).level for name in levels} == levels
    assert warnings.filters == filters
    assert not getattr(quieting._FITTING, "active", False)


def test_pymc_log_lines_are_muted_only_in_the_thread_that_fits():
    quiet = quieting._QUIET_FILTERS["pymc"]
    info = logging.LogRecord("pymc.sampling.mcmc", logging.INFO, __file__, 1, "Sequential sampling", None, None)
    warning = logging.LogRecord("pymc", logging.WARNING, __file__, 1, "careful", None, None)
    seen_elsewhere = []
    with quieting.Quiet():
        assert not quiet.filter(info) and quiet.filter(warning)
        other = threading.Thread(target=lambda: seen_elsewhere.append(quiet.filter(info)))
        other.start()
        other.join()
    assert seen_elsewhere == [True]  # another thread's records pass
    assert quiet.filter(info)  # and this thread's pass again after the fit
    assert quiet in logging.getLogger("pymc.sampling.mcmc").filters


def test_dask_with_threads_in_its_workers_gives_the_sequential_result():
    distributed = pytest.importorskip("distributed")
    actions, played, rewards, context = _threaded_world()
    sequential = _fresh_threaded(actions)
    sequential.update(played, rewards, context)
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        mab = _fresh_threaded(actions)
        mab.update(played, rewards, context, executor=client.get_executor())
    assert mab == sequential


def test_minibatches_draw_rows_of_every_network_in_a_batch():
    """With ``batch_size``, each network's likelihood estimate stays its own (and unbiased)."""
    prior = _prior(num_steps=600, batch_size=64)
    data = [_data(index) for index in range(3)]
    together = fit_group([prior] * 3, [d[0] for d in data], [d[1] for d in data], [4, 5, 6])
    full = fit_group([_prior(num_steps=600)] * 3, [d[0] for d in data], [d[1] for d in data], [4, 5, 6])
    for index, (mini, whole) in enumerate(zip(together, full, strict=True)):
        assert mini.last_fit.n_networks == 3 and mini.last_fit.n_rows == ROWS[index]
        # the minibatch posterior is the full-batch one, up to the extra noise of the gradient
        assert np.abs(_mu_sigma(mini)[0] - _mu_sigma(whole)[0]).max() < 0.35, index
        np.testing.assert_allclose(_mu_sigma(mini)[1], _mu_sigma(whole)[1], rtol=0.35)


def test_skewed_traffic_pads_at_most_twice_the_rows_and_engines_keep_no_data():
    rng = np.random.default_rng(0)
    weights = 1.0 / np.arange(1, 201)
    counts = rng.multinomial(200_000, weights / weights.sum())  # a few popular actions, a long tail
    models = {f"a{i}": _prior() for i in range(200)}
    tasks = [(f"a{i}", np.arange(count), i) for i, count in enumerate(counts) if count]
    groups = plan_fits(models, tasks, np.zeros((counts.max(), 3)), np.zeros(counts.max()))
    padded = sum(max(len(r) for r in group.rewards) * len(group.members) for group in groups)
    assert padded <= 2 * counts.sum()
    assert sorted(m for g in groups for m, _ in g.members) == sorted(a for a, _, _ in tasks)
    # after a fit the cached engine holds placeholders, not the user's rows
    context, rewards = _data(0)
    fit_group([_prior(num_steps=5)], [context], [rewards], [0])
    engine = ENGINES._entries[ENGINES.keys()[-1]].engine
    assert engine.model.named_vars["context"].get_value().shape[1] == 1


def test_a_failed_group_names_its_actions(logistic, monkeypatch):
    def diverge(actions, contexts, rewards, seeds, weights=None, n_slots=None):
        raise FitError("ADVI diverged: the loss became nan at step 3")

    monkeypatch.setattr(fitting, "fit_models", diverge)
    context, rewards, _ = logistic.sample(60, seed=1)
    for per_fit, expected in ((128, r"actions fitted together: \['a', 'b'\]"), (1, "action 'a'")):
        mab = CmabBernoulli.cold_start(
            action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 5, "actions_per_fit": per_fit}
        )
        with pytest.raises(FitError, match=expected):
            mab.update(["a", "b"] * 30, rewards, context)


def test_the_compile_rewrites_change_the_speed_not_the_numbers():
    import pytensor
    import pytensor.tensor as pt

    x = pt.dvector("x")
    values = np.array([-800.0, -40.0, -1.0, 0.0, 2.5, 30.0, 800.0])
    for function, inputs in ((pt.softplus, values), (pt.log, np.exp(values / 100))):
        plain = pytensor.function([x], function(x), mode=rewrites.compile_mode())
        numpy_unary = pytensor.function([x], function(x), mode=rewrites.compile_mode(rewrites._NUMPY_FROM))
        assert not any(isinstance(node.op, rewrites._NumpyUnary) for node in plain.maker.fgraph.toposort())
        assert any(isinstance(node.op, rewrites._NumpyUnary) for node in numpy_unary.maker.fgraph.toposort())
        np.testing.assert_allclose(numpy_unary(inputs), plain(inputs), rtol=1e-12, atol=0)
    # the standard Normal noise: the same draws as Generator.normal(0, 1) from the same generator
    rng = pytensor.shared(np.random.default_rng(5))
    try:
        _, noise = pt.random.normal(0.0, 1.0, size=(2, 3), rng=rng, return_next_rng=True)  # PyTensor 3
    except TypeError:  # PyTensor 2
        noise = pt.random.normal(0.0, 1.0, size=(2, 3), rng=rng)
    draw = pytensor.function([], noise, mode=rewrites.compile_mode())
    assert any(isinstance(node.op, rewrites._StandardNormalRV) for node in draw.maker.fgraph.toposort())
    np.testing.assert_array_equal(draw(), np.random.default_rng(5).normal(0.0, 1.0, size=(2, 3)))
