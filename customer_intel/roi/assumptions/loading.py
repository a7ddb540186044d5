"""Reading the assumptions: shipped defaults, then the user's file, then command-line overrides, then validation."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

import yaml

from customer_intel.profile import PROJECT_ROOT, ProfileError, project_var
from customer_intel.roi.assumptions.declarations import ASSUMPTIONS, SECTIONS, uncertain_inputs
from customer_intel.roi.assumptions.validation import Assumptions, validate
from customer_intel.roi.errors import RoiError

DEFAULTS_PATH = PROJECT_ROOT / "assumptions" / "roi_defaults.yml"


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping in an assumptions file, or a one-line RoiError (missing file, bad YAML, not a mapping)."""
    if not path.is_file():
        raise RoiError(f"assumptions: file not found: {path}")
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RoiError(f"assumptions: {path} is not valid YAML ({where}{exc.problem})") from exc
    except yaml.YAMLError as exc:
        raise RoiError(f"assumptions: {path} is not valid YAML ({exc.__class__.__name__})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RoiError(f"assumptions: {path} must be a mapping with keys win_back and welcome_series")
    return data


def nest(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{"win_back.cost_per_contact": 1}`` → ``{"win_back": {"cost_per_contact": 1}}``."""
    nested: dict[str, Any] = {}
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = nested
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return nested


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any], replace_whole: bool = False) -> dict[str, Any]:
    """``overlay`` over ``base``: mappings merge key by key, anything else (numbers, lists) is replaced.

    Inside an ``uncertainty`` block each input's distribution is replaced whole: a user's normal distribution must
    not inherit the ``low``/``high`` of the default triangular one.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if not replace_whole and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value, replace_whole=(key == "uncertainty"))
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def drop_defaults_overridden_by_user(merged: dict[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """Remove a default distribution when the user set that input's point value but gave no distribution."""
    for section in SECTIONS:
        model = section.name
        user_model = user.get(model) or {}
        if not isinstance(user_model, Mapping):
            continue
        user_uncertainty = user_model.get("uncertainty") or {}
        model_uncertainty = (merged.get(model) or {}).get("uncertainty")
        if not isinstance(model_uncertainty, dict) or not isinstance(user_uncertainty, Mapping):
            continue
        for name, item in uncertain_inputs(model).items():
            if item.point.name in user_model and name not in user_uncertainty:
                model_uncertainty.pop(name, None)
    return merged


def with_dbt_vars(merged: dict[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """The assumptions that are dbt vars (``Assumption.dbt_var``) read from dbt_project.yml; the user setting one
    is an error that says where it is set."""
    for assumption in ASSUMPTIONS:
        if assumption.dbt_var is None:
            continue
        section, name = assumption.section, assumption.name
        if isinstance(user.get(section), Mapping) and name in user[section]:
            raise RoiError(f"assumptions: {assumption.key} is the dbt var {assumption.dbt_var}, which the dbt models "
                           f"read too: set it in dbt_project.yml, not here")
        if not isinstance(merged.setdefault(section, {}), dict):
            continue  # validation says the section must be a mapping
        try:
            merged[section][name] = project_var(assumption.dbt_var)
        except ProfileError as exc:
            raise RoiError(str(exc)) from exc
    return merged


def load_assumptions(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Assumptions:
    """Defaults, then the file at ``path`` (if any), then ``overrides`` (dotted keys), validated; the assumptions
    that are dbt vars come from dbt_project.yml."""
    defaults = read_yaml(DEFAULTS_PATH)
    user_file = read_yaml(path) if path is not None else {}
    user = deep_merge(user_file, nest(overrides or {}))
    merged = with_dbt_vars(drop_defaults_overridden_by_user(deep_merge(defaults, user), user), user)
    sources = (str(DEFAULTS_PATH),) + ((str(path),) if path is not None else ())
    return validate(merged, sources)
