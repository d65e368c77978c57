"""What reading makes of a file's bytes: encodings, dialects, line ends, bad quotes, non-text.

Each file is written as bytes, as the program that made it would have (Excel on Windows, on an
old Mac, "Unicode Text", a European locale...)."""

import codecs
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.transfer.reading import NOT_TEXT, RUNAWAY_CHARS, file_kind, open_table, read_json
from bot.transfer.records import ImportFileError

Rows = list[tuple[int, list[str]]]


def given(tmp_path: Path, content: bytes, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def read(path: Path, **options: str) -> tuple[list[str], Rows, list[str], list[tuple[int, str]]]:
    """Header, records, assumptions and reading errors, the records read to the end."""
    with open_table(path, **options) as table:
        records = list(table.records)
        return table.header, records, table.assumed, table.errors


# -- encodings -------------------------------------------------------------------------------


def test_utf8_with_a_byte_order_mark_keeps_it_out_of_the_first_column(tmp_path: Path) -> None:
    path = given(tmp_path, codecs.BOM_UTF8 + "name,email\nZoë,zoe@x.fr\n".encode())

    assert read(path) == (["name", "email"], [(2, ["Zoë", "zoe@x.fr"])], [], [])


def test_utf8_without_a_mark_is_read_as_utf8_and_nothing_is_assumed(tmp_path: Path) -> None:
    path = given(tmp_path, "name,email\nŁukasz Nowak,lukasz@x.pl\n".encode())

    assert read(path) == (["name", "email"], [(2, ["Łukasz Nowak", "lukasz@x.pl"])], [], [])


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_excel_unicode_text_is_utf16_with_a_mark_and_tabs(tmp_path: Path, codec: str) -> None:
    mark = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    text = 'Name\tEmail\tNotes\r\nJosé Martínez\tjose@x.es\t"Relocating;\r\nto Lisbon"\r\n'
    path = given(tmp_path, mark + text.encode(codec))

    header, records, assumed, errors = read(path)

    assert header == ["Name", "Email", "Notes"]
    assert records == [(2, ["José Martínez", "jose@x.es", "Relocating;\nto Lisbon"])]
    assert (assumed, errors) == (["tab-separated"], [])


def test_utf16_without_a_mark_is_recognised_by_its_nul_bytes(tmp_path: Path) -> None:
    path = given(tmp_path, "name,email\nAda,ada@x.org\n".encode("utf-16-le"))

    header, records, assumed, _ = read(path)

    assert (header, records) == (["name", "email"], [(2, ["Ada", "ada@x.org"])])
    assert assumed == ["UTF-16 LE text (no byte-order mark)"]


def test_a_legacy_excel_csv_that_is_not_utf8_is_read_as_cp1252_and_says_so(
    tmp_path: Path,
) -> None:
    text = "name,email,notes\r\nAda,ada@x.org,\r\nRenée Côté,renee@x.fr,asks 80€ “per hour”\r\n"
    path = given(tmp_path, text.encode("cp1252"))

    _, records, assumed, _ = read(path)

    assert records[1] == (3, ["Renée Côté", "renee@x.fr", "asks 80€ “per hour”"])
    assert assumed == ["cp1252 text (not UTF-8)"]


def test_a_utf8_file_with_one_stray_cp1252_byte_keeps_its_utf8_and_names_the_line(
    tmp_path: Path,
) -> None:
    content = "name,email\nZoë,zoe@x.fr\n".encode() + "Renée,renee@x.fr\n".encode("cp1252")
    path = given(tmp_path, content)

    _, records, assumed, _ = read(path)

    assert records == [(2, ["Zoë", "zoe@x.fr"]), (3, ["Renée", "renee@x.fr"])]
    assert assumed == ["UTF-8 text with cp1252 bytes (line 3 and maybe others)"]


def test_a_utf8_mark_wins_over_a_stray_cp1252_byte(tmp_path: Path) -> None:
    path = given(tmp_path, codecs.BOM_UTF8 + "name,email\nRenée,renee@x.fr\n".encode("cp1252"))

    header, records, assumed, _ = read(path)

    assert (header, records) == (["name", "email"], [(2, ["Renée", "renee@x.fr"])])
    assert assumed == ["UTF-8 text with cp1252 bytes (line 2 and maybe others)"]


def test_the_encoding_given_overrides_detection(tmp_path: Path) -> None:
    # Old Mac Excel wrote Mac Roman: valid cp1252 bytes too, so only the operator can tell.
    path = given(tmp_path, "name,email\rRenée,renee@x.fr\r".encode("mac_roman"))

    _, records, assumed, _ = read(path, encoding="mac_roman")

    assert (records, assumed) == ([(2, ["Renée", "renee@x.fr"])], [])


def test_an_unknown_encoding_is_refused_by_name(tmp_path: Path) -> None:
    path = given(tmp_path, b"name,email\nAda,ada@x.org\n")

    with pytest.raises(ImportFileError, match="unknown encoding 'klingon'"):
        read(path, encoding="klingon")


def test_an_encoding_that_does_not_decode_the_file_names_the_line(tmp_path: Path) -> None:
    content = "name,email\rAda,ada@x.org\rRenée,renee@x.fr\r".encode("cp1252")
    path = given(tmp_path, content)

    with pytest.raises(ImportFileError, match=r"^line 3: not utf-8 text$"):
        read(path, encoding="utf-8")


# -- dialects --------------------------------------------------------------------------------


def test_european_excel_semicolons_are_sniffed_from_the_header_and_said(tmp_path: Path) -> None:
    content = b'"Name, full";Email;Notes\nAda Lovelace;ada@x.org;"engines, math"\n'
    path = given(tmp_path, content)

    header, records, assumed, _ = read(path)

    assert header == ["Name, full", "Email", "Notes"]
    assert records == [(2, ["Ada Lovelace", "ada@x.org", "engines, math"])]
    assert assumed == ["';'-separated"]


def test_a_tab_separated_utf8_file_is_read_by_its_tabs(tmp_path: Path) -> None:
    path = given(tmp_path, b"name\temail\tnotes\nAda\tada@x.org\tmath, engines\n")

    _, records, assumed, _ = read(path)

    assert (records, assumed) == ([(2, ["Ada", "ada@x.org", "math, engines"])], ["tab-separated"])


def test_an_excel_sep_line_sets_the_delimiter_and_counts_as_a_line(tmp_path: Path) -> None:
    # The header alone would say ',' (two commas to one ';').
    path = given(tmp_path, b"sep=;\nname;email, or link\nAda, Countess;ada@x.org\n")

    header, records, assumed, _ = read(path)

    assert header == ["name", "email, or link"]
    assert (records, assumed) == ([(3, ["Ada, Countess", "ada@x.org"])], [])


def test_a_sep_line_can_name_a_tab(tmp_path: Path) -> None:
    path = given(tmp_path, b"sep=\t\nname\temail\nAda\tada@x.org\n")

    assert read(path)[1] == [(3, ["Ada", "ada@x.org"])]


# -- line ends and line numbers --------------------------------------------------------------


def test_a_lever_export_saved_by_old_mac_excel_reads_with_cr_line_ends(tmp_path: Path) -> None:
    text = (
        '"Contact ID","Name","Email","Notes"\r'
        '"01","Zoë Dubois","zoe@x.fr","Strong on systems.\rOpen to chat in Q3."\r'
        '"02","José Martínez","jose@x.es",""\r'
    )
    path = given(tmp_path, text.encode("cp1252"))

    header, records, _, errors = read(path)

    assert header == ["Contact ID", "Name", "Email", "Notes"]
    assert records == [
        (2, ["01", "Zoë Dubois", "zoe@x.fr", "Strong on systems.\nOpen to chat in Q3."]),
        (4, ["02", "José Martínez", "jose@x.es", ""]),
    ]
    assert errors == []


def test_crlf_and_lf_files_number_their_lines_alike(tmp_path: Path) -> None:
    text = 'name,notes\n\nAda,"two\nlines"\nGrace,\n'
    crlf = given(tmp_path, text.replace("\n", "\r\n").encode(), "crlf.csv")
    lf = given(tmp_path, text.encode(), "lf.csv")

    expected = [(3, ["Ada", "two\nlines"]), (5, ["Grace", ""])]
    assert read(crlf)[1] == read(lf)[1] == expected


def test_comment_lines_before_the_header_are_skipped_and_still_counted(tmp_path: Path) -> None:
    content = (
        b"# source: https://help.lever.co/ (export headers)\n"
        b"# shape: one row an opportunity\n"
        b"\n"
        b"name,email\n"
        b"Ada,ada@x.org\n"
        b"# not a comment once the header is read,\n"
    )
    path = given(tmp_path, content)

    header, records, _, _ = read(path)

    assert header == ["name", "email"]
    assert records == [
        (5, ["Ada", "ada@x.org"]),
        (6, ["# not a comment once the header is read", ""]),
    ]


# -- unterminated quotes ---------------------------------------------------------------------


def test_an_unterminated_quote_costs_one_row_not_the_rest_of_the_file(tmp_path: Path) -> None:
    content = (
        b"name,email,notes\n"
        b"Ada,ada@x.org,fine\n"
        b"Grace,grace@x.org,\"says 5'11\n"
        b"Hedy,hedy@x.org,radio\n"
        b"Alan,alan@x.org,\n"
    )
    path = given(tmp_path, content)

    _, records, _, errors = read(path)

    assert records == [
        (2, ["Ada", "ada@x.org", "fine"]),
        (4, ["Hedy", "hedy@x.org", "radio"]),
        (5, ["Alan", "alan@x.org", ""]),
    ]
    assert errors == [(3, "unterminated quote; this row was skipped")]


def test_a_quote_left_open_far_from_the_end_is_given_up_past_the_bound(tmp_path: Path) -> None:
    rows = [f"Person {i},p{i}@x.org,{'x' * 60}\n" for i in range(3, 3_000)]
    content = ("name,email,notes\n" + 'Ada,ada@x.org,"open\n' + "".join(rows)).encode()
    path = given(tmp_path, content)

    _, records, _, errors = read(path)

    assert errors == [(2, "unterminated quote; this row was skipped")]
    assert [line for line, _ in records] == list(range(3, 3_000))
    assert records[-1] == (2_999, ["Person 2999", "p2999@x.org", "x" * 60])


def test_a_long_note_over_many_lines_is_one_record(tmp_path: Path) -> None:
    note = "\n".join(f"line {i} of a long interview write-up" for i in range(250))  # ~9,000
    content = f'name,email,notes\nAda,ada@x.org,"{note}"\nGrace,grace@x.org,\n'.encode()
    path = given(tmp_path, content)

    _, records, _, errors = read(path)

    assert len(note) < RUNAWAY_CHARS and errors == []
    assert records == [(2, ["Ada", "ada@x.org", note]), (252, ["Grace", "grace@x.org", ""])]


def test_an_unterminated_quote_in_the_header_refuses_the_file(tmp_path: Path) -> None:
    path = given(tmp_path, b'name,"email\nAda,ada@x.org\n')

    with pytest.raises(ImportFileError, match=r"^line 1: unterminated quote in the header$"):
        read(path)


# -- what is no CSV --------------------------------------------------------------------------


def test_nul_bytes_in_a_utf8_row_keep_the_records_flowing(tmp_path: Path) -> None:
    path = given(tmp_path, b"name,email\nAda\x00,ada@x.org\nGrace,grace@x.org\n")

    _, records, _, errors = read(path)

    assert records == [(2, ["Ada\x00", "ada@x.org"]), (3, ["Grace", "grace@x.org"])]
    assert errors == []


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        bytes(range(256)) * 8,
    ],
    ids=["xlsx", "xls", "png", "no_known_signature"],
)
def test_a_binary_file_renamed_csv_is_refused(tmp_path: Path, content: bytes) -> None:
    path = given(tmp_path, content)

    for attempt in (read, file_kind):
        with pytest.raises(ImportFileError, match=re.escape(NOT_TEXT)):
            attempt(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\r\n  \n", "the file is empty"),
        (codecs.BOM_UTF16_LE + "\r\n".encode("utf-16-le"), "the file is empty"),
        (b"# source: nowhere\n\n", "the file has no header"),
    ],
    ids=["no_bytes", "blank_lines", "utf16_blank", "comments_only"],
)
def test_a_file_with_no_header_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=f"^{message}$"):
        read(given(tmp_path, content))


