"""The original library's quantitative models: zooming for stochastic bandits, a network of context and quantity.

- ``SmabZoomingModel`` (and its newer name ``Zooming``) is this library's
  :class:`~pybandits.model.zooming.Zooming`, built by the original's ``cold_start(dimension=1,
  n_max_segments=32, ...)``; ``SmabZoomingModelCC`` / ``ZoomingCC`` require a cost.
- ``QuantitativeBayesianNeuralNetwork`` is this library's quantitative network (a
  :class:`~pybandits.model.bnn.action.Bnn` with ``quantity_dim``), built by the original's
  ``cold_start(dimension=1, n_features=1, categorical_features=None, base_model_cold_start_kwargs=...)``
  at the original's prior (:class:`~pybandits.compat.model.BayesianNeuralNetwork`).
- ``CmabZoomingModel`` (8.x's contextual zooming, a network per segment) builds the network of
  context and quantity above: a contextual bandit's continuous action is learned here by one
  network, which shares what it learns across quantities.

What differs: the zooming model starts from one segment and splits a segment where a Bayes factor
shows its reward changing (``split_evidence``, ``min_samples_to_split``); the original starts from
four segments per dimension and merges and splits them by comparing sampled means
(``comparison_threshold``, ``segment_update_factor``, ``n_comparison_points``), which are refused by
name. A quantitative action's cost is one number here (the original's may be a function of the
quantity).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pybandits.boundary.validation import describe
from pybandits.compat.model import BayesianNeuralNetwork
from pybandits.model.zooming import Zooming as _Zooming

__all__ = [
    "CmabZoomingModel",
    "QuantitativeBayesianNeuralNetwork",
    "QuantitativeBayesianNeuralNetworkCC",
    "SmabZoomingModel",
    "SmabZoomingModelCC",
    "Zooming",
    "ZoomingCC",
]

_ORIGINAL_SPLIT = ("comparison_threshold", "segment_update_factor", "n_comparison_points")


def _refuse_given(given: dict[str, object], why: str) -> None:
    """Refuse the original's settings that were given (not None), naming them with ``why``."""
    refused = sorted(name for name, value in given.items() if value is not None)
    if refused:
        raise ValueError(f"{', '.join(refused)}: {why}")


def _number_cost(cost: object, required: bool) -> float | None:
    if cost is None:
        if required:
            raise ValueError("cost: expected the action's cost (a number >= 0), got None")
        return None
    if callable(cost):
        raise TypeError(
            "cost: a quantitative action's cost is one number here (a cost-control bandit compares actions by it), "
            "got a function of the quantity; give its typical value"
        )
    return cost  # checked by the model as any cost


