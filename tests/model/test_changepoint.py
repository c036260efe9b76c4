"""The GLR change tests: exact statistics, false alarms at most delta, power and delay, bad input."""

import dataclasses
import math

import numpy as np
import pytest

from pybandits.model.changepoint import (
    Change,
    bernoulli_glr,
    bernoulli_statistics,
    bernoulli_threshold,
    besson_threshold,
    calibration_t,
    gaussian_glr,
    gaussian_statistics,
    gaussian_threshold,
)


def _kl(p: float, q: float) -> float:
    def term(a: float, b: float) -> float:
        return 0.0 if a == 0.0 else a * math.log(a / b)

    return term(p, q) + term(1.0 - p, 1.0 - q)


def _brute_force(values, n_before=0, sum_before=0.0, sigma=None):
    """The statistic of every split by its definition, one split at a time."""
    values = [float(v) for v in values]
    total_count = n_before + len(values)
    mean = (sum_before + sum(values)) / total_count
    out = []
    for j in range(len(values)):
        c1, s1 = n_before + j, sum_before + sum(values[:j])
        c2, s2 = len(values) - j, sum(values[j:])
        if c1 == 0:
            out.append(0.0)
        elif sigma is None:
            out.append(c1 * _kl(s1 / c1, mean) + c2 * _kl(s2 / c2, mean))
        else:
            out.append(c1 * c2 / total_count * (s1 / c1 - s2 / c2) ** 2 / (2 * sigma**2))
    return np.array(out)


# -- exact statistics -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_statistics_equal_their_definition_on_small_inputs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    binary = rng.integers(0, 2, size=n)
    soft = rng.random(n)
    n_before = int(rng.integers(0, 5)) if seed % 2 else 0
    sum_before = float(rng.integers(0, n_before + 1)) if n_before else 0.0
    for values in (binary, soft):
        expected = _brute_force(values, n_before, sum_before)
        got = bernoulli_statistics(values, n_before=n_before, sum_before=sum_before)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    shifted = 1000.0 + 3.0 * rng.normal(size=n)  # far from 0: the scan centres the values
    expected = _brute_force(shifted, n_before, 1000.0 * n_before, sigma=2.0)
    got = gaussian_statistics(shifted, 2.0, n_before=n_before, sum_before=1000.0 * n_before)
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-7)


def test_rows_out_of_memory_enter_as_one_block_before_the_values():
    rng = np.random.default_rng(3)
    values = (rng.random(60) < 0.4).astype(float)
    full_kl, full_gauss = bernoulli_statistics(values), gaussian_statistics(values, 0.5)
    for k in (1, 10, 59):
        kl = bernoulli_statistics(values[k:], n_before=k, sum_before=float(values[:k].sum()))
        gauss = gaussian_statistics(values[k:], 0.5, n_before=k, sum_before=float(values[:k].sum()))
        np.testing.assert_allclose(kl, full_kl[k:], atol=1e-9)
        np.testing.assert_allclose(gauss, full_gauss[k:], atol=1e-9)


def test_bernoulli_glr_reports_the_largest_split_of_the_scan_that_fired():
    values = np.array([0] * 40 + [1] * 40)
    change = bernoulli_glr(values, 0.01)
    assert change == Change(40, pytest.approx(80 * math.log(2)), bernoulli_threshold(80, 0.005), "kl")
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.index = 3  # type: ignore[misc]
    constant = np.zeros(50)
    assert bernoulli_glr(constant, 0.01) is None
    assert bernoulli_glr(np.array([1.0]), 0.01) is None
    assert bernoulli_glr(np.array([], dtype=float), 0.01) is None


def test_thresholds():
    n = np.arange(2, 100_000, 97)
    for delta in (0.5, 0.01, 1e-6):
        union, proved, gaussian = (
            bernoulli_threshold(n, delta),
            besson_threshold(n, delta),
            gaussian_threshold(n, delta),
        )
        assert np.all(np.diff(union) > 0) and np.all(gaussian > 0)
        assert np.all(union < proved)  # the union bound is the smaller of the two proofs here
        y = union - 2 * math.log(2)  # (1 + y) exp(-y) = delta / (n (n - 1)^2), in logarithms:
        np.testing.assert_allclose(np.log1p(y) - y, math.log(delta) - np.log(n) - 2 * np.log(n - 1), rtol=1e-10)
    assert bernoulli_threshold(1, 0.1) == math.inf
    assert bernoulli_threshold(1000, 0.001) > bernoulli_threshold(1000, 0.01)
    assert bernoulli_threshold(np.array([1000]), 0.01)[0] == pytest.approx(bernoulli_threshold(1000, 0.01))
    x = np.array([5.0, 10.0, 50.0])
    np.testing.assert_allclose(calibration_t(x), x + 4 * np.log(1 + x + np.sqrt(2 * x)), rtol=0.1)


