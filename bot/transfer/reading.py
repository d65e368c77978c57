"""A file's bytes as CSV records: decoding, dialect, line numbers."""

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from bot.transfer.records import ImportFileError


@contextmanager
def lines(path: Path) -> Iterator[Iterator[str]]:
    """The file's lines, decoded one by one so that a bad byte is reported on its own line."""
    try:
        file = path.open("rb")
    except OSError as error:
        raise ImportFileError(error.strerror or str(error)) from error
    with file:
        yield _decoded(file)


def _decoded(file: BinaryIO) -> Iterator[str]:
    try:
        for number, raw in enumerate(file, start=1):
            try:
                # utf-8-sig on the first line only: Excel's byte-order mark.
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise ImportFileError(f"line {number}: not UTF-8 text; save as UTF-8") from error
    except OSError as error:
        raise ImportFileError(error.strerror or str(error)) from error


class _Semicolon(csv.excel):
    delimiter = ";"


class _Reader(Protocol):
    line_num: int

    def __next__(self) -> list[str]: ...


def dialect(header_line: str) -> type[csv.Dialect]:
    """Excel's dialect, with ';' (European Excel) or tabs when the header uses no comma."""
    if "," in header_line:
        return csv.excel
    if ";" in header_line:
        return _Semicolon
    return csv.excel_tab if "\t" in header_line else csv.excel


def records(reader: _Reader) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on (a quoted note may span lines)."""
    while True:
        # Blank lines come out as empty records, so line_num + 1 is where the next one starts.
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(f"line {start}: {error}") from error
        if any(value.strip() for value in values):
            yield start, values
