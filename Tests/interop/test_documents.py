"""The document_processing task type end to end: a real worker with the repository's plugins.yaml (the
documents entry, process isolation, as shipped) judged through its HTTP API on real documents
(documents_corpus.py): PDFs whose text is known from their source, encrypted and damaged PDFs, a
scanned page, python-docx's and Debian's .docx files, and text in twenty encodings.

Expected values come from the sources, never from the plugin: the known texts, pypdf (page counts,
metadata, page sizes), python-docx (paragraphs, tables, core properties), the bytes that were encoded,
poppler's pdftotext for which page is which, and the TextAnalysis references already in this directory
(summary_reference.py for words, top terms and the TextRank summary; pysbd and textstat for sentence
counts and readability). Every hostile input must leave the worker answering `GET /health`.

Two workers: `worker` with DOCUMENTS_DIR and FETCH_ALLOW=127.0.0.1/32, and `limited`, whose documents
entry is the shipped one with small limits (max_input_mb 1, max_pages 5, max_characters 1000, and
memory_mb 100 for each tool: enough for poppler's text, too little for tesseract) and no
DOCUMENTS_DIR or FETCH_ALLOW."""
from __future__ import annotations

import base64
import collections
import datetime
import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Optional

import pypdf
import pysbd
import pytest

import documents_corpus as dc
import summary_reference as ref
import textstat_reference as ts
import uvw_text
from local_files import LocalFiles
from shipped_worker import start_shipped_worker
from test_worker_interop import REPO, WORKER_BIN, WorkerProc

DOCUMENTS_PLUGIN = REPO / ".build" / "debug" / "libDocumentsPlugin.so"
TASK = "document_processing"
LIMITS = {"max_input_mb": 1, "max_pages": 5, "max_characters": 1000, "memory_mb": 100}

KNOWN = dc.pdfs_with_known_text()
KNOWN_BY_NAME = {pdf.name: pdf for pdf in KNOWN}
ENCRYPTED = dc.encrypted_pdfs()
DAMAGED = dc.damaged_pdfs()
DOCX = dc.docx_documents()
TEXTS = dc.text_files()
TEXTS_BY_NAME = {t.name: t for t in TEXTS}


# --- workers ----------------------------------------------------------------------------------------

def start(tmp_root: Path, config: Optional[dict] = None, **env: str) -> WorkerProc:
    return start_shipped_worker(tmp_root, "documents", config, ("DOCUMENTS_DIR", "FETCH_ALLOW"), **env)


@pytest.fixture(scope="module")
def built():
    if not WORKER_BIN.exists() or not DOCUMENTS_PLUGIN.exists():
        pytest.skip("the debug build is missing (.build/debug/uvian-worker, libDocumentsPlugin.so)")


@pytest.fixture(scope="module")
def docs_dir(tmp_root) -> Path:
    """DOCUMENTS_DIR: one real PDF, a sub-directory, a symlink leading out, and a file outside."""
    root = tmp_root / "documents"
    (root / "sub").mkdir(parents=True)
    shutil.copy(KNOWN_BY_NAME["reportlab-lines"].path, root / "sub" / "lines.pdf")
    outside = tmp_root / "outside.pdf"
    shutil.copy(KNOWN_BY_NAME["pypdf-crazyones"].path, outside)
    (root / "leads-out.pdf").symlink_to(outside)
    (root / "a-directory.pdf").mkdir()
    return root


@pytest.fixture(scope="module")
def files_server():
    server = LocalFiles({"crazyones.pdf": KNOWN_BY_NAME["pypdf-crazyones"].path,
                         "example.docx": next(d.path for d in DOCX if d.name.endswith("example.docx"))}).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def worker(built, tmp_root, docs_dir):
    proc = start(tmp_root, DOCUMENTS_DIR=str(docs_dir), FETCH_ALLOW="127.0.0.1/32")
    yield proc
    proc.terminate()
    proc.wait_stopped()


@pytest.fixture(scope="module")
def limited(built, tmp_root):
    proc = start(tmp_root, config=LIMITS)
    yield proc
    proc.terminate()
    proc.wait_stopped()


# --- calling it -------------------------------------------------------------------------------------

def b64(data: bytes | Path) -> str:
    return base64.b64encode(data.read_bytes() if isinstance(data, Path) else data).decode()


def run(worker: WorkerProc, wait: int = 120, **parameters: Any) -> dict:
    try:
        task = worker.execute(TASK, parameters, wait=wait)
    except OSError as error:  # connection refused or reset: say why the worker is gone
        raise AssertionError(f"{error}; alive: {worker.alive}; log: {worker.log_text()[-3000:]}") from error
    assert worker.http("GET", "/health")[0] == 200, "the worker stopped answering"
    return task


