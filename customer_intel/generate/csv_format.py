"""Values as the Kaggle files write them: timestamps, money, integers, free text, random quoting, rows."""
from __future__ import annotations

from typing import TextIO

import numpy as np

from customer_intel.olist_files import BY_TABLE_NAME

#: Share of plain values written quoted in the columns that the Kaggle files quote at random.
RANDOM_QUOTE_PROBABILITY = 0.005


def timestamp_texts(seconds: np.ndarray, present: np.ndarray | None = None) -> list[str]:
    """``YYYY-MM-DD HH:MM:SS`` strings; empty where ``present`` is False."""
    text = np.datetime_as_string(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"), unit="s")
    text = text.astype("U19")
    text.view(np.uint32).reshape(-1, 19)[:, 10] = ord(" ")
    values = text.tolist()
    if present is not None:
        for row in np.flatnonzero(~present).tolist():
            values[row] = ""
    return values


def money_texts(cents: np.ndarray) -> list[str]:
    return ["%d.%02d" % divmod(value, 100) for value in np.asarray(cents, dtype=np.int64).tolist()]


def integer_texts(values: np.ndarray, present: np.ndarray | None = None) -> list[str]:
    text = list(map(str, np.asarray(values).astype(np.int64).tolist()))
    if present is not None:
        for row in np.flatnonzero(~present).tolist():
            text[row] = ""
    return text


def csv_text(value: str) -> str:
    """A free-text field, quoted (with doubled quotes) only when it needs it."""
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def random_quotes(values: list[str], uniforms: np.ndarray, force_first: bool = False) -> list[str]:
    """Quote a small share of plain values, as the Kaggle files do at random."""
    quoted = uniforms < RANDOM_QUOTE_PROBABILITY
    if force_first and quoted.size:
        quoted[0] = True
    for row in np.flatnonzero(quoted).tolist():
        values[row] = f'"{values[row]}"'
    return values


def quoted_header(names: list[str]) -> str:
    return ",".join(f'"{name}"' for name in names)


def header_line(table_name: str) -> str:
    return quoted_header(BY_TABLE_NAME[table_name].header)


def write_rows(stream: TextIO, columns: list[list[str]]) -> int:
    if not columns or not columns[0]:
        return 0
    stream.write("\n".join(map(",".join, zip(*columns))))
    stream.write("\n")
    return len(columns[0])
