"""The command-line flags of scripts/roi.py that override assumptions, derived from the declarations."""
from __future__ import annotations

import argparse
from typing import Any

from customer_intel.roi.assumptions.declarations import ASSUMPTIONS, Assumption


def _flags() -> dict[str, list[Assumption]]:
    """Flag name → the assumptions it sets, in declaration order (``--gross-margin`` sets both cases')."""
    flags: dict[str, list[Assumption]] = {}
    for assumption in ASSUMPTIONS:
        if assumption.flag is not None:
            flags.setdefault(assumption.flag.name, []).append(assumption)
    return flags


def add_flags(group: argparse._ActionGroup | argparse.ArgumentParser) -> None:
    """One option per declared flag; left out, it is None and changes nothing."""
    for name, assumptions in _flags().items():
        first = assumptions[0]
        group.add_argument(name, type=first.kind.flag_type, help=first.flag.help)


def _dest(flag_name: str) -> str:
    return flag_name.lstrip("-").replace("-", "_")


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """Flags given on the command line as dotted assumption keys."""
    overrides: dict[str, Any] = {}
    implied: dict[str, Any] = {}  # e.g. --value-per-customer means value_basis: fixed, whatever --value-basis says
    for name, assumptions in _flags().items():
        value = getattr(args, _dest(name))
        if value is None:
            continue
        for assumption in assumptions:
            overrides[assumption.key] = value
            if assumption.only_with is not None:
                sibling, wanted = assumption.only_with
                implied[f"{assumption.section}.{sibling}"] = wanted
    return {**overrides, **implied}