def completed(worker: WorkerProc, **parameters: Any) -> dict:
    task = run(worker, **parameters)
    assert task["status"] == "completed", {k: v for k, v in task.items() if k != "parameters"}
    return task["result"]


def failed(worker: WorkerProc, **parameters: Any) -> str:
    task = run(worker, **parameters)
    assert task["status"] == "failed", str(task)[:2000]
    return task["error"]


def refused(worker: WorkerProc, parameters: dict) -> str:
    """The body of a 422 answer to `POST /execute` (refused at submit time)."""
    code, body = worker.http("POST", "/execute", {"task_type": TASK, "parameters": parameters})
    assert code == 422, (parameters.keys(), code, body)
    assert worker.http("GET", "/health")[0] == 200
    return str(body)


def ta_words(text: str) -> int:
    """Words as TextAnalysis defines them (summary_reference.words is that specification)."""
    return len(ref.words(text))


def nonempty(text: Optional[str]) -> Optional[str]:
    return text.strip() if isinstance(text, str) and text.strip() else None


# --- PDFs with known text ---------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", KNOWN, ids=[p.name for p in KNOWN])
def test_pdf_text_equals_the_known_text(worker, pdf):
    result = completed(worker, content=b64(pdf.path))
    assert result["operation"] == "extract_text" and result["document_type"] == "pdf" and result["format"] == "text"
    assert result["truncated"] is False
    assert result["page_count"] == pdf.pages == result["metadata"]["page_count"]
    pages = result["pages"]
    assert [p["number"] for p in pages] == list(range(1, pdf.pages + 1))
    assert result["text"] == "\n\n".join(p["text"] for p in pages), "pages joined by a blank line"
    assert result["characters"] == len(result["text"])
    assert result["words"] == ta_words(result["text"])
    for page in pages:
        assert page["characters"] == len(page["text"]) and page["words"] == ta_words(page["text"])
        if "ocr" in page:  # only a page without a text layer (a blank one in a manual) is OCR'd
            assert page["ocr"] is True and not dc.words(page["text"]), page
            # tesseract's mean word confidence; null when it found no word at all
            confidence = page["ocr_confidence"]
            assert (confidence is None and not page["text"]) or (isinstance(confidence, (int, float)) and 0 <= confidence <= 100), page
    assert result["ocr_pages"] == sum("ocr" in p for p in pages)
    if pdf.page_texts is not None:
        assert result["ocr_pages"] == 0, "every page has text"
    if pdf.exact:
        assert dc.words(result["text"]) == dc.words(pdf.text)
    recall, _ = dc.overlap(pdf.text, result["text"])
    assert recall >= pdf.min_overlap, recall
    if pdf.page_texts is not None:
        for page, expected in zip(pages, pdf.page_texts):
            assert dc.words(page["text"]) == dc.words(expected), f"page {page['number']}"
    assert result["source"]["kind"] == "content"
    assert result["source"]["bytes"] == pdf.path.stat().st_size
    assert result["source"]["sha256"] == hashlib.sha256(pdf.path.read_bytes()).hexdigest()


def pdf_date(value: Optional[str]) -> Optional[datetime.datetime]:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@pytest.mark.parametrize("pdf", KNOWN, ids=[p.name for p in KNOWN])
def test_pdf_metadata_equals_pypdf(worker, pdf):
    result = completed(worker, content=b64(pdf.path), pages="1")
    meta = result["metadata"]
    reader = pypdf.PdfReader(pdf.path)
    info = reader.metadata or {}
    for ours, theirs in [("title", "/Title"), ("author", "/Author"), ("subject", "/Subject"), ("keywords", "/Keywords"),
                         ("creator", "/Creator"), ("producer", "/Producer")]:
        assert nonempty(meta[ours]) == nonempty(info.get(theirs)), ours
    for ours, theirs in [("created", reader.metadata.creation_date if reader.metadata else None),
                         ("modified", reader.metadata.modification_date if reader.metadata else None)]:
        got = pdf_date(meta[ours])
        assert (got is None) == (theirs is None), (ours, meta[ours], theirs)
        if got is not None:
            assert got.replace(tzinfo=None) == theirs.replace(tzinfo=None), (ours, meta[ours], theirs)
            if got.tzinfo and theirs.tzinfo:
                assert got.utcoffset() == theirs.utcoffset(), (ours, meta[ours], theirs)
    box = reader.pages[0].cropbox  # what pdfinfo reports as the page size
    width, height = float(box.width), float(box.height)
    if reader.pages[0].rotation % 180:
        width, height = height, width
    assert abs(meta["page_size"]["width"] - width) < 0.5 and abs(meta["page_size"]["height"] - height) < 0.5
    if pdf.name.startswith("reportlab-"):
        assert meta["page_size"]["name"] == "A4", "reportlab was told A4"
    assert meta["pdf_version"] == reader.pdf_header.removeprefix("%PDF-")
    assert meta["encrypted"] is False and isinstance(meta["tagged"], bool)
    assert meta["page_count"] == pdf.pages