# -- false alarms on stationary streams, tested after every row ------------------------------------


def _running_maxima(y: np.ndarray, kind: str, sigma: float = 0.5) -> np.ndarray:
    """``(streams, rows)``: the largest statistic over the splits of the first ``n`` rows, for every ``n``."""
    n_streams, length = y.shape
    cumulative = np.concatenate([np.zeros((n_streams, 1)), np.cumsum(y, axis=1)], axis=1)

    def xlogx(x):
        return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)

    out = np.zeros((n_streams, length))
    for n in range(2, length + 1):
        s = np.arange(1, n, dtype=float)
        sum1, total = cumulative[:, 1:n], cumulative[:, n : n + 1]
        if kind == "kl":
            sum2 = total - sum1
            statistic = (
                xlogx(sum1) + xlogx(s - sum1) - xlogx(s) + xlogx(sum2) + xlogx(n - s - sum2) - xlogx(n - s)
            ) - (xlogx(total) + xlogx(n - total) - xlogx(np.array(float(n))))
        else:
            statistic = s * (n - s) / n * (sum1 / s - (total - sum1) / (n - s)) ** 2 / (2 * sigma**2)
        out[:, n - 1] = statistic.max(axis=1)
    return out


def _allowed(delta: float, n_streams: int) -> float:
    """``delta`` plus three binomial standard errors."""
    return delta + 3 * math.sqrt(delta * (1 - delta) / n_streams)


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_bernoulli_false_alarms_stay_below_delta(p):
    n_streams, length, delta = 300, 240, 0.2
    y = (np.random.default_rng([7, int(p * 10)]).random((n_streams, length)) < p).astype(float)
    n = np.arange(1, length + 1)
    kl, gauss = _running_maxima(y, "kl"), _running_maxima(y, "gauss", 0.5)
    alarms = (kl >= bernoulli_threshold(n, delta / 2)) | (gauss >= gaussian_threshold(n, delta / 2))
    assert alarms.any(axis=1).mean() <= _allowed(delta, n_streams)
    for stream in range(3):  # the library's test decides as this scan does
        for rows in (2, 50, length):
            found = bernoulli_glr(y[stream, :rows], delta) is not None
            assert found == bool(alarms[stream, rows - 1])


def test_gaussian_and_bounded_residual_false_alarms_stay_below_delta():
    n_streams, length, delta = 300, 300, 0.2
    rng = np.random.default_rng(11)
    n = np.arange(1, length + 1)
    gaussian = rng.normal(5.0, 2.0, size=(n_streams, length))
    p = rng.uniform(0.02, 0.98, size=(n_streams, length))
    residuals = (rng.random((n_streams, length)) < p) - p  # in an interval of length 1, mean 0
    for y, sigma in ((gaussian, 2.0), (residuals, 0.5)):
        maxima = _running_maxima(y, "gauss", sigma)
        alarms = maxima >= gaussian_threshold(n, delta)
        assert alarms.any(axis=1).mean() <= _allowed(delta, n_streams)
        assert (gaussian_glr(y[0], delta, sigma) is not None) == bool(alarms[0, -1])


# -- power and delay ----------------------------------------------------------------------------------


def _first_alarm(stream: np.ndarray, start: int, test) -> tuple[int, Change] | None:
    for rows in range(start, len(stream) + 1):
        change = test(stream[:rows])
        if change is not None:
            return rows, change
    return None


def test_a_bernoulli_change_is_found_soon_and_located():
    rng = np.random.default_rng(5)
    delays, locations = [], []
    for _ in range(30):
        stream = np.concatenate([rng.random(300) < 0.2, rng.random(200) < 0.6]).astype(float)
        assert bernoulli_glr(stream[:300], 0.01) is None
        found = _first_alarm(stream, 301, lambda v: bernoulli_glr(v, 0.01))
        assert found is not None
        delays.append(found[0] - 300)
        locations.append(found[1].index)
    assert np.median(delays) <= 80 and max(delays) <= 150
    assert abs(np.median(locations) - 300) <= 10


