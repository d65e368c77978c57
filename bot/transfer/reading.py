"""A file's bytes as CSV records or JSON: encoding, dialect, physical line numbers.

What is detected, for operators (each guess is named in ``Table.assumed``, shown in the summary):

- Encoding: a byte-order mark says UTF-8, UTF-16 LE or UTF-16 BE (Excel's "Unicode Text").
  Without one, a file that is valid UTF-8 throughout is UTF-8; otherwise it is legacy Excel's
  cp1252 ("cp1252 text (not UTF-8)"), or, when it also holds UTF-8, UTF-8 whose stray bytes are
  read as cp1252. Text that is every other byte NUL is UTF-16 LE without a mark. ``encoding``
  (``--encoding``) overrides all this; a line that does not decode with it is named.
- Lines end with LF, CRLF or CR alone (old Mac Excel); line numbers are the file's own, from 1.
- Leading blank lines and lines starting with ``#`` (our fixtures cite their source there) are
  skipped, and so is Excel's ``sep=;`` line, which sets the delimiter.
- Otherwise the delimiter is the one of ``,`` ``;`` and tab that the header line (outside quotes)
  holds most of, a comma when tied.
- A quoted cell may span lines. A record still inside quotes at the end of the file, or after
  ``RUNAWAY_LINES`` lines or ``RUNAWAY_CHARS`` characters, has an unterminated quote: its first
  line is reported in ``Table.errors`` and reading resumes on the next line, so one stray quote
  costs one row, not the rest of the file.
"""

import codecs
import csv
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from bot.transfer.records import IMPORT_NOTE_MAX, ImportFileError

# A record's lines after its first, beyond which an open quote is taken for an unterminated one:
# far above one long note (IMPORT_NOTE_MAX) but bounded, so memory and the re-read stay small.
RUNAWAY_LINES = 2_000
RUNAWAY_CHARS = 10 * IMPORT_NOTE_MAX
CHUNK = 1 << 20  # bytes decoded at a time while checking the encoding
SAMPLE = 1 << 16  # bytes looked at to recognise the file

NOT_TEXT = "this is not a text file (an Excel workbook? save it as CSV)"
_BOM16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Zip (xlsx, docx, ods), OLE2 (xls, doc), PDF, PNG, JPEG, GIF, gzip.
_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
_MAGIC += (b"\x1f\x8b",)
# Control characters no text holds (NUL aside: a NUL-padded cell is a bad row, not binary).
_CONTROL = re.compile("[\x01-\x08\x0e-\x1a\x1c-\x1f]")
_UNICODE = re.compile("[^\x00-\x7f\udc80-\udcff]")  # real non-ASCII characters
_SEP = re.compile(r'"?sep=(.|\\t)"?')
_QUOTED = re.compile(r'"[^"]*"')
_NAMES = {"utf-8-sig": "UTF-8", "utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE"}
_DELIMITERS = {",": "", ";": "';'-separated", "\t": "tab-separated"}

# cp1252 with the five bytes it leaves undefined read as Latin-1 (as Windows does), so that a
# legacy file always decodes; also the fallback for the stray bytes of a mostly-UTF-8 file.
_CP1252 = tuple(
    bytes([b]).decode("cp1252", "replace").replace("\ufffd", chr(b)) for b in range(256)
)


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(_CP1252[b] for b in bad), error.end


codecs.register_error("refbot-cp1252", _cp1252_bytes)


@dataclass(frozen=True)
class _Encoding:
    codec: str
    errors: str = "strict"
    guess: bool = False  # UTF-8 unless the bytes say otherwise (no BOM, no encoding given)


@dataclass
class Table:
    """A CSV file open for reading: its header, then its records as they are read."""

    header: list[str]
    records: Iterator[tuple[int, list[str]]]  # (line the record starts on, cells); no blank ones
    assumed: list[str] = field(default_factory=list)  # what was guessed, known before records
    errors: list[tuple[int, str]] = field(default_factory=list)  # filled while records are read


@contextmanager
def open_table(path: Path, *, encoding: str | None = None) -> Iterator[Table]:
    """The file as a Table; ImportFileError when it is unreadable, empty, not text, or not in
    the given ``encoding``. The file is streamed: memory does not grow with its size."""
    chosen, assumed = _encoding(path, encoding)
    try:
        text = path.open(encoding=chosen.codec, errors=chosen.errors, newline=None)
    except OSError as error:
        raise ImportFileError(error.strerror or str(error)) from error
    with text:
        yield _table(_read(text), assumed)


