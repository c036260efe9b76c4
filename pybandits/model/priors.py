"""Location-scale arrays: the priors and posteriors of a network's weights, as plain numbers.

A :class:`LocationScale` holds, element by element, a Normal distribution (``mu``, ``sigma``) or a
Student-t distribution (``mu``, ``sigma``, ``nu``). Every weight tensor of a Bayesian neural network
is one of them: the prior at cold start, the mean-field posterior after a fit. Only the fitting
layer turns them into PyMC distributions; sampling here uses numpy alone.

Examples
--------
>>> import numpy as np
>>> prior = LocationScale.full((2, 3), mu=0.0, sigma=1.0, nu=5.0)
>>> prior.family, prior.shape
('studentt', (2, 3))
>>> prior.sample(4, np.random.default_rng(0)).shape
(4, 2, 3)
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, ConfigDict, PlainSerializer, model_validator

from pybandits.base import PyBanditsBaseModel
from pybandits.model.forgetting import mean_field_forgotten

__all__ = ["FloatArray", "LocationScale", "NuArray"]


def _to_array(value: Any) -> np.ndarray:
    if isinstance(value, str | bytes) or value is None:
        raise ValueError(f"expected an array of numbers, got {type(value).__name__}")
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"expected an array of numbers, got {str(error)[:120]}") from None


def _as_float_array(value: Any) -> np.ndarray:
    array = _to_array(value)
    if not np.all(np.isfinite(array)):
        raise ValueError("expected finite numbers, got NaN or infinity")
    array.flags.writeable = False
    return array


#: A read-only float64 numpy array, written to JSON as nested lists (floats round-trip exactly).
FloatArray = Annotated[
    np.ndarray,
    BeforeValidator(_as_float_array),
    PlainSerializer(lambda array: array.tolist(), return_type=list),
]


def _as_nu_array(value: Any) -> np.ndarray:
    if isinstance(value, list | tuple):  # JSON null stands for infinity (a Normal element)
        value = _nulls_to_inf(value)
    array = _to_array(value)
    if np.any(np.isnan(array)) or np.any(array == -np.inf):
        raise ValueError("expected degrees of freedom > 0 (or null for a Normal element), got NaN or -infinity")
    array.flags.writeable = False
    return array


def _nulls_to_inf(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_nulls_to_inf(item) for item in value]
    return np.inf if value is None else value


def _inf_to_nulls(value: Any) -> Any:
    if isinstance(value, list):
        return [_inf_to_nulls(item) for item in value]
    return None if value == np.inf else value


#: Degrees of freedom: like :data:`FloatArray`, but an element may be infinite (a Normal element,
#: written to JSON as null). Only tensors grown by transfer mix the two families.
NuArray = Annotated[
    np.ndarray,
    BeforeValidator(_as_nu_array),
    PlainSerializer(lambda array: _inf_to_nulls(array.tolist()), return_type=list),
]


#: Largest |mu| and sigma a weight distribution may have: a draw far beyond it would overflow to
#: infinity in a network's forward pass (no weight of a logistic network needs to be this large).
MAX_MAGNITUDE = 1e6


class LocationScale(PyBanditsBaseModel):
    """Independent Normal or Student-t distributions, one per array element.

    Attributes
    ----------
    mu : array
        Locations, ``|mu| <= 1e6``.
    sigma : array
        Scales, ``0 < sigma <= 1e6``, same shape as ``mu``.
    nu : array, optional
        Degrees of freedom (>= 1) of a Student-t distribution, same shape; None for a Normal. An
        infinite entry makes that element Normal: a tensor grown by transfer keeps its learned
        Normal posterior beside new Student-t prior entries.

    Examples
    --------
    >>> import numpy as np
    >>> weights = LocationScale(mu=[[0.0], [1.0]], sigma=[[1.0], [0.5]])
    >>> weights.family, weights.shape, weights.sample(5, np.random.default_rng(0)).shape
    ('normal', (2, 1), (5, 2, 1))
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    mu: FloatArray
    sigma: FloatArray
    nu: NuArray | None = None

    @model_validator(mode="after")
    def _check_arrays(self) -> LocationScale:
        if self.mu.ndim == 0:
            raise ValueError("mu: expected an array with at least one dimension, got a scalar")
        for name in ("mu", "sigma"):  # larger values overflow to inf when sampled, then NaN in a network
            array = getattr(self, name)
            if array.size and np.abs(array).max() > MAX_MAGNITUDE:
                raise ValueError(f"{name}: expected magnitudes <= {MAX_MAGNITUDE:g}, got {np.abs(array).max():g}")
        for name in ("sigma", "nu"):
            array = getattr(self, name)
            if array is not None and array.shape != self.mu.shape:
                raise ValueError(f"{name}: expected the shape of mu {self.mu.shape}, got {array.shape}")
            low = 1.0 if name == "nu" else 0.0  # nu < 1 draws weights too large to compute with
            if array is not None and not np.all(array > low if name == "sigma" else array >= low):
                bad = array[~(array > low if name == "sigma" else array >= low)][:3].tolist()
                raise ValueError(f"{name}: expected values {'> 0' if name == 'sigma' else '>= 1'}, got {bad}")
        return self

    def forgotten(self, prior: LocationScale, weight: float) -> LocationScale:
        """These distributions raised to ``weight``, times ``prior``'s (same shape or one element) to ``1 - weight``.

        Mean-field Normal forgetting (:func:`~pybandits.model.forgetting.mean_field_forgotten`);
        the degrees of freedom are kept, so an element still at a Student-t prior stays there.
        """
        mu, sigma = mean_field_forgotten(self.mu, self.sigma, prior.mu, prior.sigma, weight)
        return self._replaced(mu=mu, sigma=sigma)  # between two valid distributions: valid

    @classmethod
    def full(cls, shape: tuple[int, ...], mu: float, sigma: float, nu: float | None = None) -> LocationScale:
        """The same distribution for every element of an array of ``shape``."""
        return cls(
            mu=np.full(shape, mu),
            sigma=np.full(shape, sigma),
            nu=None if nu is None else np.full(shape, nu),
        )

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the array of distributions."""
        return self.mu.shape

    @property
    def family(self) -> Literal["normal", "studentt"]:
        """``"normal"`` or ``"studentt"``."""
        return "normal" if self.nu is None else "studentt"

    def sample(self, n: int, rng: np.random.Generator, dtype: type = np.float64) -> np.ndarray:
        """Draw ``n`` arrays, shape ``(n, *shape)``, as ``dtype`` (float32 draws Normal elements twice as fast)."""
        size = (n, *self.shape)
        if self.nu is None:
            noise = rng.standard_normal(size, dtype=dtype)
        elif np.all(np.isfinite(self.nu)):
            noise = rng.standard_t(self.nu, size=size).astype(dtype, copy=False)
        else:
            noise = rng.standard_normal(size, dtype=dtype)
            heavy = np.isfinite(self.nu)
            noise[:, heavy] = rng.standard_t(self.nu[heavy], size=(n, int(heavy.sum())))
        noise *= self.sigma.astype(dtype, copy=False)
        noise += self.mu.astype(dtype, copy=False)
        return noise

    def std(self) -> np.ndarray:
        """Standard deviation of every element (infinite for a Student-t with ``nu <= 2``)."""
        if self.nu is None:
            return self.sigma
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(self.nu > 2, np.sqrt(self.nu / np.maximum(self.nu - 2, 1e-300)), np.inf)
            factor = np.where(np.isinf(self.nu), 1.0, factor)
        return self.sigma * factor
