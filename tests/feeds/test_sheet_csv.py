"""The sheet-csv parser (spec/sheet-csv.md): the spec's example, what Excel, Google Sheets and
LibreOffice write (BOM, CRLF, RFC 4180 quoting, formatted numbers), and every slip of the
hand-fed checks in sheet form, each a problem naming the row, the id and the cell."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import Choice, SourceKind, Status
from bot.feeds.base import FeedFormat, ParseContext, ParseError, ParseResult
from bot.feeds.parsers import parse
from bot.feeds.parsers.sheet_csv import parse_sheet_csv
from tests.conftest import REPO_ROOT

CTX = ParseContext("sheet")
SPEC_EXAMPLE = (
    "id,name,round,status,union,union votes,no union votes,challenged,void,ballots cast,"
    "eligible voters,note\n"
    'jfk8,Amazon JFK8 (Staten Island NY),initial,paused,Amazon Labor Union,"1,518","1,154",'
    '0,0,"4,869","8,325",Count resumes Friday 10 a.m.\n'
)
HEADER = ["id", "name", "status", "union", "union votes", "no union votes", "ballots cast"]


def sheet(*rows: list[str], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out, dialect="excel").writerows([header, *rows])
    return out.getvalue().encode()


def jfk8_row(**cells: str) -> list[str]:
    row = {
        "id": "jfk8",
        "name": "Amazon JFK8",
        "status": "counting",
        "union": "Amazon Labor Union",
        "union votes": "1,518",
        "no union votes": "1,154",
        "ballots cast": "4,869",
    }
    row.update(cells)
    return [row.get(column, "") for column in HEADER]


def one(result: ParseResult) -> str:
    assert result.tallies == (), result.tallies
    (problem,) = result.problems
    return problem.error


def test_the_spec_example() -> None:
    result = parse_sheet_csv(SPEC_EXAMPLE.encode(), CTX)
    assert result.problems == ()
    (parsed,) = result.tallies
    tally = parsed.tally
    assert tally.choices == (
        Choice("Amazon Labor Union", 1518),
        Choice("No union", 1154, against=True),
    )
    assert (tally.status, tally.challenged, tally.void) == (Status.PAUSED, 0, 0)
    assert (tally.ballots_cast, tally.eligible_voters) == (4869, 8325)
    assert tally.note == "Count resumes Friday 10 a.m."
    assert tally.source_kind is SourceKind.NATIVE  # hand-fed: unofficial
    assert parsed.election.name == "Amazon JFK8 (Staten Island NY)"


def test_the_format_is_registered_and_hand_fed() -> None:
    assert FeedFormat("sheet-csv").source_kind is SourceKind.NATIVE
    assert parse(FeedFormat.SHEET_CSV, SPEC_EXAMPLE.encode(), CTX).tallies


def test_the_template_parses_without_a_problem() -> None:
    body = (REPO_ROOT / "docs" / "sheet-template.csv").read_bytes()
    result = parse_sheet_csv(body, CTX)
    assert result.problems == ()
    assert [p.tally.election_id for p in result.tallies] == ["jfk8"]


@pytest.mark.parametrize(
    "body",
    [
        SPEC_EXAMPLE.encode("utf-8-sig"),
        SPEC_EXAMPLE.replace("\n", "\r\n").encode(),
        SPEC_EXAMPLE.replace("\n", "\r\n").encode("utf-8-sig"),
        SPEC_EXAMPLE.replace("\n", "\r").encode(),
        ("\n\n" + SPEC_EXAMPLE + ",,,,,,,,,,,\n\n").encode(),
    ],
    ids=["bom", "crlf", "bom-crlf", "cr", "blank-rows"],
)
def test_bom_line_ends_and_empty_rows_read_alike(body: bytes) -> None:
    assert parse_sheet_csv(body, CTX) == parse_sheet_csv(SPEC_EXAMPLE.encode(), CTX)


def test_header_names_fold_and_columns_come_in_any_order() -> None:
    body = (
        b"NO_UNION-VOTES, Union  Votes ,UNION,Id,Ballots Cast\n"
        b'"1,154", 1518 ,Amazon Labor Union,jfk8,"4,869"\n'
    )
    (parsed,) = parse_sheet_csv(body, CTX).tallies
    assert [c.votes for c in parsed.tally.choices] == [1518, 1154]
    assert parsed.tally.ballots_cast == 4869


def test_python_csv_in_excels_dialect_with_quotes_commas_and_line_breaks() -> None:
    header = [*HEADER, "note"]
    rows = [
        [*jfk8_row(name='Amazon "JFK8", Staten Island, NY'), "Count resumes Friday, 10 a.m."],
        [*jfk8_row(id="bessemer", note="x"), "Line one\nline two"],
        [*jfk8_row(id="after"), ""],
    ]
    result = parse_sheet_csv(sheet(*rows, header=header), CTX)
    by_id = {p.tally.election_id: p for p in result.tallies}
    assert set(by_id) == {"jfk8", "after"}
    assert by_id["jfk8"].election.name == 'Amazon "JFK8", Staten Island, NY'
    assert by_id["jfk8"].tally.note == "Count resumes Friday, 10 a.m."
    (problem,) = result.problems
    assert problem.error == (
        'row 3 (bessemer), cell H3 (`note`): "Line one\\nline two" holds a line break '
        "(U+000A) at character 9: remove it (row skipped)"
    )


def test_blank_cells_mean_what_the_spec_says() -> None:
    header = ["id", "union", "union votes", "no union votes", "challenged", "void", "round"]
    body = sheet(["e1", "Union A", "", "", "", "", ""], header=header)
    (parsed,) = parse_sheet_csv(body, CTX).tallies
    tally = parsed.tally
    assert tally.choices == (Choice("Union A", 0), Choice("No union", 0, against=True))
    assert (tally.round, tally.status, tally.challenged, tally.void) == (
        "initial",
        Status.COUNTING,
        0,
        0,
    )
    assert (tally.ballots_cast, tally.eligible_voters) == (None, None)
    assert parsed.election.unit == "A"


def test_a_runoff_of_two_unions_has_no_against_choice_when_its_cell_is_blank() -> None:
    header = ["id", "round", "union", "union votes", "union 2", "union 2 votes", "no union votes"]
    body = sheet(["trinity", "runoff", "Union A", "8", "Union B", "11", ""], header=header)
    (parsed,) = parse_sheet_csv(body, CTX).tallies
    assert parsed.tally.choices == (Choice("Union A", 8), Choice("Union B", 11))


def test_comment_rows_and_rows_without_id_are_ignored() -> None:
    body = sheet(["# a comment", "", "", "", "", "", ""], ["", "x", "", "", "", "", ""], jfk8_row())
    result = parse_sheet_csv(body, CTX)
    assert result.problems == ()
    assert [p.tally.election_id for p in result.tallies] == ["jfk8"]


def test_words_are_read_as_a_person_types_them() -> None:
    header = [*HEADER, "round", "unit", "case number"]
    row = [*jfk8_row(id="JFK8", status=" Paused "), "Initial", "b", "29-rc-288020"]
    (parsed,) = parse_sheet_csv(sheet(row, header=header), CTX).tallies
    assert parsed.tally.election_id == "jfk8"
    assert (parsed.tally.status, parsed.tally.round) == (Status.PAUSED, "initial")
    assert (parsed.election.unit, parsed.election.case_number) == ("B", "29-RC-288020")


@pytest.mark.parametrize(
    ("cells", "cell", "message"),
    [
        (
            {"union votes": "1.518"},
            "E2 (`union votes`)",
            '"1.518" is not a whole number: write 1518',
        ),
        ({"union votes": "1518.5"}, "E2", "ballots are counted whole (write 1518 or 1519)"),
        ({"no union votes": "-3"}, "F2", '"-3" is not a whole number: a count is 0 or more'),
        ({"no union votes": "abc"}, "F2", '"abc" is not a whole number'),
        ({"no union votes": "1,15"}, "F2", '"1,15" is not a whole number'),
        ({"ballots cast": "2,000"}, "G2 (`ballots cast`)", "but `ballots cast` is 2,000"),
        ({"union": "No union"}, "D2", "is the no-union choice"),
        ({"union": "1,518"}, "D2", "the union's name is the number 1,518"),
        ({"union": ""}, "D2", "the `union` cell is blank"),
        ({"name": "JFK8\u202e"}, "B2", "bidirectional override"),
        ({"name": "x" * 201}, "B2", "201 characters long"),
        ({"status": "over"}, "C2", "write one of scheduled"),
        ({"id": "jfk 8"}, "A2", "write a slug"),
        ({"union votes": "10,000,001"}, "E2", "more than 10,000,000"),
    ],
)
def test_a_slip_in_a_cell_skips_the_row_with_a_problem_naming_it(
    cells: dict[str, str], cell: str, message: str
) -> None:
    result = parse_sheet_csv(sheet(jfk8_row(**cells), jfk8_row(id="other")), CTX)
    assert [p.tally.election_id for p in result.tallies] == ["other"]
    (problem,) = result.problems
    election = cells.get("id", "jfk8")
    assert problem.election == election
    assert problem.error.startswith(f"row 2 ({election}), cell {cell}")
    assert message in problem.error
    assert problem.error.endswith("(row skipped)")


def test_a_sheet_without_no_union_votes_skips_rows_that_are_not_runoffs() -> None:
    header = ["id", "round", "union", "union votes", "union 2", "union 2 votes"]
    body = sheet(
        ["jfk8", "initial", "Amazon Labor Union", "1518", "", ""],
        ["trinity", "runoff", "Union A", "8", "Union B", "11"],
        header=header,
    )
    result = parse_sheet_csv(body, CTX)
    assert [p.tally.election_id for p in result.tallies] == ["trinity"]
    assert "the sheet has no `no union votes` column" in one_problem(result, "jfk8")


def one_problem(result: ParseResult, election: str) -> str:
    (problem,) = [p for p in result.problems if p.election == election]
    return problem.error


def test_one_election_and_round_in_two_rows_skips_both() -> None:
    result = parse_sheet_csv(sheet(jfk8_row(), jfk8_row(id="other"), jfk8_row()), CTX)
    assert [p.tally.election_id for p in result.tallies] == ["other"]
    assert "given 2 times (row 2, row 4): all of them are skipped" in one_problem(result, "jfk8")


def test_a_final_row_short_of_its_ballots_cast_is_kept_with_a_problem() -> None:
    result = parse_sheet_csv(sheet(jfk8_row(status="final")), CTX)
    assert len(result.tallies) == 1
    assert "kept, with the other 2,197 taken as not counted" in one_problem(result, "jfk8")


def test_an_unknown_column_is_a_problem_and_an_extension_is_not() -> None:
    header = [*HEADER, "colour", "x-counted by"]
    result = parse_sheet_csv(sheet([*jfk8_row(), "red", "Maria"], header=header), CTX)
    assert len(result.tallies) == 1
    (problem,) = result.problems
    assert (problem.election, problem.field) == (None, "colour")
    assert "column H `colour` is not a sheet-csv column" in problem.error


@pytest.mark.parametrize("name", ["x", "ok", "Date filed", "counted by"])
def test_a_column_far_from_every_known_one_is_only_a_problem(name: str) -> None:
    result = parse_sheet_csv(sheet([*jfk8_row(), "1"], header=[*HEADER, name]), CTX)
    assert len(result.tallies) == 1
    assert [p.field for p in result.problems] == [name]


def test_values_in_a_column_without_a_header_are_a_problem() -> None:
    result = parse_sheet_csv(sheet([*jfk8_row(), "42"], header=[*HEADER, ""]), CTX)
    assert len(result.tallies) == 1
    assert "column H has values but no header" in result.problems[0].error


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            [*HEADER, "chalenged"],
            "column H `chalenged` is not a sheet-csv column: did you mean "
            "`challenged`? The whole sheet is rejected",
        ),
        ([*HEADER[:4], "union vote", *HEADER[5:]], "did you mean `union votes`?"),
        ([*HEADER, "Ballot cast"], "did you mean `ballots cast`?"),
        ([*HEADER, "union 5"], "a sheet has at most 4 unions"),
        ([*HEADER, "ids"], "did you mean `id`?"),
        ([*HEADER, "notes"], "did you mean `note`?"),
        ([*HEADER, "Challenged", "challenged"], "columns H and I are both `challenged`"),
        (["name", "union", "union votes"], "the sheet has no `id` column"),
    ],
)
def test_a_header_that_cannot_be_trusted_rejects_the_sheet(header: list[str], message: str) -> None:
    row = [*jfk8_row(), "", ""][: len(header)]
    with pytest.raises(ParseError, match=message.replace("?", r"\?").replace("`", ".")):
        parse_sheet_csv(sheet(row, header=header), CTX)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "published to the web"),
        ("id,union,union votes\njfk8,Caf\u00e9,3\n".encode("cp1252"), "not UTF-8"),
        (b"id;union;union votes\njfk8;ALU;3\n", "separated by semicolons"),
    ],
)
def test_documents_that_are_not_sheets_fail(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_sheet_csv(body, CTX)


def test_the_problems_come_in_row_order() -> None:
    body = sheet(
        jfk8_row(id="a", **{"union votes": "x"}),
        jfk8_row(id="b", **{"ballots cast": "1"}),
        jfk8_row(id="c", union="none"),
    )
    assert [p.election for p in parse_sheet_csv(body, CTX).problems] == ["a", "b", "c"]


# --- properties --------------------------------------------------------------------------


@st.composite
def good_rows(draw: st.DrawFn) -> dict[str, str]:
    union, against = draw(st.integers(0, 5000)), draw(st.integers(0, 5000))
    extra = draw(st.integers(0, 500))

    def shown(number: int) -> str:
        return draw(st.sampled_from([str(number), f"{number:,}", f" {number:,} "]))

    return {
        "id": "e1",
        "name": "Warehouse",
        "status": draw(st.sampled_from(["counting", "Paused", "voting"])),
        "union": "Workers United",
        "union votes": shown(union),
        "no union votes": shown(against),
        "ballots cast": shown(union + against + extra),
    }


def row_of(cells: dict[str, str]) -> list[str]:
    return [cells.get(column, "") for column in HEADER]


SHEET_SLIPS = {
    "dotted thousands": ("union votes", "1.518"),
    "fraction": ("no union votes", "12.5"),
    "negative": ("union votes", "-1"),
    "words": ("no union votes", "twelve"),
    "over cast": ("ballots cast", "0"),
    "no union as a union": ("union", "No Union"),
    "blank union": ("union", ""),
    "bidi override": ("name", "Ware\u2066house"),
    "control character": ("name", "Ware\u0007house"),
}


@given(cells=good_rows())
def test_a_good_row_always_yields_its_tally_without_problems(cells: dict[str, str]) -> None:
    result = parse_sheet_csv(sheet(row_of(cells)), CTX)
    assert result.problems == ()
    assert len(result.tallies) == 1


@given(cells=good_rows(), slip=st.sampled_from(sorted(SHEET_SLIPS)))
def test_a_row_with_any_slip_never_yields_a_tally(cells: dict[str, str], slip: str) -> None:
    column, value = SHEET_SLIPS[slip]
    slipped = {**cells, column: value.encode().decode("unicode_escape")}
    if (
        slip == "over cast"
        and cells["union votes"].strip() == cells["no union votes"].strip() == "0"
    ):
        slipped["union votes"] = "1"
    result = parse_sheet_csv(sheet(row_of(slipped), row_of({**cells, "id": "e2"})), CTX)
    assert [p.tally.election_id for p in result.tallies] == ["e2"]
    assert [p.election for p in result.problems] == ["e1"]


# --- LibreOffice ------------------------------------------------------------------------

ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
  manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/"
  manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
)


def _ods_cell(value: str | int) -> str:
    if isinstance(value, int):  # a number, shown with thousands separators ("1,518")
        return (
            f'<table:table-cell table:style-name="grouped" office:value-type="float" '
            f'office:value="{value}"><text:p>{value:,}</text:p></table:table-cell>'
        )
    text = value.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def write_ods(path: Path, rows: list[list[str | int]]) -> None:
    """A minimal OpenDocument spreadsheet, the way a volunteer's LibreOffice keeps it."""
    body = "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
        for row in rows
    )
    styles = (
        '<office:automatic-styles><number:number-style style:name="N1">'
        '<number:number number:decimal-places="0" number:grouping="true"/></number:number-style>'
        '<style:style style:name="grouped" style:family="table-cell" '
        'style:data-style-name="N1"/></office:automatic-styles>'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} '
        f'office:version="1.2">{styles}<office:body><office:spreadsheet>'
        f'<table:table table:name="Count">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as ods:
        ods.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        ods.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        ods.writestr("content.xml", content)