def file_kind(path: Path, *, encoding: str | None = None) -> Literal["csv", "json"]:
    """Whether the file holds JSON (its first non-blank character is '[' or '{') or CSV."""
    with _opened(path) as file:
        sample = file.read(SAMPLE)
    chosen = _from_sample(sample, encoding)
    text = sample.decode(chosen.codec, errors="replace").lstrip("\ufeff \t\r\n")
    return "json" if text[:1] in ("[", "{") else "csv"


def read_json(path: Path, *, encoding: str | None = None) -> Any:
    """The file's JSON value; ImportFileError naming the line and column when it is not JSON.
    Without ``encoding``, bytes that are not UTF-8 are read as cp1252."""
    with _opened(path) as file:
        data = file.read()
    chosen = _from_sample(data[:SAMPLE], encoding)
    if chosen.guess:
        chosen = _Encoding("utf-8-sig", "refbot-cp1252")
    try:
        text = data.decode(chosen.codec, errors=chosen.errors)
    except UnicodeDecodeError as error:
        before = error.object[: error.start].decode(chosen.codec, errors="replace")
        line = _line_ends(before) + 1
        raise ImportFileError(f"line {line}: not {encoding or _name(chosen)} text") from error
    del data
    try:
        return json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise ImportFileError(f"not valid JSON ({where}): {error.msg}") from error


# -- the encoding ----------------------------------------------------------------------------


@contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    try:
        with path.open("rb") as file:
            yield file
    except OSError as error:
        raise ImportFileError(error.strerror or str(error)) from error


def _from_sample(sample: bytes, encoding: str | None) -> _Encoding:
    """The codec the first bytes tell, after making sure that they are text."""
    chosen = _codec(sample, encoding)
    text = sample[:8192].decode(chosen.codec, errors="replace")
    if len(_CONTROL.findall(text)) > 0.05 * len(text) or text.count("\0") > 0.3 * len(text):
        raise ImportFileError(NOT_TEXT)
    return chosen


