"""Real documents for the document_processing tests (Tests/interop/test_documents.py) and the
benchmark (bench/documents_bench.py): PDF, DOCX and text files.

Nothing here is committed: every file is fetched at test time into a cache directory
(${XDG_CACHE_HOME:-/tmp}/uvw-documents-*), or made there from fetched files.
- PyPI sdists, with `pip download --no-binary :all: --no-deps`, pinned: pypdf 7.1.1 (its
  resources/: sample PDFs, some with their known text, and the qpdf-encrypted set); python-docx
  1.2.0's feature and unit test .docx files come through docx_corpus.py (the same sdist the .docx
  differential test uses), with Debian python3-docx's template and pandoc's reference.docx.
- Debian packages, with `apt-get download` and dpkg-deb (debian_packages.unpacked): manuals shipped
  both as PDF and as plain text from the same source (debian-reference-en, developers-reference,
  maint-guide, debian-faq, debian-policy, debmake-doc in five languages); gnuplot-doc and octave-doc
  (311- and 1158-page PDFs for the pages/s benchmark); r-cran-officer (three real .docx);
  fortunes-* (real text in English, German, Czech, Polish, Russian, Bulgarian, Chinese, re-encoded
  with Python's codecs to legacy code pages; fortunes-eo-iso3 ships Esperanto in ISO-8859-3 as it
  is; Japanese and traditional Chinese come from debmake-doc's text); fonts-dejavu-core (a Unicode
  font for reportlab).
- Made at test time from those: reportlab documents (exact text known per page), encrypted copies
  (pypdf's `encrypt`), damaged copies, and a scanned page (pdftoppm at 300 dpi, wrapped by img2pdf).

Expected values come from the sources (the manuals' text renderings, pypdf's own test fixtures,
what reportlab was told to draw, what was encoded) or, for .docx, from python-docx's reading.
Page counts come from pypdf, not from poppler. Deterministic: fixed selections, fixed seeds,
reportlab's invariant mode, img2pdf without dates. Agreement of every expectation with poppler
22.12 (pdftotext, pdfinfo) and tesseract 5.3 was measured when the corpus was built: the recall
figures in the comments below.

The PDF-making functions need PyPI reportlab, pypdf, img2pdf and Pillow (scripts/install-deps.sh
--test); scanned_pdf also needs pdftoppm (Debian poppler-utils) on PATH. Made files are written to
a temporary name and renamed, but two processes making the same file at once are not guarded
against (no pytest-xdist).
"""
from __future__ import annotations

import collections
import gzip
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import docx_corpus
from debian_packages import unpacked

PYPDF_SDIST = "pypdf==7.1.1"
MANUAL_PACKAGES = ["debian-reference-en", "developers-reference", "maint-guide", "debian-faq",
                   "debian-policy", "debmake-doc"]
FORTUNE_PACKAGES = ["fortunes-min", "fortunes-de", "fortunes-ru", "fortunes-cs", "fortunes-pl",
                    "fortunes-zh", "fortunes-eo-iso3", "fortunes-bg"]
DOCX_PACKAGES = ["r-cran-officer"]
FONT_PACKAGES = ["fonts-dejavu-core"]
LARGE_PDFS = {
    # name: (package, path in it); page counts as pypdf 7.1.1 reads them
    "gnuplot": ("gnuplot-doc", "usr/share/doc/gnuplot/gnuplot.pdf"),      # 311 pages, 1.3 MB
    "octave": ("octave-doc", "usr/share/doc/octave/octave.pdf"),          # 1158 pages, 4.7 MB
}
MADE_VERSION = "2"  # bump when a made file changes, so stale caches are not reused
SEED = 20260107


# --- fetching --------------------------------------------------------------------------------

def _cache(cache_name: str) -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()) / cache_name