def test_a_sheet_exported_by_libreoffice(tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        if os.environ.get("CI"):  # .ci/run installs it: never skipped there
            pytest.fail("LibreOffice (soffice) is missing, and CI installs it")
        pytest.skip("LibreOffice (soffice) is not installed")
    ods = tmp_path / "count.ods"
    write_ods(
        ods,
        [
            ["id", "name", "status", "union", "union votes", "no union votes", "ballots cast"],
            [
                "jfk8",
                "Amazon JFK8 (Staten Island, NY)",
                "paused",
                "Amazon Labor Union",
                1518,
                1154,
                4869,
            ],
            ["# a comment"],
            ["cafe", "Café Ñandú", "counting", "Sindicato de la Caña", 15, 9, 40],
        ],
    )
    profile = (tmp_path / "profile").as_uri()
    env = {**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8", "HOME": str(tmp_path)}
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(tmp_path),
            str(ods),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env=env,
    )
    result = parse_sheet_csv((tmp_path / "count.csv").read_bytes(), CTX)
    assert result.problems == ()
    by_id = {p.tally.election_id: p for p in result.tallies}
    assert [c.votes for c in by_id["jfk8"].tally.choices] == [1518, 1154]
    assert by_id["jfk8"].tally.ballots_cast == 4869
    assert by_id["jfk8"].election.name == "Amazon JFK8 (Staten Island, NY)"
    assert by_id["cafe"].tally.choices[0].name == "Sindicato de la Caña"


def test_the_readme_example_parses_without_a_problem() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Spreadsheet feeds", 1)[1].split("\n## ", 1)[0]
    example = section.split("```csv", 1)[1].split("```", 1)[0].strip()
    result = parse_sheet_csv(example.encode(), CTX)
    assert result.problems == ()
    assert [p.tally.election_id for p in result.tallies] == ["jfk8"]
