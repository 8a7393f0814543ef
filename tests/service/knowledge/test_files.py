"""One knowledge-base file (`service.knowledge.files`): its front matter checked key by key,
every problem located by file and line, and an unchanged file never parsed twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.knowledge import KBError, load_kb
from service.knowledge.files import kb_files, read_file
from tests.service.knowledge.support import GOOD, write_raw

BAD_FILES = {
    "unknown key": (GOOD + "\ncolour: red", "Hello {{ order_id }}", 7, "unknown key 'colour'"),
    "unknown intent": (
        GOOD.replace("[other]", "[other, where_is_my_parcel]"),
        "Hello {{ order_id }}",
        6,
        "unknown intent 'where_is_my_parcel' (did you mean 'where_is_my_order'?)",
    ),
    "bad language": (GOOD.replace("e: en", "e: EN"), "Hello", 5, "2-letter lowercase code"),
    "long language": (GOOD.replace("e: en", "e: eng"), "Hello", 5, "2-letter lowercase code"),
    "yaml boolean language": (GOOD.replace("e: en", "e: no"), "Hello", 5, "(quote it)"),
    "missing key": (GOOD.replace("title: Good\n", ""), "Hello", 1, "missing required key 'title'"),
    "bad yaml": (GOOD.replace("title: Good", "title: Good: bad"), "Hello", 4, "invalid YAML"),
    "jinja syntax": (GOOD, "Hello,\n\nOrder {{ order_id }", 10, "Jinja syntax error"),
    "unclosed block": (GOOD, "Hello,\n{% if buyer_name %}\nOrder", 9, "Jinja syntax error"),
    "unknown variable": (GOOD, "Hello,\n{{ coupon_code }}", 9, "unknown template variable"),
    "bad kind": (GOOD.replace("template", "faq"), "Hello", 3, "kind must be"),
    "bad asin": (GOOD + "\nasins: [blender]", "Hello", 7, "not an ASIN"),
    "intents not a list": (GOOD.replace("[other]", "other"), "Hello", 6, "must be a list"),
    "empty body": (GOOD, "", 7, "body after the front matter is empty"),
    "duplicate key": (GOOD + "\nid: general/again", "Hello", 7, "duplicate key 'id'"),
    "misspelt key": (GOOD + "\ntagz: [a]", "Hello", 7, "unknown key 'tagz' (did you mean 'tags'?)"),
    "bad purpose": (GOOD + "\npurpose: marketing", "Hello", 7, "purpose must be one of"),
    "not a mapping": ("- id\n- kind", "Hello", 2, "front matter must be a YAML mapping"),
    "no intents": (GOOD.replace("[other]", "[]"), "Hello", 6, "needs at least one intent"),
    "blank title": (GOOD.replace("title: Good", "title: ' '"), "Hello", 4, "non-empty string"),
    "bad id": (GOOD.replace("general/good", "General Good"), "Hello", 2, "lowercase slug"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_becomes_a_located_error_and_the_rest_loads(tmp_path: Path, case: str) -> None:
    front, body, line, fragment = BAD_FILES[case]
    write_raw(tmp_path, "a/ok.md", GOOD.replace("general/good", "general/ok"))
    write_raw(tmp_path, "b/bad.md", front, body)
    kb = load_kb(tmp_path)
    assert [e.id for e in kb.entries] == ["general/ok"]
    assert len(kb.errors) >= 1
    error = kb.errors[0]
    assert (error.path, error.line) == ("b/bad.md", line), str(error)
    assert fragment in error.message
    assert str(error).startswith(f"b/bad.md:{line}: ")


def test_files_without_front_matter_or_not_utf8_are_errors(tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_text("# Just markdown\n", encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes(b"---\nid: x\n---\nCaf\xe9\n")
    (tmp_path / "open.md").write_text("---\nid: x\n", encoding="utf-8")
    write_raw(tmp_path, "ok.md", GOOD)
    kb = load_kb(tmp_path)
    assert [e.id for e in kb.entries] == ["general/good"]
    messages = {e.path: str(e) for e in kb.errors}
    assert messages["plain.md"].startswith("plain.md:1: no front matter")
    assert messages["latin1.md"].startswith("latin1.md:1: not UTF-8")
    assert messages["open.md"].startswith("open.md:1: front matter is not closed")


def test_entries_carry_their_front_matter_and_body_position(tmp_path: Path) -> None:
    front = GOOD + "\nasins: [b08n5wrwnw]\ntags: [Shipping]"
    write_raw(tmp_path, "x/good.md", front, "\nHello {{ buyer_name }}")
    write_raw(tmp_path, ".drafts/ignored.md", "not even front matter")
    kb = load_kb(tmp_path)
    assert kb.errors == ()
    (loaded,) = kb.entries
    assert loaded.path == "x/good.md"
    assert loaded.asins == ("B08N5WRWNW",) and loaded.tags == ("Shipping",)
    assert loaded.body == "Hello {{ buyer_name }}"
    assert loaded.line == 11  # `---`, 7 keys, `---`, a blank line skipped, then the body


def test_kb_error_formats_as_file_line_message() -> None:
    assert str(KBError("shipping/x.md", 4, "unknown key 'foo'")) == (
        "shipping/x.md:4: unknown key 'foo'"
    )


def test_an_unchanged_file_is_not_parsed_again(tmp_path: Path) -> None:
    write_raw(tmp_path, "a.md", GOOD)
    first = read_file(tmp_path / "a.md", rel="a.md")
    assert first.entry is not None and first.errors == ()
    assert read_file(tmp_path / "a.md", rel="a.md", previous=first) is first
    write_raw(tmp_path, "a.md", GOOD, "Hello again, order {{ order_id }}")
    changed = read_file(tmp_path / "a.md", rel="a.md", previous=first)
    assert changed is not first
    assert changed.entry is not None and changed.entry.body == "Hello again, order {{ order_id }}"


def test_a_byte_order_mark_and_windows_line_endings_are_read(tmp_path: Path) -> None:
    text = "\ufeff---\r\n" + GOOD.replace("\n", "\r\n") + "\r\n---\r\n\r\nOrder {{ order_id }}\r\n"
    (tmp_path / "crlf.md").write_bytes(text.encode("utf-8"))
    result = read_file(tmp_path / "crlf.md", rel="crlf.md")
    assert result.errors == ()
    assert result.entry is not None
    assert (result.entry.body, result.entry.line) == ("Order {{ order_id }}", 9)


def test_a_path_that_cannot_be_read_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "folder.md").mkdir()  # `*.md` matches directories too
    result = read_file(tmp_path / "folder.md", rel="folder.md")
    assert result.entry is None
    [error] = result.errors
    assert (error.path, error.line) == ("folder.md", 1)
    assert error.message.startswith("cannot read:")


def test_optional_keys_are_normalised(tmp_path: Path) -> None:
    front = GOOD + "\nasins: [b08n5wrwnw, 'B08N5WRWNW ', B000KETTLE]\npurpose: acknowledgement"
    write_raw(tmp_path, "a.md", front, "  \n\nHello {{ order_id }}\n\n\n")
    result = read_file(tmp_path / "a.md", rel="a.md")
    assert result.entry is not None
    assert result.entry.asins == ("B08N5WRWNW", "B000KETTLE")  # upper case, each once
    assert result.entry.purpose == "acknowledgement"
    assert result.entry.body == "Hello {{ order_id }}"  # blank lines around it dropped
    assert result.entry.id_line == 2


def test_every_problem_of_a_file_is_reported_in_line_order(tmp_path: Path) -> None:
    front = "id: Bad Id\nkind: faq\ntitle: ''\nlanguage: EN\nintents: [nonsense]"
    write_raw(tmp_path, "bad.md", front, "Hello")
    result = read_file(tmp_path / "bad.md", rel="bad.md")
    assert result.entry is None
    assert [error.line for error in result.errors] == [2, 3, 4, 5, 6]


def test_markdown_files_are_listed_in_order_and_dot_directories_skipped(tmp_path: Path) -> None:
    for rel in ("b.md", "a/c.md", "a/b.md", ".drafts/x.md", "a/.git/y.md", "notes.txt"):
        write_raw(tmp_path, rel, GOOD)
    found = [p.relative_to(tmp_path).as_posix() for p in kb_files(tmp_path)]
    assert found == ["a/b.md", "a/c.md", "b.md"]
