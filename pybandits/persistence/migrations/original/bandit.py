"""The original library's bandit document (actions, strategy, settings) as a bandit document of this package."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pybandits.persistence.migrations.original.common import check_keys, fail
from pybandits.persistence.migrations.original.network import convert_bnn

__all__ = ["convert_bandit"]

_ENVELOPE_BANDIT_KEYS = {"actions", "strategy", "epsilon", "default_action"}
#: The availability settings of 8.x, the same here.
_AVAILABILITY_KEYS = ("default_action_fraction", "limited_actions", "limited_action_fraction")
# keys of the original's bandit document that carry nothing a migrated bandit needs (8.x's
# ``random_seed`` seeded its generator, which the state does not record: whoever builds the bandit
# decides its generator, as for every old state)
_IGNORED_BANDIT_KEYS = {"version", "predict_with_proba", "predict_actions_randomly", "random_seed"}
_MANAGER_KEYS = {"actions", "meta_model", "delta", "use_soft_rewards", "actions_with_change", "adaptive_window_size"}


def _manager_actions(manager: Any) -> Any:
    """The actions of the original's actions manager (6.x-8.x wrap them in ``meta_model``)."""
    if not isinstance(manager, Mapping):
        raise fail("actions_manager", f"expected an object, got {manager!r:.100}")
    check_keys("actions_manager", manager, _MANAGER_KEYS)
    if manager.get("delta") is not None or manager.get("adaptive_window_size") is not None:
        raise fail(
            "actions_manager.delta",
            f"adaptive windows (delta={manager.get('delta')!r}) have no equivalent in this pybandits; forgetting "
            "(decay_factor) and change detection (change_detection) are its tools for drift; migrate a state "
            "without one",
        )
    if manager.get("actions_with_change"):
        raise fail(
            "actions_manager.actions_with_change",
            "the original's pending change points have no equivalent here; migrate a state without them",
        )
    where, holder = "actions_manager", manager
    if "meta_model" in manager:
        where, holder = "actions_manager.meta_model", manager["meta_model"]
        if not isinstance(holder, Mapping) or set(holder) - {"actions", "backbone", "random_seed"}:
            raise fail(where, f"expected an object with 'actions' (and 'backbone', 'random_seed'), got {holder!r:.100}")
        if holder.get("backbone") is not None:
            raise fail(
                f"{where}.backbone",
                "the original's shared backbone has no counterpart that keeps what it learned; here a shared "
                "trunk is CmabBernoulli.cold_start(..., backbone_hidden_dim_list=[...]); migrate a state without one",
            )
    if not isinstance(holder.get("actions"), Mapping):
        raise fail(where, "expected an object with an 'actions' object")
    return holder["actions"]