def sdist(cache_name: str, requirement: str) -> Path:
    """The unpacked source distribution of `requirement` (pinned), downloaded on first use."""
    base = _cache(cache_name)
    root = base / "x"
    if (root / ".complete").exists():
        return next(p for p in root.iterdir() if p.is_dir())
    base.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
                    "--no-deps", "--dest", str(base), requirement], check=True, capture_output=True)
    name = requirement.split("==")[0].replace("-", "_").replace(".", "_").lower()
    archive = next(p for p in base.glob("*.tar.gz") if p.name.lower().replace("-", "_").startswith(name))
    shutil.rmtree(root, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    (root / ".complete").touch()
    return next(p for p in root.iterdir() if p.is_dir())


def pypdf_resources() -> Path:
    return sdist("uvw-documents-pypdf", PYPDF_SDIST) / "resources"


def manuals_root() -> Path:
    return unpacked("uvw-documents-manuals", MANUAL_PACKAGES) / "usr" / "share"


def fortunes_dir() -> Path:
    return unpacked("uvw-documents-fortunes", FORTUNE_PACKAGES) / "usr" / "share" / "games" / "fortunes"


def _font() -> Path:
    return unpacked("uvw-documents-fonts", FONT_PACKAGES) / "usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _made_dir() -> Path:
    made = _cache("uvw-documents-made") / MADE_VERSION
    made.mkdir(parents=True, exist_ok=True)
    return made


def _gunzip(source: Path, made_name: str) -> Path:
    target = _made_dir() / made_name
    if not target.exists():
        tmp = target.with_suffix(".part")
        tmp.write_bytes(gzip.decompress(source.read_bytes()))
        tmp.rename(target)
    return target


def _read_text(path: Path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8")


def _page_count(path: Path, password: str | None = None) -> int:
    import pypdf
    reader = pypdf.PdfReader(path)
    if reader.is_encrypted:
        reader.decrypt(password or "")
    return len(reader.pages)


# --- comparing text --------------------------------------------------------------------------

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def normalise(text: str) -> str:
    """NFKC (ligatures such as U+FB00 become 'ff'), format characters dropped (pdftotext wraps
    right-to-left runs in U+202B ... U+202C), case folded."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf").casefold()


def words(text: str) -> list[str]:
    """The normalised words of `text`: runs of word characters, CJK runs split into single
    characters (a PDF breaks their lines anywhere, with no space to mark a word)."""
    out: list[str] = []
    for word in re.findall(r"\w+", normalise(text)):
        out.extend(word) if _CJK.search(word) else out.append(word)
    return out


def overlap(known: str, extracted: str) -> tuple[float, float]:
    """(recall, precision) of the extracted words against the known ones, as multisets: recall is
    the share of the known words found, precision the share of extracted words that are known."""
    k, e = collections.Counter(words(known)), collections.Counter(words(extracted))
    common = sum((k & e).values())
    return common / max(1, sum(k.values())), common / max(1, sum(e.values()))


# --- 1. PDFs with known text -----------------------------------------------------------------

@dataclass(frozen=True)
class KnownTextPdf:
    name: str
    path: Path
    pages: int                              # as pypdf reads it (or as reportlab made it)
    text: str                               # the whole known text
    page_texts: tuple[str, ...] | None      # per page, where known
    exact: bool                             # True: words(extracted) == words(text) is expected
    min_overlap: float                      # recall of the known words an extractor should reach
    source: str


def _debian_manuals() -> list[KnownTextPdf]:
    share = manuals_root()
    specs = [
        # name, pdf, text rendering of the same source, measured recall with poppler 22.12
        ("debian-reference.en", "debian-reference/debian-reference.en.pdf",
         "debian-reference/debian-reference.en.txt.gz", 0.95),                       # 0.984
        ("developers-reference", "developers-reference/developers-reference.pdf",
         "developers-reference/developers-reference.txt.gz", 0.95),                  # 0.997
        ("maint-guide.en", "doc/maint-guide/maint-guide.en.pdf",
         "doc/maint-guide/maint-guide.en.txt.gz", 0.95),                             # 0.985
        ("debian-faq.en", "doc/debian/FAQ/debian-faq.en.pdf.gz",
         "doc/debian/FAQ/debian-faq.en.txt.gz", 0.95),                               # 0.987
        ("debian-policy", "doc/debian-policy/policy.pdf.gz",
         "doc/debian-policy/policy.txt.gz", 0.95),                                   # 0.997
        # Apache FOP's PDF has no table of contents; the text rendering has one: 0.950 exactly.
        ("fhs-3.0", "doc/debian-policy/fhs/fhs-3.0.pdf.gz",
         "doc/debian-policy/fhs/fhs-3.0.txt.gz", 0.93),
    ]
    specs += [(f"debmake-doc.{lang}", f"doc/debmake-doc/debmake-doc.{lang}.pdf",
               f"doc/debmake-doc/debmake-doc.{lang}.txt.gz", 0.95)                   # 0.992-0.994
              for lang in ("en", "de", "ru", "ja", "zh-cn")]
    out = []
    for name, pdf, txt, floor in specs:
        path = share / pdf
        if path.suffix == ".gz":
            path = _gunzip(path, f"{name}.pdf")
        out.append(KnownTextPdf(name, path, _page_count(path), _read_text(share / txt), None, False,
                                floor, f"Debian {pdf.split('/')[-1]} with its text rendering {txt.split('/')[-1]}"))
    return out


HELLO_WORLD_LINES = [  # pypdf 7.1.1 tests/test_reader.py::test_extract_text_hello_world
    "English:", "Hello World", "Arabic:", "مرحبا بالعالم", "Russian:", "Привет, мир",
    "Chinese (traditional):", "你好世界", "Thai:", "สวัสดีชาวโลก", "Japanese:", "こんにちは世界",
]


def _pypdf_samples() -> list[KnownTextPdf]:
    resources = pypdf_resources()
    crazy = (resources / "crazyones.txt").read_text(encoding="utf-8")
    hello = "\n".join(HELLO_WORLD_LINES)
    return [
        # pdfTeX; the text is pypdf's expected extraction (tests/test_workflows.py), which drops
        # the apostrophes the font cannot map ("Heres") exactly as pdftotext does.
        KnownTextPdf("pypdf-crazyones", resources / "crazyones.pdf", 1, crazy, (crazy,), True, 0.95,
                     "pypdf sdist resources/crazyones.pdf with resources/crazyones.txt"),
        # Six scripts, Arabic right to left; Thai has no spaces between words.
        KnownTextPdf("pypdf-hello-world", resources / "hello-world.pdf", 1, hello, (hello,), True, 0.95,
                     "pypdf sdist resources/hello-world.pdf with tests/test_reader.py's lines"),
    ]


def _cookies(path: Path) -> list[str]:
    """The entries of one fortune file (separated by lines holding only '%')."""
    text = path.read_bytes().decode("utf-8", errors="strict").replace("\r\n", "\n")
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)          # the Chinese files colour their titles
    entries = re.split(r"\n%\n", "\n" + text + "\n")
    return [e.strip("\n") for e in entries if e.strip()]


def _fortune_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and not p.is_symlink() and p.suffix not in (".dat", ".u8"))


def _lines_from(paths: list[Path], count: int, width: int, fits=lambda s: True) -> list[str]:
    lines: list[str] = []
    for path in paths:
        for cookie in _cookies(path):
            for raw in cookie.split("\n"):
                raw = " ".join(raw.replace("\t", " ").split())
                if raw and raw.isprintable() and fits(raw):
                    lines.extend(textwrap.wrap(raw, width))
                if len(lines) >= count:
                    return lines[:count]
    return lines


def _reportlab_pages(name: str, pages: list[list[str]], font: str | None) -> Path:
    """A PDF with each page's lines drawn one under the other, made once."""
    target = _made_dir() / f"{name}.pdf"
    if target.exists():
        return target
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    face, size = "Helvetica", 10
    if font:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        pdfmetrics.registerFont(TTFont("DejaVuSans", font))
        face = "DejaVuSans"
    tmp = target.with_suffix(".part")
    c = canvas.Canvas(str(tmp), pagesize=A4, invariant=1)
    c.setTitle(name)
    for lines in pages:
        c.setFont(face, size)
        y = A4[1] - 56
        for line in lines:
            c.drawString(56, y, line)
            y -= size * 1.25
        c.showPage()
    c.save()
    tmp.rename(target)
    return target


def _latin1(s: str) -> bool:
    try:
        s.encode("cp1252")  # reportlab's standard fonts use WinAnsiEncoding
        return True
    except UnicodeEncodeError:
        return False


def reportlab_lines_pdf() -> KnownTextPdf:
    """Three A4 pages of 60 English lines (fortunes-min), Helvetica: exact text per page."""
    games = fortunes_dir()
    lines = _lines_from([games / "fortunes", games / "literature", games / "riddles"], 180, 90,
                        lambda s: _latin1(s) and "\b" not in s)
    pages = [lines[i:i + 60] for i in range(0, 180, 60)]
    path = _reportlab_pages("reportlab-lines", pages, None)
    texts = tuple("\n".join(p) for p in pages)
    return KnownTextPdf("reportlab-lines", path, len(pages), "\n".join(texts), texts, True, 0.95,
                        "made by reportlab from fortunes-min lines")


def reportlab_unicode_pdf() -> KnownTextPdf:
    """Four pages, DejaVu Sans embedded as a TrueType subset: German, Czech, Russian, Bulgarian."""
    games = fortunes_dir()
    font = _font()
    from reportlab.pdfbase.ttfonts import TTFont
    covered = set(TTFont("probe", font).face.charToGlyph)
    fits = lambda s: all(ord(c) in covered for c in s)  # noqa: E731
    pages = [
        _lines_from(_fortune_files(games / "de"), 50, 80, fits),
        _lines_from(_fortune_files(games / "cs"), 50, 80, fits),
        _lines_from(_fortune_files(games / "ru"), 50, 80, fits),
        _lines_from(_fortune_files(games / "bg"), 50, 80, fits),
    ]
    path = _reportlab_pages("reportlab-unicode", pages, str(font))
    texts = tuple("\n".join(p) for p in pages)
    return KnownTextPdf("reportlab-unicode", path, len(pages), "\n".join(texts), texts, True, 0.95,
                        "made by reportlab with DejaVu Sans (fonts-dejavu-core) from fortunes-de/-cs/-ru/-bg")


def reportlab_flowing_pdf() -> KnownTextPdf:
    """Justified paragraphs that flow over pages (platypus): words and their order exact, where a
    page ends is reportlab's choice, so the text is known whole, not per page."""
    target = _made_dir() / "reportlab-flowing.pdf"
    games = fortunes_dir()
    rng = random.Random(SEED)
    cookies = [" ".join(c.split()) for f in ("fortunes", "literature", "riddles") for c in _cookies(games / f)]
    # No word ending in a hyphen ("drop the Maha- and the -atman"): where it ends a justified
    # line, pdftotext takes it for a hyphenated word and joins it to the next line's first word.
    cookies = [c for c in cookies if len(c) > 150 and _latin1(c) and c.isprintable()
               and not re.search(r"\w-(\s|$)", c)]
    chosen = rng.sample(cookies, 60)
    from xml.sax.saxutils import escape
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate
    style = getSampleStyleSheet()["BodyText"]
    style.alignment = 4  # justified
    if not target.exists():
        tmp = target.with_suffix(".part")
        doc = SimpleDocTemplate(str(tmp), pagesize=A4, invariant=1, title="reportlab-flowing")
        doc.build([Paragraph(escape(c), style) for c in chosen])
        tmp.rename(target)
    return KnownTextPdf("reportlab-flowing", target, _page_count(target), "\n".join(chosen), None, True,
                        0.95, "made by reportlab platypus from 60 fortunes-min cookies over 150 characters (seeded)")


def pdfs_with_known_text() -> list[KnownTextPdf]:
    return (_pypdf_samples() + [reportlab_lines_pdf(), reportlab_unicode_pdf(), reportlab_flowing_pdf()]
            + _debian_manuals())


# --- 2. encrypted PDFs -----------------------------------------------------------------------

@dataclass(frozen=True)
class EncryptedPdf:
    name: str
    path: Path
    user_password: str        # "" when anyone may open it
    owner_password: str | None  # None: not known
    needs_password: bool      # False: opens with no password (pypdf decrypt("") and poppler succeed)
    text: str | None          # the text once opened, where known
    source: str


def encrypted_pdfs() -> list[EncryptedPdf]:
    import pypdf
    enc = pypdf_resources() / "encryption"
    base = pypdf.PdfReader(enc / "unencrypted.pdf").pages[0].extract_text()  # "pdf encryption test ..."
    qpdf = "pypdf sdist resources/encryption (made by qpdf from unencrypted.pdf)"
    out = [
        # qpdf --encrypt asdfzxcv "" (owner password empty): for R2-R4 the empty owner password
        # falls back to the user password, so "asdfzxcv" opens them as owner and "" does not open them.
        EncryptedPdf(f"qpdf-{n}", enc / f"{n}.pdf", "asdfzxcv", "asdfzxcv", True, base, f"{qpdf}: {how}")
        for n, how in [("r2-user-password", "RC4 40-bit"), ("r3-user-password", "RC4 128-bit"),
                       ("r4-user-password", "RC4 128-bit V4"), ("r4-aes-user-password", "AES-128")]
    ]
    out += [
        # The same command with AES-256 (R5, R6): the empty owner password is a real one, so ""
        # opens these as owner. Poppler and pypdf open them with no password at all.
        EncryptedPdf(f"qpdf-{n}", enc / f"{n}.pdf", "asdfzxcv", "", False, base,
                     f"{qpdf}: {how}, user password set but owner password empty")
        for n, how in [("r5-user-password", "AES-256 R5"), ("r6-user-password", "AES-256 R6")]
    ]
    out += [
        EncryptedPdf(f"qpdf-{n}", enc / f"{n}.pdf", "", owner, False, base, f"{qpdf}: {how}")
        for n, owner, how in [("r2-owner-password", "asdfzxcv", "RC4 40-bit, owner password only"),
                              ("r4-owner-password", "asdfzxcv", "RC4 128-bit V4, owner password only"),
                              ("r5-owner-password", "asdfzxcv", "AES-256 R5, owner password only"),
                              ("r6-owner-password", "asdfzxcv", "AES-256 R6, owner password only"),
                              ("r6-empty-password", "", "AES-256 R6, both passwords empty")]
    ]
    out += [
        EncryptedPdf("qpdf-r6-both-passwords", enc / "r6-both-passwords.pdf", "foo", "bar", True, base,
                     f"{qpdf}: AES-256 R6, user foo, owner bar"),
        EncryptedPdf("libreoffice-writer-password", pypdf_resources() / "libreoffice-writer-password.pdf",
                     "openpassword", None, True, None,
                     "pypdf sdist; LibreOffice Writer, one page of 'Lorem ipsum' (pypdf's test checks the start)"),
        EncryptedPdf("crazyones-encrypted-256", pypdf_resources() / "crazyones-encrypted-256.pdf",
                     "password", None, True, (pypdf_resources() / "crazyones.txt").read_text(encoding="utf-8"),
                     "pypdf sdist; AES-256 copy of crazyones.pdf"),
        EncryptedPdf("encrypted-file", pypdf_resources() / "encrypted-file.pdf", "test", "test", True, "Example",
                     "pypdf sdist (tests/test_reader.py: 'test' opens it, 'qwerty' does not; it is the owner "
                     "password too)"),
    ]
    # Made now from reportlab-lines with pypdf's encrypt: AES-256 with both passwords, and an
    # owner-only RC4-128 copy that forbids copying and printing (poppler extracts it anyway).
    lines = reportlab_lines_pdf()
    for name, user, owner, algorithm, permissions in [
        ("made-aes256-user", "uvw-user-пароль", "uvw-owner", "AES-256", -1),
        ("made-rc4-owner-only", "", "uvw-owner", "RC4-128", 0b11111111111111111111000011000000),
    ]:
        target = _made_dir() / f"{name}.pdf"
        if not target.exists():
            writer = pypdf.PdfWriter(clone_from=lines.path)
            writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm,
                           permissions_flag=permissions)
            tmp = target.with_suffix(".part")
            with open(tmp, "wb") as f:
                writer.write(f)
            tmp.rename(target)
        out.append(EncryptedPdf(name, target, user, owner, bool(user), lines.text,
                                f"reportlab-lines encrypted by pypdf ({algorithm})"))
    return out


# --- 3. damaged PDFs -------------------------------------------------------------------------

@dataclass(frozen=True)
class DamagedPdf:
    name: str
    path: Path
    damage: str
    text: str | None        # the text still there to recover (None: nothing is)
    poppler_recovers: bool  # poppler 22.12's pdftotext exits 0 with that text (it rebuilds a broken
                            # xref by scanning objects, but only when a trailer dictionary survives)


def damaged_pdfs() -> list[DamagedPdf]:
    """Made from reportlab-lines (a classic xref table, uncompressed offsets to corrupt)."""
    lines = reportlab_lines_pdf()
    good = lines.path.read_bytes()
    rng = random.Random(SEED)
    xref_at = good.rindex(b"\nxref\n") + 1
    trailer_at = good.rindex(b"trailer")
    startxref_at = good.rindex(b"startxref")

    def shifted_xref(data: bytes) -> bytes:
        head, table = data[:xref_at], data[xref_at:trailer_at]
        table = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 37), table)
        return head + table + data[trailer_at:]

    cases = [
        ("zero-bytes", b"", "empty file", None, False),
        ("header-only", b"%PDF-1.4\n", "a header and nothing else", None, False),
        ("garbage", bytes(rng.randrange(256) for _ in range(4096)), "4 KiB of random bytes", None, False),
        ("garbage-with-header", b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(4096)),
         "a PDF header then random bytes", None, False),
        ("not-a-pdf", b"PK\x03\x04" + good[:2000], "a ZIP signature in front of a PDF's first 2 KB", None, False),
        ("truncated-half", good[: len(good) // 2], "cut in the middle: no xref, no trailer", lines.page_texts[0],
         False),
        ("truncated-before-xref", good[:xref_at], "cut before the xref: every object intact, no trailer",
         lines.text, False),
        ("truncated-before-startxref", good[:startxref_at], "no startxref and no %%EOF", lines.text, True),
        ("truncated-last-bytes", good[:-12], "the last 12 bytes (part of startxref, %%EOF) cut", lines.text, True),
        ("xref-offsets-wrong", shifted_xref(good), "every xref offset 37 bytes off", lines.text, True),
        ("xref-garbled", good[:xref_at] + b"xref\n0 9\nthis is no cross-reference table\n" + good[trailer_at:],
         "the xref table replaced by junk, trailer kept", lines.text, True),
        ("startxref-wrong", good[:startxref_at] + b"startxref\n999999\n%%EOF\n", "startxref points past the end",
         lines.text, True),
    ]
    out = []
    for name, data, damage, text, recovers in cases:
        target = _made_dir() / f"damaged-{name}.pdf"
        if not target.exists():
            target.with_suffix(".part").write_bytes(data)
            target.with_suffix(".part").rename(target)
        out.append(DamagedPdf(name, target, damage, text, recovers))
    return out


