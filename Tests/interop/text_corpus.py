"""Real English prose for the differential tests, from Debian packages fetched with `apt-get download` at
test time (debian_packages.py, copied from the main repository) into a cache directory, never committed:
- python3.11-doc: the paragraphs (<p>) of the tutorial, HOWTO, FAQ and "What's New" pages, tags stripped
  with html.parser, code (<pre>) left out;
- debian-history: "A Brief History of Debian", the same way;
- fortunes: the cookies of ten English fortune files (wisdom, people, science, ...), wrapped lines joined, attributions dropped.
Every item is one paragraph of prose with its whitespace collapsed, since pysbd ends a sentence at every
newline and wrapped text would otherwise measure line breaks, not sentence boundaries."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from debian_packages import unpacked

PACKAGES = ["python3.11-doc", "debian-history", "fortunes"]


def root() -> Path:
    return unpacked("uvw-textanalysis-corpus", PACKAGES)


class _Paragraphs(HTMLParser):
    """The text of each <p>, skipping anything inside <pre> or <script>/<style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("pre", "script", "style"):
            self._skip += 1
        elif tag == "p" and self._skip == 0:
            self._current = []

    def handle_endtag(self, tag):
        if tag in ("pre", "script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "p" and self._current is not None:
            self.paragraphs.append(" ".join("".join(self._current).split()))
            self._current = None

    def handle_data(self, data):
        if self._current is not None and self._skip == 0:
            self._current.append(data)


def html_paragraphs(path: Path) -> list[str]:
    parser = _Paragraphs()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return [p for p in parser.paragraphs if len(p.split()) >= 3]


def python_doc_paragraphs() -> list[str]:
    html = root() / "usr/share/doc/python3.11/html"
    files = sorted(
        p for folder in ("tutorial", "howto", "faq", "whatsnew") for p in (html / folder).glob("*.html")
    )
    return [p for f in files for p in html_paragraphs(f)]


def debian_history_paragraphs() -> list[str]:
    docs = root() / "usr/share/doc/debian-history"
    files = sorted(p for p in docs.rglob("*.html") if p.name.endswith(".en.html"))
    return [p for f in files for p in html_paragraphs(f)]


def fortune_paragraphs() -> list[str]:
    games = root() / "usr/share/games/fortunes"
    result: list[str] = []
    for name in ("wisdom", "people", "science", "computers", "education", "law", "politics", "work", "humorists", "platitudes"):
        path = games / name
        if not path.exists():
            continue
        for cookie in path.read_text(encoding="utf-8", errors="replace").split("\n%\n"):
            lines = [l for l in cookie.splitlines() if not re.match(r"\s*--", l)]
            text = " ".join(" ".join(lines).split())
            if len(text.split()) >= 3:
                result.append(text)
    return result


def all_paragraphs() -> dict[str, list[str]]:
    return {"python-doc": python_doc_paragraphs(), "debian-history": debian_history_paragraphs(), "fortunes": fortune_paragraphs()}


def documents() -> list[str]:
    """Whole documents for the summary: each Python tutorial/HOWTO page and each debian-history chapter, its
    paragraphs joined by blank lines."""
    html = root() / "usr/share/doc/python3.11/html"
    files = sorted(p for folder in ("tutorial", "howto") for p in (html / folder).glob("*.html"))
    docs = root() / "usr/share/doc/debian-history"
    files += sorted(p for p in docs.rglob("*.html") if p.name.endswith(".en.html"))
    result = ["\n\n".join(html_paragraphs(f)) for f in files]
    return [d for d in result if len(d.split()) >= 100]