def test_a_file_with_only_a_header_has_no_records(tmp_path: Path) -> None:
    assert read(given(tmp_path, b"name,email")) == (["name", "email"], [], [], [])


def test_a_missing_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="No such file"):
        read(tmp_path / "nope.csv")


# -- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (codecs.BOM_UTF8 + b'\n  [{"name": "Ada"}]', "json"),
        (codecs.BOM_UTF16_LE + '{"candidates": []}'.encode("utf-16-le"), "json"),
        (b"name,email\n", "csv"),
        (b"# source: x\n[name],email\n", "csv"),
    ],
    ids=["list_after_bom", "utf16_object", "csv", "comment_then_brackets"],
)
def test_the_kind_of_file_is_told_by_its_first_character(
    tmp_path: Path, content: bytes, kind: str
) -> None:
    assert file_kind(given(tmp_path, content)) == kind


def test_json_is_read_in_any_of_the_encodings(tmp_path: Path) -> None:
    data = [{"name": "Zoë Dubois", "emails": ["zoe@x.fr"]}]
    utf8 = given(
        tmp_path, codecs.BOM_UTF8 + b'[{"name": "Zo\xc3\xab Dubois", "emails": ["zoe@x.fr"]}]'
    )
    utf16 = given(tmp_path, codecs.BOM_UTF16_BE + str(data).replace("'", '"').encode("utf-16-be"))
    cp1252 = given(tmp_path, '[{"name": "Zoë Dubois", "emails": ["zoe@x.fr"]}]'.encode("cp1252"))

    assert read_json(utf8) == read_json(utf16) == read_json(cp1252) == data


def test_a_file_that_is_not_json_says_where(tmp_path: Path) -> None:
    path = given(tmp_path, b'[\n  {"name": "Ada",}\n]', "dump.json")

    with pytest.raises(ImportFileError, match=r"^not valid JSON \(line 2, column 18\)"):
        read_json(path)


# -- through the command line ----------------------------------------------------------------


def test_the_cli_imports_an_old_mac_excel_file_and_says_what_it_assumed(tmp_path: Path) -> None:
    content = (
        "name;email;notes\r"
        'Renée Côté;renee@x.fr;"met at a meetup;\rwants remote"\r'
        "Grace Hopper;grace@x.org;\"5'11 and an open quote\r"
        "Hedy Lamarr;hedy@x.org;\r"
    ).encode("cp1252")
    path = given(tmp_path, content)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'refbot.db'}"}

    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "import", str(path), "--team", "T0001"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "imported 2, merged 0, skipped 1 (see errors); "
        "assumed: cp1252 text (not UTF-8), ';'-separated\n"
    )
    assert "line 4: unterminated quote; this row was skipped\n" in done.stderr
