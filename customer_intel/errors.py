"""Helpers for the one-line messages the tools print for expected problems."""
from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its class name when the message is empty."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