def convert_bandit(document: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The fields of the equivalent bandit here, and the name of its class."""
    if "actions_manager" in document:
        actions = _manager_actions(document["actions_manager"])
    else:
        actions = document["actions"]
        if not isinstance(actions, Mapping):
            raise fail("actions", "expected an object mapping action ids to models")
    known = {"actions_manager", "actions", *_ENVELOPE_BANDIT_KEYS, *_IGNORED_BANDIT_KEYS, *_AVAILABILITY_KEYS}
    unknown = set(document) - known
    if unknown:
        raise fail("bandit", f"unknown keys {sorted(unknown)}; expected a state of the original library 4.x-8.x")
    if not actions:
        raise fail("actions", "expected at least one action, got none")
    converted = {}
    kinds = set()
    for action_id, model in actions.items():
        kind, action = _convert_action(str(action_id), model)
        kinds.add(kind)
        converted[action_id] = action
    if len(kinds) != 1:
        raise fail("actions", f"expected all actions of one kind, got a mixture of {sorted(kinds)}")
    (kind,) = kinds
    _check_same_categorical_columns(converted)
    strategy = document["strategy"]
    if not isinstance(strategy, Mapping):
        raise fail("strategy", f"expected an object, got {strategy!r:.100}")
    has_costs = all(action.get("cost") is not None for action in converted.values())
    class_name = _class_name(kind, strategy, has_costs)
    strategy = dict(strategy)
    if class_name.endswith("MOCC"):
        # the original reads this subsidy only for quantitative actions; for the discrete actions
        # migrated here both libraries play the cheapest action of the Pareto front
        strategy.pop("subsidy_factor", None)
    bandit = {
        "actions": converted,
        "strategy": strategy,
        "epsilon": document.get("epsilon"),
        "default_action": document.get("default_action"),
        **{key: document[key] for key in _AVAILABILITY_KEYS if document.get(key) is not None},
    }
    return bandit, class_name


def _check_same_categorical_columns(actions: Mapping[str, dict[str, Any]]) -> None:
    """Every action (and objective) must read the same categorical columns, as here every action does."""
    reference = None
    for action_id, action in actions.items():
        for part, model in enumerate(action.get("objectives", [action])):
            if "network" not in model:
                continue
            columns = {e["column"]: len(e["table"]["mu"]) for e in model["network"]["embeddings"]}
            if reference is None:
                reference = (action_id, columns)
            elif columns != reference[1]:
                where = f"actions[{action_id!r}]" + (f".models[{part}]" if "objectives" in action else "")
                raise fail(
                    where,
                    f"categorical columns {{column: cardinality}} {columns} differ from {reference[1]} of action "
                    f"{reference[0]!r}; here every action reads the same categorical columns",
                )


def _class_name(kind: str, strategy: Mapping[str, Any], has_costs: bool) -> str:
    prefix = "Smab" if kind in {"beta", "beta_mo"} else "Cmab"
    if kind in {"beta_mo", "bnn_mo"}:
        # the original's multi-objective strategies serialise alike (4.x writes no field at all):
        # costs on the actions tell cost control apart
        suffix = "MOCC" if has_costs else "MO"
    elif "exploit_p" in strategy:
        suffix = "BAI"
    elif "subsidy_factor" in strategy:
        if not has_costs:
            raise fail("actions", "a cost-control strategy needs a cost on every action")
        suffix = "CC"
    else:
        suffix = ""
    return f"{prefix}Bernoulli{suffix}"


def _convert_action(action_id: str, model: Any) -> tuple[str, dict[str, Any]]:
    where = f"actions[{action_id!r}]"
    if not isinstance(model, Mapping):
        raise fail(where, f"expected an object, got {model!r:.100}")
    cost = model.get("cost")
    if cost is not None and not isinstance(cost, int | float):
        raise fail(f"{where}.cost", f"expected a number, got {cost!r:.100} (cost functions cannot be migrated)")
    if "models" in model:
        objectives = model["models"]
        if not isinstance(objectives, list) or not objectives:
            raise fail(f"{where}.models", "expected a non-empty list of per-objective models")
        parts = [_convert_single(f"{where}.models[{i}]", m) for i, m in enumerate(objectives)]
        kinds = {kind for kind, _ in parts}
        if len(kinds) != 1:
            raise fail(f"{where}.models", f"expected models of one kind, got {sorted(kinds)}")
        kind = kinds.pop()
        check_keys(where, model, {"models", "cost"})
        return f"{kind}_mo", {"objectives": [part for _, part in parts], "cost": cost}
    kind, action = _convert_single(where, model)
    action["cost"] = cost
    return kind, action


def _convert_single(where: str, model: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(model, Mapping):
        raise fail(where, f"expected an object, got {model!r:.100}")
    if "model_params" in model:
        return "bnn", convert_bnn(where, model)
    if "n_successes" in model and "n_failures" in model:
        _refuse_decay(where, model)
        check_keys(where, model, {"n_successes", "n_failures", "cost", *_DECAY_KEYS})
        return "beta", {"n_successes": model["n_successes"], "n_failures": model["n_failures"]}
    raise fail(where, f"expected a Beta or Bayesian neural network model, got keys {sorted(map(str, model))[:10]}")


#: 8.x's per-model forgetting fields: refused when set (forgetting is the bandit's here), ignored when null.
_DECAY_KEYS = {"decay_factor", "decayed_n_successes", "decayed_n_failures"}


def _refuse_decay(where: str, model: Mapping[str, Any]) -> None:
    if model.get("decay_factor") is not None:
        raise fail(
            f"{where}.decay_factor",
            f"the original's per-action forgetting (decay_factor={model['decay_factor']!r}) has no equivalent: "
            "here forgetting belongs to the bandit (decay_factor at cold start), with its own law; migrate a "
            "state without it",
        )