# --- 4. a scanned page -----------------------------------------------------------------------

@dataclass(frozen=True)
class ScannedPdf:
    path: Path            # image-only PDF, one page
    image: Path           # the 300 dpi grayscale PNG inside it
    dpi: int
    text: str             # the page's known text
    words: tuple[str, ...]  # its normalised words, for an OCR check
    source: str


def scanned_pdf(source: str = "crazyones") -> ScannedPdf:
    """Page 1 of a real PDF rendered by pdftoppm at 300 dpi (gray) and wrapped by img2pdf as an
    image-only PDF. source: "crazyones" (pdfTeX, pypdf's sample) or "reportlab-lines"."""
    if source == "crazyones":
        pdf, text = pypdf_resources() / "crazyones.pdf", (pypdf_resources() / "crazyones.txt").read_text("utf-8")
    else:
        lines = reportlab_lines_pdf()
        pdf, text = lines.path, lines.page_texts[0]
    made = _made_dir()
    image, target = made / f"scanned-{source}.png", made / f"scanned-{source}.pdf"
    if not target.exists():
        stem = made / f"scanned-{source}-render"
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(stem)], check=True, capture_output=True)
        # pdftoppm 22.12 writes RGB PNGs even with -gray; make it 8-bit gray as a scanner would.
        from PIL import Image
        with Image.open(stem.with_suffix(".png")) as rendered:
            rendered.convert("L").save(image, dpi=(300, 300))
        stem.with_suffix(".png").unlink()
        import img2pdf
        tmp = target.with_suffix(".part")
        tmp.write_bytes(img2pdf.convert(str(image), nodate=True))
        tmp.rename(target)
    return ScannedPdf(target, image, 300, text, tuple(words(text)), f"{pdf.name} page 1")