def test_a_rare_event_change_is_found_by_the_kl_scan():
    rng = np.random.default_rng(6)
    stream = np.concatenate([rng.random(3000) < 0.02, rng.random(2000) < 0.07]).astype(float)
    change = bernoulli_glr(stream, 0.01)
    assert change is not None and change.test == "kl" and abs(change.index - 3000) <= 150
    assert gaussian_glr(stream, 0.01, 0.5) is None  # sigma = 1/2 ignores how small the variance is


def test_a_gaussian_change_is_found_with_the_noise_known_or_estimated():
    rng = np.random.default_rng(8)
    delays = []
    for _ in range(20):
        stream = np.concatenate([rng.normal(10.0, 3.0, 300), rng.normal(13.0, 3.0, 200)])
        found = _first_alarm(stream, 301, lambda v: gaussian_glr(v, 0.01, float(v.std(ddof=1))))
        assert found is not None
        delays.append(found[0] - 300)
    assert np.median(delays) <= 40


# -- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("delta", [0, 1, -0.1, 1.5, float("nan")])
def test_delta_outside_the_unit_interval_is_refused(delta):
    for call in (lambda: bernoulli_glr(np.zeros(3), delta), lambda: gaussian_glr(np.zeros(3), delta, 1.0)):
        with pytest.raises(ValueError, match="delta"):
            call()
    with pytest.raises(ValueError, match="delta"):
        bernoulli_threshold(10, delta)


@pytest.mark.parametrize("delta", ["0.1", None, True])
def test_delta_that_is_no_number_is_refused(delta):
    with pytest.raises(TypeError, match="delta"):
        bernoulli_glr(np.zeros(3), delta)
    with pytest.raises(TypeError, match="delta"):
        gaussian_threshold(10, delta)


@pytest.mark.parametrize(
    ("values", "error", "match"),
    [
        (np.array([0.0, np.nan]), ValueError, "finite"),
        (np.array([0.0, np.inf]), ValueError, "finite"),
        (np.zeros((2, 2)), ValueError, "one-dimensional"),
        (np.array(["a", "b"]), TypeError, "numbers"),
        (np.array([0.5, 1.5]), ValueError, r"\[0, 1\]"),
        (np.array([-0.1, 0.5]), ValueError, r"\[0, 1\]"),
    ],
)
def test_bad_values_are_refused(values, error, match):
    with pytest.raises(error, match=match):
        bernoulli_glr(values, 0.1)
    if match != r"\[0, 1\]":  # real-valued values may leave [0, 1]
        with pytest.raises(error, match=match):
            gaussian_glr(values, 0.1, 1.0)
    else:
        gaussian_glr(values, 0.1, 1.0)


@pytest.mark.parametrize(
    ("sigma", "error"), [(0.0, ValueError), (-1.0, ValueError), (math.inf, ValueError), ("1", TypeError)]
)
def test_bad_sigma_is_refused(sigma, error):
    with pytest.raises(error, match="sigma"):
        gaussian_glr(np.zeros(3), 0.1, sigma)


@pytest.mark.parametrize(
    ("n_before", "sum_before", "error", "match"),
    [
        (-1, 0.0, ValueError, "n_before"),
        (1.5, 0.0, TypeError, "n_before"),
        (True, 0.0, TypeError, "n_before"),
        (0, 1.0, ValueError, "sum_before"),
        (3, 4.0, ValueError, "sum_before"),
        (3, -1.0, ValueError, "sum_before"),
        (3, math.nan, ValueError, "sum_before"),
        (3, "1", TypeError, "sum_before"),
    ],
)
def test_bad_summary_of_older_rows_is_refused(n_before, sum_before, error, match):
    with pytest.raises(error, match=match):
        bernoulli_glr(np.zeros(3), 0.1, n_before=n_before, sum_before=sum_before)


@pytest.mark.parametrize(
    ("n", "error"), [(0, ValueError), (-3, ValueError), (np.array([2, 0]), ValueError), ("a", TypeError)]
)
def test_bad_number_of_rows_is_refused(n, error):
    with pytest.raises(error, match="n must"):
        bernoulli_threshold(n, 0.1)
    with pytest.raises(error, match="n must"):
        gaussian_threshold(n, 0.1)