def pdftotext_page(path: Path, number: int) -> str:
    return subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", "-f", str(number), "-l", str(number), str(path), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")


def test_page_selection_on_a_real_manual(worker):
    pdf = KNOWN_BY_NAME["maint-guide.en"]
    data = b64(pdf.path)
    result = completed(worker, content=data, pages="1-3,7")
    assert result["page_count"] == pdf.pages, "page_count is the document's, not the selection's"
    assert [p["number"] for p in result["pages"]] == [1, 2, 3, 7]
    for page in result["pages"]:
        assert dc.words(page["text"]) == dc.words(pdftotext_page(pdf.path, page["number"])), page["number"]
    assert result["text"] == "\n\n".join(p["text"] for p in result["pages"])
    tail = completed(worker, content=data, pages=f"{pdf.pages - 2}-")
    assert [p["number"] for p in tail["pages"]] == [pdf.pages - 2, pdf.pages - 1, pdf.pages]
    single = completed(worker, content=data, pages=7)
    assert [p["number"] for p in single["pages"]] == [7]
    assert single["pages"][0]["text"] == result["pages"][3]["text"]


def test_page_selection_with_known_page_texts(worker):
    pdf = KNOWN_BY_NAME["reportlab-unicode"]
    result = completed(worker, content=b64(pdf.path), pages="2-")
    assert [p["number"] for p in result["pages"]] == [2, 3, 4]
    for page in result["pages"]:
        assert dc.words(page["text"]) == dc.words(pdf.page_texts[page["number"] - 1])


def test_pages_beyond_the_end_fail_naming_pages(worker):
    """Contract reading: a selection with no page in the document is an error naming `pages` (it is
    known only at run time, like `pages` for a docx)."""
    pdf = KNOWN_BY_NAME["reportlab-lines"]
    assert "pages" in failed(worker, content=b64(pdf.path), pages="7")
    assert "pages" in failed(worker, content=b64(pdf.path), pages="4-")


# --- encrypted --------------------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", ENCRYPTED, ids=[p.name for p in ENCRYPTED])
def test_encrypted_pdf(worker, pdf):
    data = b64(pdf.path)
    if pdf.needs_password:
        bare = failed(worker, content=data)
        assert bare.startswith("password_required"), bare
        wrong = failed(worker, content=data, password=pdf.user_password + "x")
        assert wrong.startswith("password_required"), wrong
        assert wrong != bare, "the error says whether the password was missing or wrong"
        result = completed(worker, content=data, password=pdf.user_password)
    else:
        result = completed(worker, content=data)
    assert result["metadata"]["encrypted"] is True
    reader = pypdf.PdfReader(pdf.path)
    reader.decrypt(pdf.user_password)
    assert result["page_count"] == len(reader.pages)
    if pdf.text is not None:
        recall, _ = dc.overlap(pdf.text, result["text"])
        assert recall >= 0.95, recall
    elif pdf.name == "libreoffice-writer-password":
        assert result["text"].lstrip().startswith("Lorem ipsum"), result["text"][:80]
    assert dc.words(result["text"])


def test_the_owner_password_opens_too(worker):
    """Contract reading: `password` is tried as the owner password as well (Acrobat and poppler's
    tools open a document with either)."""
    pdf = next(p for p in ENCRYPTED if p.name == "qpdf-r6-both-passwords")
    result = completed(worker, content=b64(pdf.path), password=pdf.owner_password)
    assert dc.overlap(pdf.text, result["text"])[0] >= 0.95


