"""Whatever a spreadsheet saved is read, or refused with one sentence: encodings, delimiters,
quoted newlines, workbooks, empty files, broken JSON."""

from __future__ import annotations

import codecs

import pytest

from leadboard.service.transfer.columns import BadImportFile
from leadboard.store.models import Card as CardRow
from tests.service.import_helpers import only_card, run_import

ROWS = "Name{d}E-mail{d}Notes\nJosé Müller{d}jose@example.com{d}\"first line\nsecond; line, too\"\n"


@pytest.mark.parametrize(("encoding", "prefix"), [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("cp1252", b""), ("latin-1", b""), ("utf-16", b""),
])
def test_text_in_any_usual_encoding_is_read(pipeline, tmp_path, encoding, prefix):
    path = tmp_path / "people.csv"
    path.write_bytes(prefix + ROWS.format(d=",").encode(encoding))
    run_import(pipeline, path)
    card = only_card()
    assert (card.name, card.notes) == ("José Müller", "first line\nsecond; line, too")


def test_windows_quotes_and_euro_signs_survive(pipeline, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes("Name,Email,Notes\nAda,ada@example.com,“budget” 5 €\n".encode("cp1252"))
    run_import(pipeline, path)
    assert only_card().notes == "“budget” 5 €"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_semicolons_tabs_and_pipes_are_recognised(pipeline, tmp_path, delimiter):
    path = tmp_path / "people.csv"
    path.write_text(ROWS.format(d=delimiter), encoding="utf-8")
    summary = run_import(pipeline, path)
    assert only_card().email == "jose@example.com"
    assert {";": "semicolon", "\t": "tab", "|": "pipe"}[delimiter] in summary.described


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"\xef\xbb\xbf\r\n  \n", "is empty"),
    (b"Name,Email\r\n", "has a header but no rows"),
    (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", "not a text file"),
    (b"[]", "empty list"),
    (b'[{"name": "Ada", "email": "ada@example.com"}, {"name": ', "JSON is broken at line 1"),
    (b'{"cards": []}', "must be a list of cards"),
    (b"Who,Notes\nAda,likes tea\n", "No column gives the card's name"),
])
def test_a_file_that_cannot_be_imported_is_refused_in_one_sentence(pipeline, tmp_path, content, message):
    path = tmp_path / ("cards.json" if content.startswith((b"[", b"{")) else "cards.csv")
    path.write_bytes(content)
    with pytest.raises(BadImportFile, match=message) as refused:
        run_import(pipeline, path)
    assert "\n" not in str(refused.value)
    assert CardRow.select().count() == 0


def test_a_missing_file_and_a_folder_are_refused(pipeline, tmp_path):
    with pytest.raises(BadImportFile, match="no such file"):
        run_import(pipeline, tmp_path / "nope.csv")
    with pytest.raises(BadImportFile, match="is a folder"):
        run_import(pipeline, tmp_path)


def test_json_in_the_exports_shape_is_read_item_by_item(pipeline, tmp_path):
    path = tmp_path / "cards.json"
    path.write_text('[\n{"name": "Ada", "email": "ada@example.com", "budget": 5000.5, "authority": true},\n'
                    ' {"name": "Grace", "email": "bad"},\n 7,\n {"name": "Alan", "phone": "+44 20 7946 0958", '
                    '"extra": 1}\n]\n', encoding="utf-8")
    summary = run_import(pipeline, path)
    card = CardRow.get(CardRow.name == "Ada")
    assert (float(card.budget), card.authority) == (5000.5, True)
    assert (summary.rejected, summary.kept_as_text) == (1, {"email": 1})
    cards = {row.name: pipeline.card(row.id) for row in CardRow.select()}
    assert (cards["Grace"].email, cards["Grace"].extra) == (None, {"email": "bad"})
    assert cards["Alan"].extra == {"extra": "1"}
    reasons = summary.rejects_path.read_text(encoding="utf-8")
    assert "line 4: the item is not an object" in reasons


def test_a_long_json_file_is_read_across_its_chunks(pipeline, tmp_path):
    from leadboard.service.transfer import reading

    items = ",\n".join(f'{{"name": "P{n}", "email": "p{n}@example.com", "notes": "{"x" * 300}"}}'
                       for n in range(8000))
    path = tmp_path / "cards.json"
    path.write_text(f"[{items}]", encoding="utf-8")
    assert path.stat().st_size > 2 * reading._READ
    summary = run_import(pipeline, path)
    assert summary.imported == 8000