def _codec(sample: bytes, encoding: str | None) -> _Encoding:
    """The given codec, a BOM's, UTF-16 without one, or UTF-8 to be checked."""
    if not sample.strip():
        raise ImportFileError("the file is empty")
    if sample.startswith(_MAGIC):
        raise ImportFileError(NOT_TEXT)
    if encoding is not None:
        try:
            return _Encoding(codecs.lookup(encoding).name)
        except LookupError as error:
            raise ImportFileError(f"unknown encoding {encoding!r}") from error
    for mark, codec in _BOMS:
        if sample.startswith(mark):
            return _Encoding(codec, guess=codec == "utf-8-sig")
    odd, even = sample[1::2], sample[0::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return _Encoding("utf-16-le")
    return _Encoding("utf-8-sig", guess=True)


def _encoding(path: Path, encoding: str | None) -> tuple[_Encoding, list[str]]:
    """The codec to read the file with, checked over the whole file (fast, in chunks) so that
    a bad byte is named by its line before any row is saved, and what was assumed."""
    assumed: list[str] = []
    with _opened(path) as file:
        sample = file.read(SAMPLE)
        chosen = _from_sample(sample, encoding)
        if chosen.codec == "utf-16-le" and encoding is None and not sample.startswith(_BOM16):
            assumed.append("UTF-16 LE text (no byte-order mark)")
        file.seek(0)
        decoder = codecs.getincrementaldecoder(chosen.codec)()
        lines, unicode, cr = 0, False, False
        while True:
            chunk = file.read(CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                before = error.object[: error.start].decode(chosen.codec, errors="replace")
                line = lines + _line_ends(before, cr) + 1
                if not chosen.guess:
                    raise ImportFileError(
                        f"line {line}: not {encoding or _name(chosen)} text"
                    ) from error
                marked = sample.startswith(codecs.BOM_UTF8)
                if unicode or marked or not before.isascii() or _utf8_in(error.object, file):
                    assumed.append(f"UTF-8 text with cp1252 bytes (line {line} and maybe others)")
                    return _Encoding("utf-8-sig", "refbot-cp1252"), assumed
                assumed.append("cp1252 text (not UTF-8)")
                return _Encoding("cp1252", "refbot-cp1252"), assumed
            unicode = unicode or not text.isascii()
            lines += _line_ends(text, cr)
            cr = text.endswith("\r")
            if not chunk:
                return chosen, assumed


def _utf8_in(data: bytes, file: BinaryIO) -> bool:
    """Whether data and the rest of the file hold UTF-8 beyond ASCII (a mostly UTF-8 file with
    stray bytes) rather than just bytes that are no UTF-8 (a cp1252 file)."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    text = decoder.decode(data)
    while True:
        if _UNICODE.search(text) is not None:
            return True
        if not (chunk := file.read(CHUNK)):
            return _UNICODE.search(decoder.decode(b"", final=True)) is not None
        text = decoder.decode(chunk)


def _name(chosen: _Encoding) -> str:
    """The codec as people call it."""
    return _NAMES.get(chosen.codec, chosen.codec)


def _line_ends(text: str, after_cr: bool = False) -> int:
    """Line ends in text: LF, CRLF and CR alone each end one line (a CRLF split between two
    chunks counted once)."""
    crs = text.count("\r")  # most files have none: spare the slower count of pairs
    ends = text.count("\n") + crs - (text.count("\r\n") if crs else 0)
    return ends - 1 if after_cr and text.startswith("\n") else ends


# -- the records -----------------------------------------------------------------------------


class _Runaway(Exception):
    """The record has run past RUNAWAY_LINES or RUNAWAY_CHARS: an unterminated quote."""


class _Lines:
    """The file's lines fed to csv.reader, counted, and the current record's kept so that an
    unterminated quote can be given up and its lines read again as records of their own."""

    def __init__(self, source: Iterator[str], first: str, number: int) -> None:
        self._source = source
        self.number = number - 1  # lines fed so far
        self.pending: list[str] = []  # the current record's lines
        self._size = 0
        self._replay = [first]  # lines to feed (again), last first
        self.ran_out = False  # the end of the file came inside a record

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        if self._replay:
            line = self._replay.pop()
        else:
            try:
                line = next(self._source)
            except StopIteration:
                self.ran_out = bool(self.pending)
                raise
        self.number += 1
        self.pending.append(line)
        if len(self.pending) > 1:
            self._size += len(line)
            if len(self.pending) > RUNAWAY_LINES or self._size > RUNAWAY_CHARS:
                raise _Runaway
        return line

    def start(self) -> int:
        """A record begins: the line it starts on."""
        self.pending.clear()
        self._size = 0
        return self.number + 1

    def resume(self, start: int) -> None:
        """Give up the record that started on line start: read its next lines again."""
        self._replay.extend(reversed(self.pending[1:]))
        self.number = start
        self.ran_out = False


def _read(text: Iterator[str]) -> Iterator[str]:
    try:
        yield from text
    except OSError as error:
        raise ImportFileError(error.strerror or str(error)) from error
    except UnicodeDecodeError as error:  # the file changed since its encoding was checked
        raise ImportFileError(f"not {error.encoding} text any more") from error


def _table(text: Iterator[str], assumed: list[str]) -> Table:
    """Skip what comes before the header, find the delimiter, read the header."""
    number, delimiter, comments = 0, None, False
    for line in text:
        number += 1
        if number == 1:
            line = line.removeprefix("\ufeff")  # a byte-order mark the codec kept
        stripped = line.rstrip("\n")
        if (sep := _SEP.fullmatch(stripped)) is not None:
            delimiter = "\t" if sep[1] == "\\t" else sep[1]
        elif stripped.startswith("#"):
            comments = True
        elif stripped.strip():
            break
    else:
        raise ImportFileError("the file has no header" if comments else "the file is empty")
    if delimiter is None:
        delimiter = _sniff(line)
        if _DELIMITERS[delimiter]:
            assumed.append(_DELIMITERS[delimiter])
    lines = _Lines(text, line, number)
    dialect = _dialect(delimiter)
    reader = csv.reader(lines, dialect)
    start = lines.start()
    try:
        header = next(reader)
        if lines.ran_out:
            raise _Runaway
    except (_Runaway, csv.Error) as error:
        reason = str(error) or "unterminated quote"
        raise ImportFileError(f"line {start}: {reason} in the header") from error
    table = Table(header, iter(()), assumed)
    table.records = _records(reader, lines, dialect, table.errors)
    return table


def _sniff(header: str) -> str:
    """The delimiter the header line holds most of, outside quotes; a comma when tied."""
    bare = _QUOTED.sub("", header)
    return max(_DELIMITERS, key=bare.count)  # max keeps the first of equals: ',' first


def _dialect(delimiter: str) -> type[csv.Dialect]:
    return type("_Dialect", (csv.excel,), {"delimiter": delimiter})


def _records(
    reader: Iterator[list[str]],
    lines: _Lines,
    dialect: type[csv.Dialect],
    errors: list[tuple[int, str]],
) -> Iterator[tuple[int, list[str]]]:
    while True:
        start = lines.start()
        try:
            values = next(reader)
            if lines.ran_out:
                raise _Runaway  # csv returns what it read; the quote never closed
        except StopIteration:
            return
        except (_Runaway, csv.Error) as error:
            reason = str(error) or "unterminated quote"
            errors.append((start, f"{reason}; this row was skipped"))
            lines.resume(start)
            reader = csv.reader(lines, dialect)
            continue
        if any(value.strip() for value in values):
            yield start, values