# --- 5. DOCX ---------------------------------------------------------------------------------

# The contract's DOCX metadata keys read from core.xml -> python-docx CoreProperties attributes.
DOCX_CORE_FIELDS = {
    "title": "title", "author": "author", "subject": "subject", "keywords": "keywords", "description": "comments",
    "last_modified_by": "last_modified_by", "revision": "revision", "created": "created", "modified": "modified",
    "category": "category", "language": "language",
}


@dataclass(frozen=True)
class DocxDocument:
    name: str
    path: Path
    source: str
    paragraphs: tuple[tuple[str, str], ...]           # body paragraphs: (style name, text)
    tables: tuple[tuple[tuple[str, ...], ...], ...] | None  # top-level tables: rows of cell texts (None:
                                                      # python-docx raises reading them)
    body: tuple[str, ...]                             # body order: each paragraph's text, each table cell's
                                                      # text (a merged cell once)
    core: dict | None                                 # DOCX_CORE_FIELDS as python-docx reads them (strings,
                                                      # "" when absent, dates as YYYY-MM-DDTHH:MM:SS, revision
                                                      # int); None when the package has no core part (python-docx
                                                      # then invents its own defaults)


def _read_docx(path: Path, name: str, source: str) -> DocxDocument:
    import zipfile

    import docx
    document = docx.Document(str(path))
    paragraphs = tuple(((p.style.name if p.style is not None else ""), p.text) for p in document.paragraphs)
    try:
        tables = tuple(tuple(tuple(cell.text for cell in row.cells) for row in t.rows) for t in document.tables)
    except ValueError:  # a vMerge continuation with nothing above it
        tables = None
    body: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, docx.table.Table):
            if tables is not None:
                # A merged cell is repeated in every row and column it spans: once here. (lxml returns
                # the same proxy for an element while a reference to it is held: `kept` holds them.)
                kept: list = []
                for row in item.rows:
                    for cell in row.cells:
                        if not any(cell._tc is tc for tc in kept):
                            kept.append(cell._tc)
                            body.append(cell.text)
        else:
            body.append(item.text)
    core = None
    if "docProps/core.xml" in zipfile.ZipFile(path).namelist():
        props = document.core_properties
        core = {}
        for key, attribute in DOCX_CORE_FIELDS.items():
            value = getattr(props, attribute)
            if key == "revision":
                core[key] = value
            else:
                core[key] = value.strftime("%Y-%m-%dT%H:%M:%S") if hasattr(value, "strftime") else (value or "")
    return DocxDocument(name, path, source, paragraphs, tables, tuple(body), core)


