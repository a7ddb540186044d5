"""The one exception the ROI tool shows to users as a single line."""
from __future__ import annotations


class RoiError(Exception):
    """An expected problem (bad assumption, missing mart, ...); the message is one line that says what to fix."""
