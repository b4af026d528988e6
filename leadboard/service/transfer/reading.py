"""Opening a file to import: its encoding, its format and delimiter, its header, and its rows.

Whatever a spreadsheet or another CRM saved is read if it can be (UTF-8 with or without a BOM,
UTF-16 with a BOM, Windows-1252/Latin-1; commas, semicolons, tabs or pipes; quoted newlines), and
refused with one sentence if it cannot (no file, an empty file, a header only, a workbook, a binary
file). A file that is mostly UTF-8 with a few lines saved in Windows-1252 (two exports pasted
together) is read line by line as what each line is, and its description names those lines. A row
that is broken on its own (a JSON item nested too deeply, a number too long to read, a CSV cell over
``FIELD_LIMIT``) is passed on with the problem, to be rejected, not fatal.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal

from leadboard.domain.errors import InvalidInput
from leadboard.domain.inputs import open_regular
from leadboard.service.transfer.columns import BadImportFile
from leadboard.service.transfer.exporter import is_own_export, restored

#: bytes looked at to guess the format and the delimiter
SAMPLE = 64 * 1024
#: the longest cell (CSV) or JSON item read; a longer one rejects its row. No card field comes
#: near this (text fields and extras are cut far below it); exported history can be long
FIELD_LIMIT = 64 * 1024 * 1024
#: the deepest a JSON item's values may nest; a deeper one rejects its row
JSON_DEPTH = 100
#: the most digits a JSON number may have (Python's own bound for reading a whole number)
JSON_DIGITS = 4300
DELIMITERS = (",", ";", "\t", "|")
_READ = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Record:
    """One row of the file: its number among the rows (0 = first after the header), the line it
    starts on, and its cells (strings for CSV; any JSON value for JSON). ``problem`` is set (and
    ``cells`` may be partial) when the row could not be read."""

    number: int
    line: int
    cells: list[Any]
    problem: str | None = None


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read through it (for the progress bar)."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        read = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += read or 0
        return read or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass
class Source:
    """A file opened for import; ``records()`` reads it from the top each time it is called."""

    path: Path
    size: int
    format: Literal["csv", "json"]
    encoding: str
    delimiter: str
    header: list[str]
    fingerprint: str
    #: how the lines that are not UTF-8 in a mostly UTF-8 file are read ("" when every line is)
    fallback: Literal["", "cp1252", "latin-1"] = ""
    #: those lines' numbers (the first few) and how many there are
    fallback_lines: tuple[int, ...] = ()
    fallback_count: int = 0
    _counter: _CountingReader | None = None

    @property
    def described(self) -> str:
        encoding = _NAMES[self.encoding]
        if self.fallback:
            lines = ", ".join(map(str, self.fallback_lines))
            more = self.fallback_count - len(self.fallback_lines)
            lines += f" and {more:,} more" if more else ""
            encoding += (f" (line{'s' if self.fallback_count > 1 else ''} {lines} not UTF-8, read as "
                         f"{_NAMES[self.fallback]})")
        if self.format == "json":
            return f"JSON, {encoding}"
        shown = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[self.delimiter]
        return f"CSV, {encoding}, {shown}-separated"

    @property
    def bytes_read(self) -> int:
        return self._counter.count if self._counter else 0

    def records(self) -> Iterator[Record]:
        counter = _CountingReader(open(self.path, "rb"))  # noqa: SIM115 - closed below
        self._counter = counter
        text = _text(counter, self.encoding, self.fallback)
        try:
            if self.format == "json":
                yield from _json_records(text, self.header)
            else:
                records = _csv_records(text, self.delimiter)
                if is_own_export(self.header):  # its cells were neutralised for spreadsheets
                    records = (replace(record, cells=restored(record.cells)) for record in records)
                yield from records
        finally:
            text.close()


def open_source(path: str | Path) -> Source:
    """``path`` checked and sized up for import; ``BadImportFile`` says why it cannot be."""
    path = Path(path)
    if not path.exists():
        raise BadImportFile(f"{path}: no such file.")
    if path.is_dir():
        raise BadImportFile(f"{path} is a folder, not a file.")
    try:  # a FIFO or a device is refused before a byte is read (or waited for)
        os.close(open_regular(path, str(path)))
    except InvalidInput as error:
        raise BadImportFile(str(error)) from None
    try:
        with open(path, "rb") as file:
            head = file.read(SAMPLE)
            encoding, tail = _scan_encoding(file, head, path)
            file.seek(0)
            fallback, lines, count = _fallback_lines(file) if encoding in ("cp1252", "latin-1") else ("", (), 0)
    except OSError as error:
        raise BadImportFile(f"{path}: cannot be read ({error.strerror or error}).") from None
    size = path.stat().st_size
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise BadImportFile(f"{path} is empty: there is nothing to import.")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadImportFile(f"{path} is a spreadsheet workbook, not CSV: save it as CSV (UTF-8) and "
                            "import that.")
    if b"\x00" in head and encoding != "utf-16":
        raise BadImportFile(f"{path} is not a text file (CSV or JSON).")
    stat = path.stat()
    fingerprint = (f"{size}:{stat.st_mtime_ns}:"
                   + hashlib.blake2b(head + tail, digest_size=16).hexdigest())
    if fallback:  # mostly UTF-8: the lines that are not are the exception, read line by line
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    sample = _decode_sample(head, encoding, fallback)
    first = sample.lstrip("\ufeff \t\r\n")[:1]
    found: dict[str, Any] = {"fallback": fallback, "fallback_lines": lines, "fallback_count": count}
    if first in ("[", "{") and _looks_like_json(sample, path):
        header = _json_header(path, encoding, fallback)
        return Source(path, size, "json", encoding, ",", header, fingerprint, **found)
    delimiter = _delimiter(sample)
    header = _csv_header(path, encoding, fallback, delimiter)
    return Source(path, size, "csv", encoding, delimiter, header, fingerprint, **found)


def _scan_encoding(file: BinaryIO, head: bytes, path: Path) -> tuple[str, bytes]:
    """Read the whole file once: UTF-8 (BOM or not) if every byte of it is, else Windows-1252 if
    it has no byte that code page leaves undefined, else Latin-1 (which reads any byte). Returns the
    encoding and the file's last bytes (for its fingerprint)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", b""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, cp1252 = True, True
    chunk, tail = head, b""
    while chunk:
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        cp1252 = cp1252 and not any(byte in chunk for byte in _CP1252_UNDEFINED)
        tail = (tail + chunk)[-SAMPLE:]
        chunk = file.read(_READ)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8:
        return ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"), tail
    return ("cp1252" if cp1252 else "latin-1"), tail


