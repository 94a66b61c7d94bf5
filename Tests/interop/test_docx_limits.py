"""Hostile and broken inputs, each made at test time: every error case is distinct and names its limit;
no entity is expanded and no DTD or network resource is loaded.
Run: python3 -m pytest -q Tests/interop/test_docx_limits.py"""
import io
import struct
import time
import zipfile

import pytest

import docx_generate
from docx_cli import read_docx

P = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"


def error_of(path, limits=None):
    return read_docx([path], limits)[0].get("error")


@pytest.fixture(scope="module")
def rich(tmp_root):
    return docx_generate.rich(tmp_root / "rich.docx")


def write(tmp_root, name, data: bytes):
    path = tmp_root / name
    path.write_bytes(data)
    return path


def test_not_a_zip(tmp_root):
    assert error_of(write(tmp_root, "text.docx", b"just some text")) == "not_docx: the input is not a zip archive"


def test_zip_without_document(tmp_root):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    assert error_of(write(tmp_root, "nodoc.docx", buffer.getvalue())) == "not_docx: the zip has no word/document.xml"


def test_truncated_zip(tmp_root, rich):
    data = rich.read_bytes()
    assert error_of(write(tmp_root, "cut.docx", data[: len(data) // 2])).startswith("truncated: ")
    # Cut just before the end record: the directory is gone as well.
    assert error_of(write(tmp_root, "cut2.docx", data[:-30])).startswith("truncated: ")


def test_ole_compound_file(tmp_root):
    ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + bytes(504)
    assert "password-protected or legacy .doc" in error_of(write(tmp_root, "enc.docx", ole))


def test_input_and_entry_count_limits(rich):
    assert error_of(rich, {"maxInputBytes": 1000}).startswith("too_large: input is ")
    assert "maxInputBytes is 1000" in error_of(rich, {"maxInputBytes": 1000})
    assert "maxEntries is 3" in error_of(rich, {"maxEntries": 3})


def test_declared_entry_size_and_total(rich):
    assert "declares" in error_of(rich, {"maxEntryBytes": 2000}) and "maxEntryBytes is 2000" in error_of(rich, {"maxEntryBytes": 2000})
    assert "maxTotalBytes" in error_of(rich, {"maxTotalBytes": 20_000})


def lying_zip(tmp_root, actual: int, declared: int):
    """A document.xml that inflates to `actual` bytes while both headers declare `declared`."""
    body = P.format("x" * actual)
    path = docx_generate.package(tmp_root / "lie.docx", body)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    local = data.find(b"PK\x03\x04" + data[4:4])  # first local header
    while local >= 0:
        if data[local + 30: local + 30 + len(name)] == name:
            struct.pack_into("<I", data, local + 22, declared)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        if data[central + 46: central + 46 + len(name)] == name:
            struct.pack_into("<I", data, central + 24, declared)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    return path


def test_lying_size_is_caught_while_reading(tmp_root):
    # Declares 100 bytes (under the cap), inflates to 300 kB: the read cap stops it, not the header.
    path = lying_zip(tmp_root, 300_000, 100)
    error = error_of(path, {"maxEntryBytes": 100_000})
    assert error == ("too_large: word/document.xml inflates past maxEntryBytes (100000) although its header declares less"), error


def test_compression_ratio(tmp_root):
    path = docx_generate.package(tmp_root / "ratio.docx", P.format(" " * 4_000_000))
    error = error_of(path)
    assert error.startswith("too_large: word/document.xml expands ") and "maxCompressionRatio is 200" in error


def test_zip_bomb_declared(tmp_root):
    path = docx_generate.package(tmp_root / "bomb.docx", P.format("a" * 100_000_000))
    assert path.stat().st_size < 1_000_000
    assert "maxEntryBytes is 67108864" in error_of(path)


def test_nesting_depth(tmp_root):
    deep = "<w:customXml>" * 300 + P.format("deep") + "</w:customXml>" * 300
    assert error_of(docx_generate.package(tmp_root / "deep.docx", deep)) == \
        "too_large: word/document.xml nests elements deeper than maxXMLDepth (128)"
    # Far past libxml2's own cap (256): still reported as our limit.
    deeper = "<w:customXml>" * 100_000 + "</w:customXml>" * 100_000
    deeper_docx = docx_generate.package(tmp_root / "deeper.docx", deeper)
    assert "maxXMLDepth (128)" in error_of(deeper_docx, {"maxCompressionRatio": 100_000})
    ok = "<w:customXml>" * 50 + P.format("fine") + "</w:customXml>" * 50
    assert read_docx([docx_generate.package(tmp_root / "ok.docx", ok)])[0]["paragraphs"][0]["text"] == "fine"


def hostile_document(tmp_root, name, doctype, text):
    path = tmp_root / name
    W = docx_generate.W
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", f'<?xml version="1.0"?>{doctype}<w:document {W}><w:body>{P.format(text)}</w:body></w:document>')
    return path


def test_external_entity_is_not_expanded(tmp_root):
    path = hostile_document(tmp_root, "xxe.docx", '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;")
    result = read_docx([path])[0]
    assert result["error"] == "unsafe_xml: word/document.xml declares a DTD (refused: no entities, no DTD loading)"
    assert "root:" not in str(result)


def test_billion_laughs_does_not_blow_up(tmp_root):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    path = hostile_document(tmp_root, "lol.docx", f"<!DOCTYPE w:document [{entities}]>", "&lol9;")
    start = time.monotonic()
    result = read_docx([path])[0]
    assert time.monotonic() - start < 5
    assert result["error"] == "unsafe_xml: word/document.xml declares a DTD (refused: no entities, no DTD loading)"


def test_undeclared_entity_is_malformed(tmp_root):
    path = hostile_document(tmp_root, "undeclared.docx", "", "&xxe;")
    assert read_docx([path])[0]["error"].startswith("malformed: word/document.xml")


def test_notes_and_symbols(tmp_root):
    doc = read_docx([docx_generate.notes(tmp_root / "notes.docx")])[0]
    assert doc["paragraphs"][0]["text"] == "Body\u00b7\u2192"  # Symbol F0B7 -> U+00B7, Arial 2192 -> arrow
    assert doc["footnotes"] == [{"id": "1", "texts": ["A footnote text"]}]  # separator note left out
    assert doc["endnotes"] == [{"id": "2", "texts": ["An endnote"]}]
    assert "[^1]: A footnote text" in doc["markdown"]


def test_renderings(tmp_root, rich):
    doc = read_docx([rich])[0]
    md = doc["markdown"]
    assert md.startswith("# Quarterly report\n\n## Overview\n")
    assert "- first bullet\n- nested bullet\n1. first number\n1. second number" in md
    assert "[the site](https://example.org/a%20b)" in md and "[the overview](#_Toc1)" in md
    assert "| a\\|b | multi |" in md
    assert "| wide | wide | r0c2 | r0c3 |" in md and "| block<br>second | block<br>second | r2c2 | tall |" in md
    assert "wide\t\tr0c2\tr0c3" in doc["text"].split("\n")
    assert doc["paragraphs"][1]["style_id"] == "berschrift1" and doc["paragraphs"][1]["heading"] == 1
    assert [c["author"] for c in doc["comments"]] == ["Rev"]


def test_hostile_grid_span_is_clamped(tmp_root):
    cell = '<w:tc><w:tcPr><w:gridSpan w:val="100000000"/></w:tcPr><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc>'
    path = docx_generate.package(tmp_root / "span.docx", f"<w:tbl><w:tr>{cell}</w:tr></w:tbl>")
    assert read_docx([path])[0]["tables"] == [[["x"] * 64]]