# --- damaged and mislabelled ------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", DAMAGED, ids=[p.name for p in DAMAGED])
def test_damaged_pdf(worker, pdf):
    data = pdf.path.read_bytes()
    if pdf.poppler_recovers:
        result = completed(worker, content=b64(data))
        assert dc.overlap(pdf.text, result["text"])[0] >= 0.95
        return
    error = failed(worker, content=b64(data), document_type="pdf")
    if data[:1024].find(b"%PDF-") >= 0 or not data:
        assert error.startswith("invalid_document"), error
    else:
        # No %PDF- header: random bytes are detected as text, so a type mismatch is as right.
        assert error.startswith(("invalid_document", "type_mismatch")), error


def test_zero_bytes_are_an_invalid_document(worker):
    for parameters in ({"content": ""}, {"content": "", "document_type": "pdf"}, {"content": "", "document_type": "docx"}):
        error = failed(worker, **parameters)
        assert error.startswith("invalid_document"), (parameters, error)


def test_a_docx_labelled_pdf_is_a_type_mismatch(worker):
    docx_file = next(d.path for d in DOCX if d.name.endswith("example.docx"))
    error = failed(worker, content=b64(docx_file), document_type="pdf")
    assert error.startswith("type_mismatch") and "'pdf'" in error and "docx" in error, error
    error = failed(worker, content=b64(KNOWN_BY_NAME["reportlab-lines"].path), document_type="docx")
    assert error.startswith("type_mismatch") and "'docx'" in error and "pdf" in error, error