def docx_files() -> list[tuple[str, Path, str]]:
    """(name, path, source) of every real .docx: python-docx's test files and default template
    (docx_corpus.sdist_files: small, each aimed at one feature: styles, tables, merged cells,
    sections, headers, hyperlinks, images), Debian python3-docx's template and pandoc's
    reference.docx (docx_corpus.debian_files), and the only other .docx found in Debian 12's
    packages: r-cran-officer's example.docx (headings, lists, a 13x4 table), landscape.docx and
    template.docx. Byte-identical copies (python-docx ships sct-inner-content.docx twice, and
    python3-docx's template is the sdist's) are kept once."""
    files = []
    for path in docx_corpus.sdist_files():
        inner = path.as_posix().split("/x/", 1)[1].split("/", 1)[1]  # below python_docx-1.2.0/
        files.append((f"python-docx/{inner}", path, "python-docx 1.2.0 sdist"))
    files += [(f"debian/{p.name}", p, "Debian python3-docx / pandoc-data") for p in docx_corpus.debian_files()]
    officer = unpacked("uvw-documents-docx", DOCX_PACKAGES) / "usr/lib/R/site-library/officer"
    files += [(f"r-cran-officer/{p.relative_to(officer)}", p, "Debian r-cran-officer 0.6.0")
              for p in sorted(officer.glob("*/*.docx"))]
    seen: set[bytes] = set()
    unique = []
    for name, path, source in files:
        digest = hashlib.sha256(path.read_bytes()).digest()
        if digest not in seen:
            seen.add(digest)
            unique.append((name, path, source))
    return unique


