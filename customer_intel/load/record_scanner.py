"""RecordScanner: counts a CSV file's records from its bytes, the csv module's way, independently of DuckDB."""
from __future__ import annotations

import re

_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_QUOTE = ord('"')
_FIELD_STARTS_AFTER = (None, ord(","), ord("\n"), ord("\r"))


class RecordScanner:
    """Counts the records of a CSV file fed as bytes, chunk by chunk, the RFC 4180 way and independently of DuckDB.

    A line break (``\n``, ``\r\n`` or a lone ``\r``) ends a record unless it is inside a quoted value. As in
    Python's csv module, a quote opens a quoted value only at the start of a field, ``""`` inside one is an escaped
    quote, and any other quote is a literal character. Blank lines are not records (DuckDB skips them but counts
    them in its line numbers, as ``line_shifts`` does; ``blank_records`` lists their numbers). It also notes where
    line breaks inside quotes shift physical line numbers.
    """

    def __init__(self) -> None:
        self.line_breaks = 0  # outside quotes: records ended so far, header and blank lines included
        self.blank_lines = 0
        self.blank_records: list[int] = []  # the numbers (header = 1, as in line_shifts) of the blank lines
        self.line_shifts = [(1, 0)]
        self._shift = 0
        self.line_feeds = 0
        self.crlf_line_feeds = 0
        self._in_quotes = False
        self._just_closed_quotes = False
        self._last_byte = None  # None: start of file, where a field starts
        self._line_has_content = False
        self._held_cr = b""  # a chunk's final \r waits for the next chunk: it may be half of \r\n
        self._has_cr = True
        self._chunk_may_hold_blank_lines = True

    @property
    def mixes_line_endings(self) -> bool:
        return 0 < self.crlf_line_feeds < self.line_feeds

    def feed(self, chunk: bytes) -> None:
        chunk = self._held_cr + chunk
        self._held_cr = b""
        if chunk.endswith(b"\r"):
            chunk, self._held_cr = chunk[:-1], b"\r"
        self.line_feeds += chunk.count(b"\n")
        self._has_cr = b"\r" in chunk  # most files have none: then only \n needs counting
        self.crlf_line_feeds += chunk.count(b"\r\n") if self._has_cr else 0
        self._chunk_may_hold_blank_lines = self._may_hold_blank_lines(chunk)
        for index, part in enumerate(chunk.split(b'"')):
            if index:
                self._quote()
            if part:
                self._scan_inside_quotes(part) if self._in_quotes else self._scan_outside_quotes(part)
                self._last_byte = part[-1]
                self._just_closed_quotes = False

    def _quote(self) -> None:
        if self._in_quotes:  # closes the value, or is the first half of an escaped ""
            self._in_quotes = False
            self._just_closed_quotes = True
        elif self._just_closed_quotes or self._last_byte in _FIELD_STARTS_AFTER:
            self._in_quotes = True
            self._just_closed_quotes = False
        self._line_has_content = True
        self._last_byte = _QUOTE

    def finish(self) -> int:
        """The number of data records (header excluded)."""
        if self._held_cr:
            self._has_cr = self._chunk_may_hold_blank_lines = True
            self._scan_inside_quotes(b"\r") if self._in_quotes else self._scan_outside_quotes(b"\r")
        lines = self.line_breaks + (1 if self._line_has_content else 0)
        return max(lines - self.blank_lines - 1, 0)

    def _line_breaks(self, part: bytes) -> int:
        if not self._has_cr:
            return part.count(b"\n")
        return part.count(b"\n") + part.count(b"\r") - part.count(b"\r\n")

    def _may_hold_blank_lines(self, part: bytes) -> bool:
        if not self._has_cr:
            return b"\n\n" in part
        return b"\n\n" in part or b"\r\r" in part or b"\n\r" in part

    def _scan_inside_quotes(self, part: bytes) -> None:
        breaks = self._line_breaks(part)
        if breaks:
            self._shift += breaks
            next_record = self.line_breaks + 2
            if self.line_shifts[-1][0] == next_record:
                self.line_shifts[-1] = (next_record, self._shift)
            else:
                self.line_shifts.append((next_record, self._shift))

    def _scan_outside_quotes(self, part: bytes) -> None:
        starts_a_line = not self._line_has_content and part[:1] in (b"\n", b"\r")
        if starts_a_line or (self._chunk_may_hold_blank_lines and self._may_hold_blank_lines(part)):
            lines = _LINE_BREAK.split(part)  # slow path, only where blank lines may be
            blanks = [self.line_breaks + 1 + index for index, line in enumerate(lines[:-1])
                      if not line and (index or starts_a_line)]
            self.blank_records.extend(blanks)
            self.blank_lines += len(blanks)
            self.line_breaks += len(lines) - 1
            self._line_has_content = bool(lines[-1])
            return
        breaks = self._line_breaks(part)
        self.line_breaks += breaks
        self._line_has_content = not breaks or not part.endswith((b"\n", b"\r"))
