"""What every part of the project says about an error it reports to the user."""
from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (driver errors span several); the class name when it has none.

    For Py4J errors raised by Spark the JVM's own message is used: it says what went wrong, the Python one does not.
    """
    java = getattr(exc, "java_exception", None)
    text = str(java.getMessage() if java is not None else exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