def docx_documents() -> list[DocxDocument]:
    return [_read_docx(path, name, source) for name, path, source in docx_files()]


# --- 6. text files in various encodings ------------------------------------------------------

@dataclass(frozen=True)
class TextFile:
    name: str
    path: Path
    encoding: str     # Python codec that decodes it (BOM included in the codec for -sig/-16/-32)
    label: str        # the IANA/WHATWG name a detector should report
    bom: bool
    language: str
    text: str         # the expected decoded text (no BOM)
    source: str


def _c1_bytes(codec: str):
    """A test for cookies that use the code page's 0x80-0x9F range (so that, say, windows-1252
    text is not ISO-8859-1 text too)."""
    return lambda s: any(0x80 <= b <= 0x9F for b in s.encode(codec))


def _text_sample(paths: list[Path], codec: str, limit: int = 6000, must=lambda s: True) -> str:
    """Whole cookies from `paths`, in order, that encode in `codec` (and pass `must`), up to about
    `limit` characters."""
    chosen: list[str] = []
    size = 0
    for path in paths:
        for cookie in _cookies(path):
            if any(c not in "\n\t" and not c.isprintable() for c in cookie):
                continue
            try:
                cookie.encode(codec)
            except UnicodeEncodeError:
                continue
            if not must(cookie):
                continue
            chosen.append(cookie)
            size += len(cookie)
            if size >= limit:
                return "\n%\n".join(chosen) + "\n"
    return "\n%\n".join(chosen) + "\n"