_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16",
          "cp1252": "Windows-1252", "latin-1": "Latin-1"}
#: lines shown by number in the description of a mostly UTF-8 file
_SHOWN_LINES = 5


def _fallback_lines(file: BinaryIO) -> tuple[Literal["", "cp1252", "latin-1"], tuple[int, ...], int]:
    """For a file that is not UTF-8 as a whole: if some of its lines are UTF-8 beyond ASCII (a
    mostly UTF-8 file with lines pasted from elsewhere), how the others are read (Windows-1252, or
    Latin-1 if a byte is undefined in that code page), the first of their line numbers and their
    count; ("", (), 0) when no line is UTF-8 beyond ASCII (the file is Windows-1252 or Latin-1)."""
    utf8, count, cp1252 = False, 0, True
    bad: list[int] = []
    for number, line in enumerate(file, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            count += 1
            if len(bad) < _SHOWN_LINES:
                bad.append(number)
            cp1252 = cp1252 and not any(byte in line for byte in _CP1252_UNDEFINED)
    if not utf8:
        return "", (), 0
    return ("cp1252" if cp1252 else "latin-1"), tuple(bad), count


def _transcoded(data: bytes, fallback: str) -> bytes:
    """Whole lines as UTF-8: each line that is not UTF-8 read as ``fallback`` and re-encoded."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    lines = data.splitlines(keepends=True)
    for index, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            lines[index] = line.decode(fallback).encode("utf-8")
    return b"".join(lines)


class _LineByLine(io.RawIOBase):
    """A mostly UTF-8 file's bytes, each line that is not UTF-8 turned into UTF-8 from ``fallback``."""

    def __init__(self, raw: io.RawIOBase, fallback: str):
        self._raw = raw
        self._fallback = fallback
        self._pending = b""
        self._ready = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._ready:
            chunk = self._raw.read(_READ)
            if not chunk:
                if not self._pending:
                    return 0
                data, self._pending = self._pending, b""
            else:  # a line is decoded whole, so a chunk is cut after its last line feed
                data = self._pending + chunk
                cut = data.rfind(b"\n") + 1
                data, self._pending = data[:cut], data[cut:]
                if not data:
                    continue
            self._ready = memoryview(_transcoded(data, self._fallback))
        size = min(len(buffer), len(self._ready))
        buffer[:size] = self._ready[:size]
        self._ready = self._ready[size:]
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


def _text(raw: io.RawIOBase, encoding: str, fallback: str) -> io.TextIOWrapper:
    """The file as text, in its encoding (line by line for a mostly UTF-8 one)."""
    if fallback:
        raw = _LineByLine(raw, fallback)
    return io.TextIOWrapper(io.BufferedReader(raw, _READ), encoding=encoding, newline="")


def _opened(path: Path, encoding: str, fallback: str) -> io.TextIOWrapper:
    return _text(io.FileIO(path, "r"), encoding, fallback)


def _decode_sample(head: bytes, encoding: str, fallback: str) -> str:
    # the sample may end inside a character; the part before it is what matters
    if fallback:
        head = _transcoded(head[:head.rfind(b"\n") + 1] or head, fallback)
    return head.decode(encoding, errors="ignore")


def _looks_like_json(sample: str, path: Path) -> bool:
    if path.suffix.lower() == ".json":
        return True
    body = sample.lstrip("\ufeff \t\r\n")
    return body.startswith("[") and body[1:].lstrip().startswith(("{", "]"))


def _delimiter(sample: str) -> str:
    """The delimiter that splits the first line into the most columns (a comma on a tie)."""
    first_line = next((line for line in sample.lstrip("\ufeff").splitlines() if line.strip()), "")
    best, most = ",", 1
    for delimiter in DELIMITERS:
        fields = next(csv.reader([first_line], delimiter=delimiter), [])
        if len(fields) > most:
            best, most = delimiter, len(fields)
    return best


def _csv_header(path: Path, encoding: str, fallback: str, delimiter: str) -> list[str]:
    """The first row that is not blank, read from the file itself (a header may be longer than the
    sample); ``BadImportFile`` when there is none, or no row after it."""
    csv.field_size_limit(FIELD_LIMIT)
    header: list[str] | None = None
    has_rows = False
    with _opened(path, encoding, fallback) as text:
        rows = csv.reader(text, delimiter=delimiter)
        try:
            for row in rows:
                if not any(cell.strip() for cell in row):
                    continue
                if header is None:
                    header = [cell.strip() for cell in row]
                else:
                    has_rows = True
                    break
        except csv.Error as error:
            if header is None:
                raise BadImportFile(f"{path}: the header cannot be read as CSV ({error}).") from None
            has_rows = True  # a broken row is still a row: it is rejected on its own
        except UnicodeDecodeError as error:
            raise BadImportFile(f"{path}: the file is not valid text ({error}).") from None
    if header is None:
        raise BadImportFile(f"{path} is empty: there is nothing to import.")
    if not has_rows:
        raise BadImportFile(f"{path} has a header but no rows: there is nothing to import.")
    return header


def _csv_records(text: io.TextIOBase, delimiter: str) -> Iterator[Record]:
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(text, delimiter=delimiter)
    header_seen = False
    number = 0
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if header_seen:
                yield Record(number, line, [], f"the row cannot be read as CSV ({error})")
                number += 1
            line = reader.line_num + 1
            continue
        if not header_seen:
            if any(cell.strip() for cell in cells):
                header_seen = True
            line = reader.line_num + 1
            continue
        yield Record(number, line, cells)
        number += 1
        line = reader.line_num + 1


# ---- JSON: a list of objects, read one object at a time -------------------------------------


def _json_header(path: Path, encoding: str, fallback: str) -> list[str]:
    """Every key of every object, in order of first appearance (one pass over the file; a card
    may leave out keys another has)."""
    keys: dict[str, None] = {}
    seen = False
    problem: str | None = None
    with _opened(path, encoding, fallback) as text:
        for record in _json_records(text, None):
            if record.problem:  # an item that cannot be read has no keys to give
                problem = problem or record.problem
                continue
            item = record.cells[0]
            if not seen and not isinstance(item, dict):
                raise BadImportFile(f"{path}: a JSON import must be a list of cards (objects), as "
                                    "`leadboard export --format json` writes it.")
            seen = True
            if isinstance(item, dict):
                keys.update(dict.fromkeys(map(str, item)))
    if not seen and problem:
        raise BadImportFile(f"{path}: no item of the JSON list can be read as a card ({problem}).")
    if not seen:
        raise BadImportFile(f"{path} is an empty list: there is nothing to import.")
    return list(keys)


def _json_records(text: io.TextIOBase, header: list[str] | None) -> Iterator[Record]:
    """The items of a top-level JSON list, streamed. With ``header`` (every key of the file) each
    object becomes a row of cells in that order; without, the item itself is the one cell. Broken JSON
    ends the file (there is no next row to find), so it raises ``BadImportFile``."""
    stream = _JsonStream(text)
    if stream.peek() != "[":
        raise BadImportFile("a JSON import must be a list of cards, as `leadboard export --format json` "
                            "writes it.")
    stream.take()
    number = 0
    while True:
        char = stream.peek()
        if char == "]":
            return
        if char == "":
            raise BadImportFile("the JSON list is not closed with ']': the file is cut short.")
        if number > 0:
            if char != ",":
                raise BadImportFile(f"the JSON is broken at line {stream.line()}: expected ',' or ']'.")
            stream.take()
            stream.peek()
        line = stream.line()
        value = stream.value()
        if isinstance(value, _Unreadable):
            yield Record(number, line, [], value.problem)
        elif header is None:
            yield Record(number, line, [value])
        elif not isinstance(value, dict):
            yield Record(number, line, [], "the item is not an object with a card's fields")
        else:
            yield Record(number, line, [value.get(key) for key in header])
        number += 1


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """A JSON item that was skipped whole: why it could not be read."""

    problem: str


def _whole_number(text: str) -> int:
    if len(text) > JSON_DIGITS + 1 and len(text.lstrip("-")) > JSON_DIGITS:
        raise _TooLong
    return int(text)


class _TooLong(Exception):
    """A JSON number with more digits than any field holds (Python refuses to read it)."""


def _too_deep(value: Any) -> bool:
    """True when ``value`` nests lists and objects more than ``JSON_DEPTH`` levels deep."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > JSON_DEPTH:
            return True
        if item.__class__ is dict:
            stack.extend((inner, depth + 1) for inner in item.values() if inner.__class__ in (dict, list))
        elif item.__class__ is list:
            stack.extend((inner, depth + 1) for inner in item if inner.__class__ in (dict, list))
    return False


_JSON_TOKEN = re.compile(r'["\[\]{}]')
_JSON_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_SCALAR_END = re.compile(r"[\s,\]}]")


def _value_end(text: str, start: int) -> int | None:
    """Where the JSON value at ``start`` ends, found without reading it (it may be too deep or too
    long to read), or None if ``text`` ends first."""
    if text[start] not in "[{":
        if text[start] == '"':
            match = _JSON_STRING_REST.match(text, start + 1)
            return match.end() if match else None
        match = _JSON_SCALAR_END.search(text, start)
        return match.start() if match else None
    depth, position = 0, start
    while True:
        match = _JSON_TOKEN.search(text, position)
        if match is None:
            return None
        position = match.end()
        token = match.group()
        if token == '"':
            rest = _JSON_STRING_REST.match(text, position)
            if rest is None:
                return None
            position = rest.end()
        elif token in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return position


class _JsonStream:
    """A text stream read in chunks, for pulling one JSON value at a time out of a long list."""

    def __init__(self, text: io.TextIOBase):
        self._text = text
        self._buffer = ""
        self._position = 0
        self._eof = False
        self._lines = 1  # line number at _counted
        self._counted = 0
        self._decoder = json.JSONDecoder(parse_int=_whole_number)
        self._fill()
        if self._buffer.startswith("\ufeff"):
            self._position = 1
            self._counted = 1

    def _fill(self) -> None:
        self.line()  # count the lines of the part about to be dropped
        more = self._text.read(_READ)
        self._buffer = self._buffer[self._position:] + more
        self._counted -= self._position
        self._position = 0
        self._eof = not more

    def line(self) -> int:
        self._lines += self._buffer.count("\n", self._counted, self._position)
        self._counted = self._position
        return self._lines

    def peek(self) -> str:
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            while self._position < len(self._buffer) and self._buffer[self._position] in " \t\r\n":
                self._position += 1
            if self._position < len(self._buffer):
                return self._buffer[self._position]
            if self._eof:
                return ""
            self._fill()

    def take(self) -> None:
        self._position += 1

    def value(self) -> Any:
        """The next JSON value, or ``_Unreadable`` (skipped whole) when it is too deep or holds a
        number too long to read; ``BadImportFile`` when the JSON is broken."""
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._position)
            except RecursionError:
                return self._skipped(f"a value is nested more than {JSON_DEPTH} levels deep")
            except _TooLong:
                return self._skipped(f"a number has more than {JSON_DIGITS:,} digits; no field holds one "
                                     "that long")
            except json.JSONDecodeError as error:
                # maybe cut off by the end of the chunk: read on (up to a bound, so a broken
                # file is not read whole into memory before it is called broken)
                if not self._eof and len(self._buffer) - self._position < FIELD_LIMIT:
                    self._fill()
                    continue
                where = self._lines + self._buffer.count("\n", self._counted, error.pos)
                raise BadImportFile(f"the JSON is broken at line {where}: {error.msg}.") from None
            if end >= len(self._buffer) and not self._eof:
                self._fill()  # a number at the chunk's end may go on in the next one
                continue
            self._position = end
            if value.__class__ in (dict, list) and _too_deep(value):
                return _Unreadable(f"a value is nested more than {JSON_DEPTH} levels deep")
            return value

    def _skipped(self, problem: str) -> _Unreadable:
        while True:
            end = _value_end(self._buffer, self._position)
            if end is not None:
                self._position = end
                return _Unreadable(problem)
            if self._eof or len(self._buffer) - self._position >= FIELD_LIMIT:
                raise BadImportFile(f"the JSON is broken at line {self.line()}: an item never ends.")
            self._fill()