def test_a_broken_docx_is_an_invalid_document(worker):
    docx_file = next(d.path for d in DOCX if d.name.endswith("example.docx")).read_bytes()
    error = failed(worker, content=b64(docx_file[: len(docx_file) // 2]), document_type="docx")
    assert error.startswith(("invalid_document", "type_mismatch")), error


# --- OCR --------------------------------------------------------------------------------------------

def test_a_scanned_page_is_ocrd(worker):
    scan = dc.scanned_pdf("crazyones")
    result = completed(worker, content=b64(scan.path))
    assert result["page_count"] == 1 and result["ocr_pages"] == 1
    page = result["pages"][0]
    assert page["ocr"] is True and 50 < page["ocr_confidence"] <= 100, page.get("ocr_confidence")
    recall, precision = dc.overlap(scan.text, page["text"])
    assert recall >= 0.9 and precision >= 0.9, (recall, precision)
    never = completed(worker, content=b64(scan.path), ocr="never")
    assert not dc.words(never["text"]) and "ocr" not in never["pages"][0] and never["ocr_pages"] == 0


def test_unknown_ocr_language_is_refused_naming_the_installed_ones(worker):
    body = refused(worker, {"content": b64(dc.scanned_pdf("crazyones").path), "languages": "xxx"})
    assert "languages" in body and "eng" in body, body


# --- DOCX -------------------------------------------------------------------------------------------

def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("doc", DOCX, ids=[d.name for d in DOCX])
def test_docx_against_python_docx(worker, doc):
    result = completed(worker, content=b64(doc.path))
    assert result["document_type"] == "docx" and "pages" not in result
    if doc.tables is not None:
        assert [t["rows"] for t in result["tables"]] == [[list(row) for row in table] for table in doc.tables]
    # Every paragraph and cell python-docx reads is in the text, in body order; line by line, since
    # python-docx leaves a table nested in a cell out of the cell's text (blk-paras-and-tables.docx).
    text, at = squash(result["text"]), 0
    for piece in doc.body:
        for line in piece.split("\n"):
            line = squash(line)
            if line:
                found = text.find(line, at)
                assert found >= 0, (line, text[at:at + 200])
                at = found + len(line)
    assert result["characters"] == len(result["text"])
    if doc.core is not None:
        meta = result["metadata"]
        for key, expected in doc.core.items():
            got = meta[key]
            if key == "revision":
                got = int(got) if got not in (None, "") else 0
            elif key in ("created", "modified"):
                got = got[:19] if got else ""
            else:
                got = got or ""
            assert got == expected, (key, meta[key], expected)


HEADINGS = [d for d in DOCX if any(re.fullmatch(r"Heading [1-6]", s) and t.strip() for s, t in d.paragraphs)]


@pytest.mark.parametrize("doc", HEADINGS, ids=[d.name for d in HEADINGS])
def test_docx_headings_are_markdown_headings(worker, doc):
    result = completed(worker, content=b64(doc.path), format="markdown")
    assert result["format"] == "markdown"
    lines = {squash(re.sub(r"\\(.)", r"\1", line)) for line in result["text"].splitlines()}
    # A document with a Title paragraph has it as "#", and its headings one level down (as docling
    # exports them), so the title stays above every section.
    shift = 1 if any(style == "Title" for style, _ in doc.paragraphs) else 0
    for style, text in doc.paragraphs:
        level = re.fullmatch(r"Heading ([1-6])", style)
        if level and text.strip():
            assert "#" * min(6, int(level.group(1)) + shift) + " " + squash(text) in lines, (style, text, shift)
        if style == "Title" and text.strip():
            assert "# " + squash(text) in lines, text


def test_docx_refuses_pages(worker):
    docx_file = next(d.path for d in DOCX if d.name.endswith("example.docx"))
    assert "pages" in failed(worker, content=b64(docx_file), pages="1")


# --- TXT --------------------------------------------------------------------------------------------

ALIASES = {"US-ASCII": {"US-ASCII", "ASCII", "UTF-8"}, "ISO-8859-1": {"ISO-8859-1", "WINDOWS-1252"}}


@pytest.mark.parametrize("item", TEXTS, ids=[t.name for t in TEXTS])
def test_text_file_is_decoded(worker, item):
    result = completed(worker, content=b64(item.path))
    assert result["document_type"] == "txt"
    assert result["text"] == item.text
    label = item.label.upper()
    assert result["encoding"].upper() in ALIASES.get(label, {label}), (result["encoding"], item.label)
    utf8 = item.encoding in ("ascii", "utf-8")
    assert result["encoding_source"] == ("bom" if item.bom else "utf-8" if utf8 else "detected")
    assert result["metadata"]["encoding"] == result["encoding"]
    assert result["metadata"]["lines"] == item.text.count("\n") + (not item.text.endswith("\n"))
    assert result["characters"] == len(item.text)


def test_plain_text_content(worker):
    item = TEXTS_BY_NAME["utf-8-de"]
    result = completed(worker, content=item.text, document_type="txt")
    assert result["document_type"] == "txt" and result["text"] == item.text
    same = completed(worker, content=item.text, content_encoding="text")
    assert same["text"] == item.text


def test_txt_refuses_pages(worker):
    assert "pages" in failed(worker, content="just text", document_type="txt", pages="1")


# --- analyze ----------------------------------------------------------------------------------------

LANGUAGES = [("ascii-en", "en"), ("utf-8-de", "de"), ("utf-8-bom-pl", "pl"), ("utf-16le-bom-ru", "ru"),
             ("iso-8859-2-cs", "cs"), ("windows-1251-ru", "ru"), ("iso-8859-2-pl", "pl")]
# (The Japanese and traditional Chinese samples are debmake-doc paragraphs, mostly English commands
# and titles: no language to expect of them.)
OTHER_LANGUAGES = [("utf-16be-bom-bg", "bg"), ("gb18030-zh", "zh"), ("iso-8859-3-eo", "eo")]


def primary(code: str) -> str:
    """The language subtag of a BCP 47 code ("zh-CN" -> "zh")."""
    return code.split("-")[0].lower()


@pytest.mark.parametrize("name, code", LANGUAGES)
def test_language_is_detected(worker, name, code):
    result = completed(worker, content=b64(TEXTS_BY_NAME[name].path), operation="analyze")
    assert result["language"] is not None and primary(result["language"]["code"]) == code, result["language"]
    assert 0 <= result["language"]["confidence"] <= 1


@pytest.mark.parametrize("name, code", OTHER_LANGUAGES)
def test_other_languages_are_right_or_unknown(worker, name, code):
    """Languages a small detector may not know: null, or the right one among the candidates."""
    language = completed(worker, content=b64(TEXTS_BY_NAME[name].path), operation="analyze")["language"]
    if language is not None:
        assert code in [primary(c) for c in [language["code"], *language["candidates"]]], language


@pytest.mark.parametrize("name, code", [("debmake-doc.en", "en"), ("debmake-doc.de", "de"), ("debmake-doc.ru", "ru")])
def test_language_of_a_real_pdf(worker, name, code):
    result = completed(worker, content=b64(KNOWN_BY_NAME[name].path), operation="analyze", pages="10-20")
    assert primary(result["language"]["code"]) == code, result["language"]
    assert [p["number"] for p in result["pages"]] == list(range(10, 21))


def test_analyze_counts_against_the_references(worker):
    item = TEXTS_BY_NAME["ascii-en"]
    text = item.text
    result = completed(worker, content=b64(item.path), operation="analyze")
    assert result["operation"] == "analyze" and result["document_type"] == "txt" and result["truncated"] is False
    assert result["characters"] == len(text)
    assert result["words"] == ta_words(text)
    assert abs(result["words"] / ts.lexicon_count(text) - 1) < 0.05
    # pysbd ends a sentence at every line break of these Q/A lines: it gets the text as one line.
    sentences = len(pysbd.Segmenter(language="en", clean=False).segment(" ".join(text.split())))
    assert abs(result["sentences"] / sentences - 1) < 0.15, (result["sentences"], sentences)
    assert result["paragraphs"] >= 1
    if uvw_text.BINARY.exists():
        # TextAnalysis itself (judged against pysbd and textstat in test_sentences/test_readability)
        # on the same text: the plugin must hand it the decoded text whole.
        stats = uvw_text.call({"mode": "stats", "texts": [text]})["stats"][0]
        for key in ("words", "sentences", "paragraphs"):
            assert result[key] == stats[key], key
        for key in ("flesch_reading_ease", "flesch_kincaid_grade", "reading_time_seconds", "average_sentence_length"):
            assert abs(result[key] - stats[key]) <= 0.051, (key, result[key], stats[key])  # rounded
    assert abs(result["average_sentence_length"] - result["words"] / result["sentences"]) <= 0.0051
    assert abs(result["reading_time_seconds"] - result["words"] / 238 * 60) <= 0.051
    assert abs(result["flesch_reading_ease"] - ts.flesch_reading_ease(text)) < 15
    assert abs(result["flesch_kincaid_grade"] - ts.flesch_kincaid_grade(text)) < 3
    if uvw_text.stop_words_file().exists():
        stop_words = ref.stop_word_set(uvw_text.load_stop_words())
        assert [(t["term"], t["count"]) for t in result["top_terms"]] == ref.top_terms(text, stop_words, 20)
    assert result["metadata"]["encoding"]


def test_analyze_counts_per_pdf_page(worker):
    pdf = KNOWN_BY_NAME["reportlab-lines"]
    result = completed(worker, content=b64(pdf.path), operation="analyze")
    assert result["page_count"] == 3 and [p["number"] for p in result["pages"]] == [1, 2, 3]
    for page, known in zip(result["pages"], pdf.page_texts):
        assert page["words"] == ta_words(known), page["number"]
        assert page["characters"] > 0 and page["sentences"] >= 1
    assert result["words"] == sum(p["words"] for p in result["pages"])
    assert primary(result["language"]["code"]) == "en"


# --- summarize --------------------------------------------------------------------------------------

def check_summary(result: dict, text: str, k: int) -> None:
    chosen = result["sentences"]
    assert result["operation"] == "summarize" and result["max_sentences"] == k
    assert 1 <= len(chosen) <= k
    assert [s["index"] for s in chosen] == sorted({s["index"] for s in chosen}), "document order, no repeats"
    for s in chosen:
        assert text[s["start"]:s["end"]] == s["text"] and s["text"].strip() == s["text"] and s["text"]
    assert result["summary"] == " ".join(s["text"] for s in chosen)
    assert result["sentence_count"] >= len(chosen)


def is_prose(sentence: str) -> bool:
    """The plugin's rule for summary sentences (not yet in the contract): it ends with . ! ? or …
    (closing quotes and brackets aside), has four words or more, and no dot leaders."""
    core = sentence.rstrip("\"')]\u201d\u2019\u00bb")
    return (core[-1:] in (".", "!", "?", "\u2026") and len(ref.words(sentence)) >= 4
            and ". . . ." not in sentence and "...." not in sentence)


def reference_summary(text: str, k: int) -> tuple[list[int], list[list[int]], Any]:
    """The TextRank reference over TextAnalysis' sentence split of the same text: the k best prose
    sentences by score (ties to the earlier one), topped up with the best others if there are too few."""
    spans = uvw_text.call({"mode": "sentences", "texts": [text]})["sentences"][0]
    sentences = [text[s:e] for s, e in spans]
    scores, _ = ref.scores(sentences, ref.stop_word_set(uvw_text.load_stop_words()))
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    chosen = [i for i in order if is_prose(sentences[i])][:k]
    chosen += [i for i in order if i not in chosen][:k - len(chosen)]
    chosen.sort()
    return chosen, [spans[i] for i in chosen], scores


@pytest.fixture(scope="module")
def have_reference():
    if not uvw_text.BINARY.exists() or not uvw_text.stop_words_file().exists():
        pytest.skip("uvw-text or the stop words are missing (swift build; scripts/install-models.sh)")


def test_summary_of_a_text_file(worker, have_reference):
    item = TEXTS_BY_NAME["ascii-en"]
    first = completed(worker, content=b64(item.path), operation="summarize", max_sentences=4)
    check_summary(first, item.text, 4)
    chosen, spans, scores = reference_summary(item.text, 4)
    assert [s["index"] for s in first["sentences"]] == chosen
    assert [[s["start"], s["end"]] for s in first["sentences"]] == spans
    for s in first["sentences"]:
        assert abs(s["score"] - scores[s["index"]]) < 1e-6
    assert first["sentence_count"] == len(scores)
    again = completed(worker, content=b64(item.path), operation="summarize", max_sentences=4)
    assert again["sentences"] == first["sentences"] and again["summary"] == first["summary"]


def test_summary_of_a_pdf(worker, have_reference):
    pdf = KNOWN_BY_NAME["reportlab-flowing"]
    text = completed(worker, content=b64(pdf.path))["text"]
    assert dc.words(text) == dc.words(pdf.text)
    result = completed(worker, content=b64(pdf.path), operation="summarize")
    check_summary(result, text, 5)
    assert len(result["sentences"]) == 5
    chosen, spans, _ = reference_summary(text, 5)
    assert [s["index"] for s in result["sentences"]] == chosen
    assert [[s["start"], s["end"]] for s in result["sentences"]] == spans
    one = completed(worker, content=b64(pdf.path), operation="summarize", max_sentences=1)
    check_summary(one, text, 1)
    assert len(one["sentences"]) == 1


# --- sources ----------------------------------------------------------------------------------------

def test_path_sources(worker, docs_dir):
    lines = KNOWN_BY_NAME["reportlab-lines"]
    result = completed(worker, path="sub/lines.pdf")
    assert dc.words(result["text"]) == dc.words(lines.text)
    source = result["source"]
    assert source["kind"] == "path" and source["bytes"] == lines.path.stat().st_size
    assert source["sha256"] == hashlib.sha256(lines.path.read_bytes()).hexdigest()
    assert completed(worker, path=str(docs_dir / "sub" / "lines.pdf"))["source"]["sha256"] == source["sha256"]
    for path in ["../outside.pdf", "sub/../../outside.pdf", str(docs_dir.parent / "outside.pdf"), "/etc/passwd",
                 "leads-out.pdf", "a-directory.pdf", "missing.pdf"]:
        error = failed(worker, path=path)
        assert "path" in error, (path, error)


def test_url_source_through_the_allowlist(worker, files_server):
    pdf = KNOWN_BY_NAME["pypdf-crazyones"]
    url = f"http://127.0.0.1:{files_server.port}/crazyones.pdf"
    result = completed(worker, url=url)
    assert dc.words(result["text"]) == dc.words(pdf.text)
    assert result["source"]["kind"] == "url" and result["source"]["url"] == url
    assert result["source"]["sha256"] == hashlib.sha256(pdf.path.read_bytes()).hexdigest()
    docx_result = completed(worker, url=f"http://127.0.0.1:{files_server.port}/example.docx")
    assert docx_result["document_type"] == "docx"
    assert failed(worker, url=f"http://127.0.0.1:{files_server.port}/missing.pdf")


def test_loopback_url_and_path_refused_without_configuration(limited, files_server):
    assert failed(limited, url=f"http://127.0.0.1:{files_server.port}/crazyones.pdf")
    assert "path" in failed(limited, path="lines.pdf"), "an empty DOCUMENTS_DIR refuses every path"


# --- parameter errors -------------------------------------------------------------------------------

def test_bad_parameters_are_refused_naming_the_field(worker):
    pdf = b64(KNOWN_BY_NAME["reportlab-lines"].path)
    cases = [
        ({"content": pdf, "bogus": 1}, ["bogus"]),
        ({"content": pdf, "path": "sub/lines.pdf"}, ["content", "path"]),
        ({"content": pdf, "url": "http://127.0.0.1/x.pdf"}, ["content", "url"]),
        ({"operation": "analyze"}, ["content", "path", "url", "source"]),
        ({"content": pdf, "pages": "abc"}, ["pages"]),
        ({"content": pdf, "pages": "0"}, ["pages"]),
        ({"content": pdf, "format": "html"}, ["format"]),
        ({"content": pdf, "ocr": "sometimes"}, ["ocr"]),
        ({"content": pdf, "operation": "translate"}, ["operation"]),
        ({"content": pdf, "operation": "summarize", "max_sentences": 0}, ["max_sentences"]),
        ({"content": pdf, "operation": "summarize", "max_sentences": 101}, ["max_sentences"]),
        ({"content": pdf, "document_type": "odt"}, ["document_type"]),
        ({"content": pdf, "content_encoding": "hex"}, ["content_encoding"]),
    ]
    for parameters, names in cases:
        body = refused(worker, parameters)
        assert any(name in body for name in names), (names, body)
    # What the schema cannot say (a reversed range, base64 that does not decode) fails the task
    # when it runs, naming the field.
    for parameters, name in [({"content": pdf, "pages": "3-1"}, "pages"), ({"content": "%%% not base64 %%%"}, "content")]:
        error = failed(worker, **parameters)
        assert error.startswith(name), (parameters.keys(), error)


# --- limits -----------------------------------------------------------------------------------------

def test_input_larger_than_max_input_mb(limited):
    big = dc.large_pdf("gnuplot")
    assert big.path.stat().st_size > 1 << 20
    assert "max_input_mb" in failed(limited, content=b64(big.path))


def test_more_pages_than_max_pages(limited):
    pdf = KNOWN_BY_NAME["fhs-3.0"]
    assert pdf.pages > LIMITS["max_pages"] and pdf.path.stat().st_size < 1 << 20
    error = failed(limited, content=b64(pdf.path))
    assert "max_pages" in error, error
    assert "max_pages" in failed(limited, content=b64(pdf.path), pages="1-6")
    result = completed(limited, content=b64(pdf.path), pages="1-5")
    assert result["page_count"] == pdf.pages
    # max_characters (1000) may cut the text inside the selection: the pages kept are its first ones.
    numbers = [p["number"] for p in result["pages"]]
    assert numbers and numbers == list(range(1, len(numbers) + 1)) and len(numbers) <= 5, numbers


def test_max_characters_truncates(limited):
    pdf = KNOWN_BY_NAME["reportlab-lines"]
    result = completed(limited, content=b64(pdf.path))
    assert result["truncated"] is True and 0 < result["characters"] <= LIMITS["max_characters"]
    got, known = dc.words(result["text"]), dc.words(pdf.text)
    assert got[:-1] == known[:len(got) - 1], "a prefix of the document (the last word may be cut)"
    item = TEXTS_BY_NAME["utf-8-de"]
    text = completed(limited, content=b64(item.path))
    assert text["truncated"] is True and 0 < len(text["text"]) <= LIMITS["max_characters"]
    assert item.text.startswith(text["text"])
    analyzed = completed(limited, content=b64(item.path), operation="analyze")
    assert analyzed["truncated"] is True and analyzed["characters"] <= LIMITS["max_characters"]


def test_ocr_past_memory_mb_fails_naming_the_limit(limited):
    error = failed(limited, content=b64(dc.scanned_pdf("crazyones").path))
    assert error.startswith("ocr_failed: tesseract on page 1") and "memory_mb 100" in error, error


def slot_processes() -> list[str]:
    """Processes of the documents plugin's sandbox uids (101000 + slot) still running."""
    out = subprocess.run(["ps", "-eo", "uid=,pid=,args="], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if 101_000 <= int(line.split()[0]) < 102_000]


def test_the_job_timeout_stops_the_tools(worker):
    """OCR of 30 pages takes a minute; a 3 s job timeout ends it, and no tool process is left."""
    manual = KNOWN_BY_NAME["debian-reference.en"]
    code, task = worker.http("POST", "/execute?wait=30", {"task_type": TASK, "parameters": {
        "content": b64(manual.path), "pages": "1-30", "ocr": "always"}, "options": {"timeout_s": 3}}, timeout=40)
    assert code in (200, 202) and task["status"] == "failed", task
    assert "timed out" in task["error"] or task["error"].startswith("timeout"), task["error"]
    assert worker.http("GET", "/health")[0] == 200
    if os.geteuid() == 0:  # only root runs the tools as slot uids
        deadline = time.monotonic() + 5
        while slot_processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not slot_processes(), slot_processes()


def test_workers_survived(worker, limited):
    assert worker.alive, worker.log_text()[-4000:]
    assert limited.alive, limited.log_text()[-4000:]
    assert worker.http("GET", "/health")[0] == 200 and limited.http("GET", "/health")[0] == 200


def test_corpus_counts():
    """The corpus is as large as the tests claim (a fetch that silently lost files would pass them)."""
    assert len(KNOWN) >= 16 and len(ENCRYPTED) >= 17 and len(DAMAGED) >= 12 and len(TEXTS) >= 20
    assert len(DOCX) >= 48 and sum(d.tables is not None and bool(d.tables) for d in DOCX) >= 8
    assert collections.Counter(t.language for t in TEXTS)["de"] >= 4
    assert os.path.exists(dc.scanned_pdf("crazyones").path)