def _debmake_paragraphs(lang: str, codec: str, limit: int = 6000) -> str:
    text = _read_text(manuals_root() / f"doc/debmake-doc/debmake-doc.{lang}.txt.gz")
    chosen, size = [], 0
    for para in text.split("\n\n"):
        if not _CJK.search(para):
            continue
        try:
            para.encode(codec)
        except UnicodeEncodeError:
            continue
        chosen.append(para.strip("\n"))
        size += len(para)
        if size >= limit:
            break
    return "\n\n".join(chosen) + "\n"


def text_files() -> list[TextFile]:
    games = fortunes_dir()
    files = lambda d: _fortune_files(games / d)  # noqa: E731
    made = _made_dir()
    specs = [
        # name, language, source files or text, codec, label, bom bytes
        ("ascii-en", "en", [games / "riddles"], "ascii", "US-ASCII", b""),
        ("utf-8-de", "de", files("de"), "utf-8", "UTF-8", b""),
        ("utf-8-bom-pl", "pl", files("pl"), "utf-8", "UTF-8", b"\xef\xbb\xbf"),
        ("utf-16le-bom-ru", "ru", files("ru"), "utf-16-le", "UTF-16LE", b"\xff\xfe"),
        ("utf-16be-bom-bg", "bg", files("bg"), "utf-16-be", "UTF-16BE", b"\xfe\xff"),
        ("utf-32le-bom-zh", "zh", [games / "tang300"], "utf-32-le", "UTF-32LE", b"\xff\xfe\x00\x00"),
        ("utf-32be-bom-de", "de", files("de")[3:], "utf-32-be", "UTF-32BE", b"\x00\x00\xfe\xff"),
        ("iso-8859-1-de", "de", files("de"), "iso8859-1", "ISO-8859-1", b""),
        ("windows-1252-de", "de", files("de"), "cp1252", "windows-1252", b""),  # „“–… in every cookie
        ("iso-8859-2-cs", "cs", files("cs"), "iso8859-2", "ISO-8859-2", b""),
        ("iso-8859-2-pl", "pl", files("pl"), "iso8859-2", "ISO-8859-2", b""),
        ("windows-1250-cs", "cs", files("cs")[4:], "cp1250", "windows-1250", b""),
        ("windows-1251-ru", "ru", files("ru"), "cp1251", "windows-1251", b""),
        ("koi8-r-ru", "ru", files("ru")[10:], "koi8-r", "KOI8-R", b""),
        ("windows-1251-bg", "bg", files("bg"), "cp1251", "windows-1251", b""),
        ("gb18030-zh", "zh", [games / "tang300"], "gb18030", "GB18030", b""),
        ("big5-zh-tw", "zh", "zh-tw", "big5", "Big5", b""),
        ("shift_jis-ja", "ja", "ja", "shift_jis", "Shift_JIS", b""),
        ("euc-jp-ja", "ja", "ja", "euc_jp", "EUC-JP", b""),
    ]
    out = []
    for name, lang, sources, codec, label, bom in specs:
        if isinstance(sources, str):
            text = _debmake_paragraphs(sources, codec)
            source = f"debmake-doc.{sources}.txt paragraphs"
        else:
            text = _text_sample(sources, codec, must=_c1_bytes(codec) if codec == "cp1252" else lambda s: True)
            source = "fortunes: " + ", ".join(p.relative_to(games).as_posix() for p in sources[:3]) + \
                     (", ..." if len(sources) > 3 else "")
        target = made / f"{name}.txt"
        if not target.exists():
            target.with_suffix(".part").write_bytes(bom + text.encode(codec))
            target.with_suffix(".part").rename(target)
        python_codec = {"utf-8": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16",
                        "utf-32-le": "utf-32", "utf-32-be": "utf-32"}.get(codec, codec) if bom else codec
        out.append(TextFile(name, target, python_codec, label, bool(bom), lang, text, source))
    # Esperanto as Debian ships it: ISO-8859-3, no re-encoding.
    eo = games / "eo-iso3" / "proverbaro"
    out.append(TextFile("iso-8859-3-eo", eo, "iso8859-3", "ISO-8859-3", False, "eo",
                        eo.read_bytes().decode("iso8859-3"), "fortunes-eo-iso3 proverbaro, as shipped"))
    return out


# --- 7. large PDFs for the pages/s benchmark -------------------------------------------------

@dataclass(frozen=True)
class LargePdf:
    name: str
    path: Path
    pages: int
    source: str


def large_pdf(name: str = "gnuplot") -> LargePdf:
    package, inner = LARGE_PDFS[name]
    path = unpacked(f"uvw-documents-large-{name}", [package]) / inner
    return LargePdf(name, path, _page_count(path), f"Debian {package}")


