"""The original pybandits library's ``update_kwargs`` keys, read as this package's settings.

Users of the original (its 6.x-8.x releases on NumPyro) pass a flat ``update_kwargs``; a key that
means the same thing here is renamed, and a key with no counterpart is refused by name with what to
use instead (never dropped). :func:`translated` does it before the settings are validated
(:func:`~pybandits.model.bnn.settings.parse_update_kwargs`), so every entry point reads them.

=================================================  ============================================
the original's key (``update_method="VI"``)        here
=================================================  ============================================
``method="advi"``                                  ADVI, mean-field: ``update_method="VI"``
``optimizer_type="adam"`` / ``"adamax"``           ``optimizer``
``optimizer_kwargs={"step_size": x}``              ``learning_rate=x``
``num_particles``                                  ``n_mc_samples``
``batch_size``                                     ``batch_size``
``early_stopping_kwargs={"tolerance": t,           ``convergence_tol=t``, ``convergence_window=p``
"patience": p, "diff_type": "relative"}``          (a window of steps, not epochs)
=================================================  ============================================

=================================================  ============================================
the original's key (``update_method="MCMC"``)      here
=================================================  ============================================
``num_warmup`` / ``num_samples`` / ``num_chains``  ``tune`` / ``draws`` / ``chains``
``nuts={"target_accept_prob": p,                   ``target_accept=p``, ``max_treedepth=d``
"max_tree_depth": d}``
``progress_bar``                                   ``progressbar``
=================================================  ============================================

Examples
--------
>>> translated("VI", {"optimizer_type": "adam", "optimizer_kwargs": {"step_size": 0.01}, "num_steps": 300})
{'optimizer': 'adam', 'learning_rate': 0.01, 'num_steps': 300}
>>> translated("MCMC", {"num_warmup": 300, "nuts": {"target_accept_prob": 0.95}})
{'tune': 300, 'target_accept': 0.95}
>>> translated("VI", {"optimizer_type": "sgd"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: update_kwargs: optimizer_type='sgd' has no counterpart here; ... set update_kwargs={'optimizer': 'adam'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ORIGINAL_KEYS", "translated"]

#: Renamed one to one: the original's key -> ours, per update method.
_RENAMED = {
    "VI": {"num_particles": "n_mc_samples", "optimizer_type": "optimizer"},
    "MCMC": {"num_warmup": "tune", "num_samples": "draws", "num_chains": "chains", "progress_bar": "progressbar"},
}

#: Keys of the original with no counterpart here, and what to use instead.
_REFUSED = {
    "lr_scheduler_type": "the learning rate is constant and the last quarter of the iterates is averaged "
    "(tail_average); set learning_rate and num_steps",
    "lr_scheduler_kwargs": "the learning rate is constant (see lr_scheduler_type); set learning_rate",
    "gradient_clip_norm": "no gradient clipping here; lower learning_rate, or warm up with warmup_steps",
    "kl_tau": "the KL term is never rescaled here (ADVI's own objective); widen or narrow the prior with "
    "dist_params_init instead",
    "kl_annealing_fraction": "no KL annealing here; warmup_steps runs a maximum a posteriori warm-up before ADVI",
    "epochs": "a fit runs num_steps steps (each one minibatch of batch_size rows); set num_steps",
    "restore_best_weights": "the posterior is the average of the last iterates (tail_average), not the best one",
    "restore_best_svi_state": "the posterior is the average of the last iterates (tail_average), not the best one",
}

#: Every key of the original this module reads (renamed, nested or refused).
ORIGINAL_KEYS = frozenset(
    {*_RENAMED["VI"], *_RENAMED["MCMC"], *_REFUSED, "optimizer_kwargs", "early_stopping_kwargs", "nuts"}
)

_OPTIMIZERS = ("adam", "adamax")


def translated(update_method: str, update_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``update_kwargs`` with the original's keys as this package's; raises ``ValueError`` naming a key without one.

    Keys of this package pass through unchanged; a setting given both ways is an error.
    """
    out: dict[str, Any] = {}
    given: dict[str, str] = {}  # our key -> how the user spelled it

    def put(ours: str, value: Any, spelled: str) -> None:
        if ours in out:
            raise ValueError(f"update_kwargs: {given[ours]} and {spelled} set the same setting {ours!r}; give it once")
        out[ours], given[ours] = value, spelled

    for key, value in update_kwargs.items():
        if key in _REFUSED:
            raise ValueError(f"update_kwargs: {key!r} has no counterpart here; {_REFUSED[key]}")
        if key in _RENAMED.get(update_method, {}):
            if key == "optimizer_type" and value not in _OPTIMIZERS:
                raise ValueError(
                    f"update_kwargs: optimizer_type={value!r} has no counterpart here; the optimizers are 'adam' "
                    "(the default) and 'adamax': set update_kwargs={'optimizer': 'adam'}"
                )
            put(_RENAMED[update_method][key], value, repr(key))
        elif key == "optimizer_kwargs" and update_method == "VI":
            for name, setting in _nested(key, value, {"step_size", "learning_rate"}).items():
                put("learning_rate", setting, f"optimizer_kwargs[{name!r}]")
        elif key == "early_stopping_kwargs" and update_method == "VI":
            if value is not None:
                for ours, setting in _early_stopping(value).items():
                    put(ours, setting, f"early_stopping_kwargs ({ours})")
        elif key == "nuts" and update_method == "MCMC":
            names = {"target_accept_prob": "target_accept", "max_tree_depth": "max_treedepth"}
            for name, setting in _nested(key, value, set(names)).items():
                put(names[name], setting, f"nuts[{name!r}]")
        elif key == "method" and update_method == "VI" and value == "advi":
            continue  # ADVI is what update_method="VI" runs
        elif key == "method" and value == "fullrank_advi":
            raise ValueError(
                "update_kwargs: method='fullrank_advi' has no counterpart here (ADVI here is mean-field); for a "
                "posterior with correlations use update_method='MCMC' (NUTS)"
            )
        elif key in ORIGINAL_KEYS:  # a key of the other update method
            other = "MCMC" if update_method == "VI" else "VI"
            raise ValueError(f"update_kwargs: {key!r} is a setting of update_method={other!r}, got {update_method!r}")
        else:
            put(key, value, repr(key))
    return out


def _nested(key: str, value: Any, known: set[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"update_kwargs: {key!r} expected a mapping, got {type(value).__name__}")
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValueError(f"update_kwargs: {key!r} entries {unknown} have no counterpart here; known: {sorted(known)}")
    return dict(value)


def _early_stopping(value: Any) -> dict[str, Any]:
    """The original's early stopping as a convergence test over a window of steps."""
    settings = _nested("early_stopping_kwargs", value, {"patience", "tolerance", "diff_type"})
    if settings.get("diff_type", "relative") != "relative":
        raise ValueError(
            "update_kwargs: early_stopping_kwargs diff_type="
            f"{settings['diff_type']!r} has no counterpart here; the convergence test is relative (convergence_tol)"
        )
    out = {"convergence_tol": settings.get("tolerance", 1e-4)}
    if "patience" in settings:
        out["convergence_window"] = settings["patience"]
    return out