class SmabZoomingModel(_Zooming):
    """The original's zooming model of a stochastic bandit's quantitative action: this library's ``Zooming``.

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> smab = SmabBernoulli(actions={"a": SmabZoomingModel.cold_start(dimension=1)})
    >>> choices, probs = smab.predict(n_samples=1)
    >>> choices[0][0], len(choices[0][1])
    ('a', 1)
    """

    _cost_required: ClassVar[bool] = False

    @classmethod
    def cold_start(  # type: ignore[override]  # the original's arguments
        cls,
        dimension: int = 1,
        comparison_threshold: float | None = None,
        segment_update_factor: float | None = None,
        n_comparison_points: int | None = None,
        n_max_segments: int | None = 32,
        base_model_cold_start_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Zooming over ``[0, 1]^dimension``, up to ``n_max_segments`` segments (the original's default, 32).

        Other keyword arguments are this library's: ``cost``, ``family``, ``prior``,
        ``split_evidence``, ``min_samples_to_split``, ``zoom_after``. The original's
        ``base_model_cold_start_kwargs`` (its segments' Beta settings) is taken empty; a segment's
        prior here is ``prior``.
        """
        if base_model_cold_start_kwargs:
            raise ValueError(
                "base_model_cold_start_kwargs: the segments' models are this library's conjugate posteriors; set "
                "their prior with prior={...} (Beta: n_successes, n_failures), got "
                f"{describe(base_model_cold_start_kwargs)}"
            )
        _refuse_given(
            {
                "comparison_threshold": comparison_threshold,
                "segment_update_factor": segment_update_factor,
                "n_comparison_points": n_comparison_points,
            },
            "the original's rule for merging and splitting segments; here a segment splits where a Bayes factor "
            "shows its reward changing: set split_evidence or min_samples_to_split",
        )
        if n_max_segments is None:
            raise ValueError(
                "n_max_segments: expected a positive integer (segments held at most); the original's None (no cap) has "
                "no counterpart: segments are capped here, give a large number such as 1024"
            )
        kwargs["cost"] = _number_cost(kwargs.get("cost"), cls._cost_required)
        return super().cold_start(dimension, n_max_segments=n_max_segments, **kwargs)


class SmabZoomingModelCC(SmabZoomingModel):
    """The original's zooming model with a cost, for cost-control bandits.

    Examples
    --------
    >>> SmabZoomingModelCC.cold_start(dimension=1, cost=2.0).cost
    2.0
    """

    _cost_required: ClassVar[bool] = True


#: The original's newer names of the same models.
Zooming = SmabZoomingModel
ZoomingCC = SmabZoomingModelCC


class QuantitativeBayesianNeuralNetwork(BayesianNeuralNetwork):
    """The original's network of a contextual quantitative action: the context and the quantity in, a reward out.

    Examples
    --------
    >>> from pybandits.cmab import CmabBernoulli
    >>> base = {"hidden_dim_list": [4], "update_kwargs": {"num_steps": 20}}
    >>> model = QuantitativeBayesianNeuralNetwork.cold_start(1, n_features=2, base_model_cold_start_kwargs=base)
    >>> model.quantity_dim, model.input_dim
    (1, 2)
    >>> cmab = CmabBernoulli(actions={"offer": model}, epsilon=1)
    """

    _cost_required: ClassVar[bool] = False

    @classmethod
    def cold_start(  # type: ignore[override]  # the original's arguments
        cls,
        dimension: int = 1,
        n_features: int = 1,
        categorical_features: Mapping[int, int] | None = None,
        base_model_cold_start_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A network of ``n_features`` context columns and a ``dimension``-wide quantity, at the original's prior.

        ``base_model_cold_start_kwargs`` holds :meth:`BayesianNeuralNetwork.cold_start`'s arguments
        (``hidden_dim_list``, ``update_method``, ``update_kwargs``, ``dist_params_init``,
        ``activation``, ``bias_std``, ...); ``cost`` is given beside them.
        """
        if not isinstance(base_model_cold_start_kwargs, Mapping | None):
            raise TypeError(
                f"base_model_cold_start_kwargs: expected a mapping of cold_start arguments, "
                f"got {describe(base_model_cold_start_kwargs)}"
            )
        base = dict(base_model_cold_start_kwargs or {})
        for name in ("n_features", "categorical_features", "quantity_dim"):
            if name in base:
                raise ValueError(
                    f"base_model_cold_start_kwargs: {name} is an argument of cold_start itself, not of the base model"
                )
        cost = _number_cost(kwargs.pop("cost", base.pop("cost", None)), cls._cost_required)
        if kwargs:
            raise ValueError(
                f"cold_start: unknown arguments {sorted(kwargs)}; the original's are dimension, n_features, "
                "categorical_features, base_model_cold_start_kwargs (and cost)"
            )
        return super().cold_start(
            n_features,
            categorical_features=categorical_features,
            cost=cost,
            _quantity_dim=dimension,
            **base,
        )


class QuantitativeBayesianNeuralNetworkCC(QuantitativeBayesianNeuralNetwork):
    """The original's quantitative network with a cost, for cost-control bandits.

    Examples
    --------
    >>> QuantitativeBayesianNeuralNetworkCC.cold_start(n_features=2, cost=1.5).cost
    1.5
    """

    _cost_required: ClassVar[bool] = True


class CmabZoomingModel:
    """8.x's contextual zooming model: here, the network of context and quantity (see the module).

    Examples
    --------
    >>> model = CmabZoomingModel.cold_start(dimension=1, base_model_cold_start_kwargs={"n_features": 3})
    >>> type(model).__name__, model.quantity_dim, model.input_dim
    ('QuantitativeBayesianNeuralNetwork', 1, 3)
    """

    @classmethod
    def cold_start(
        cls,
        dimension: int = 1,
        comparison_threshold: float | None = None,
        segment_update_factor: float | None = None,
        n_comparison_points: int | None = None,
        n_max_segments: int | None = None,
        base_model_cold_start_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> QuantitativeBayesianNeuralNetwork:
        """A :class:`QuantitativeBayesianNeuralNetwork` of ``base_model_cold_start_kwargs["n_features"]`` columns."""
        _refuse_given(
            {
                "comparison_threshold": comparison_threshold,
                "segment_update_factor": segment_update_factor,
                "n_comparison_points": n_comparison_points,
                "n_max_segments": n_max_segments,
            },
            "segments of a contextual zooming model; here the context and the quantity go into one network "
            "(QuantitativeBayesianNeuralNetwork), which has no segments",
        )
        base = dict(base_model_cold_start_kwargs or {})
        if "n_features" not in base:
            raise ValueError("base_model_cold_start_kwargs: expected n_features (the context's columns), got none")
        n_features = base.pop("n_features")
        categorical = base.pop("categorical_features", None)
        return QuantitativeBayesianNeuralNetwork.cold_start(
            dimension, n_features, categorical, base_model_cold_start_kwargs=base, **kwargs
        )
