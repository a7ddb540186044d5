"""The one exception the CLV models raise for an expected problem."""
from __future__ import annotations


class ClvError(ValueError):
    """Data a model cannot be fitted on, a fit that did not converge, an invalid input: one line saying what to fix.

    Callers that show errors to users as one line (``scripts/roi.py``) catch it like their own error class.
    """
