"""A deterministic corpus of >= 2,000 varied texts for the tokenizer and embedding differential tests.

Real text is fetched at test time with `apt-get download` into ${XDG_CACHE_HOME:-/tmp}/uvw-text-corpus
(never committed) and unpacked with dpkg-deb:
- debian-reference-{en,de,fr,es,it,pt,ja,zh-cn}: the Debian Reference manual's HTML in eight languages,
  paragraphs and list items as written (with their newlines, entities and odd spacing);
- iso-codes: the gettext catalogues of country, language, script and currency names in ~160 locales
  (Arabic, Hebrew, Greek, Cyrillic, Indic, Thai, Korean, Ethiopic, ...).
Then systematic cases: accents, CJK, emoji, control and zero-width characters, combining marks,
Turkish İ, German ß, Greek final sigma, right-to-left scripts, words over 100 characters, texts over
256 tokens, punctuation runs, numbers, URLs, the empty string and whitespace only.
"""
from __future__ import annotations

import gettext
import html.parser
from pathlib import Path

from debian_packages import unpacked

LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "ja", "zh-cn"]
PACKAGES = [f"debian-reference-{lang}" for lang in LANGUAGES] + ["iso-codes"]


def corpus_root() -> Path:
    return unpacked("uvw-text-corpus", PACKAGES)


class _Paragraphs(html.parser.HTMLParser):
    """The text of each <p>, <li>, <dt> and <title>, nested markup flattened, whitespace kept as is."""

    BLOCKS = {"p", "li", "dt", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.current: list[str] = []
        self.paragraphs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            if self.depth == 0:
                self.current = []
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.BLOCKS and self.depth > 0:
            self.depth -= 1
            if self.depth == 0:
                text = "".join(self.current)
                if text.strip():
                    self.paragraphs.append(text)

    def handle_data(self, data):
        if self.depth > 0:
            self.current.append(data)


def _every(items: list[str], count: int) -> list[str]:
    """`count` items spread evenly over `items`, deterministically."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def manual_paragraphs(root: Path, lang: str) -> list[str]:
    paragraphs: list[str] = []
    for page in sorted((root / "usr/share/debian-reference").glob(f"*.{lang}.html")):
        parser = _Paragraphs()
        parser.feed(page.read_text(encoding="utf-8"))
        paragraphs.extend(parser.paragraphs)
    return paragraphs


def catalogue_strings(root: Path) -> list[str]:
    texts: list[str] = []
    locales = root / "usr/share/locale"
    for locale in sorted(p.name for p in locales.iterdir()):
        for domain in ("iso_3166-1", "iso_639-2", "iso_15924", "iso_4217"):
            mo = locales / locale / "LC_MESSAGES" / f"{domain}.mo"
            if not mo.exists():
                continue
            with open(mo, "rb") as f:
                catalog = gettext.GNUTranslations(f)._catalog  # noqa: SLF001 - the stdlib's own parse of the .mo
            translated = sorted(v for k, v in catalog.items() if k and isinstance(v, str) and v)
            # A few single names plus one text joining a dozen, per locale and catalogue.
            picked = _every(translated, 4)
            texts.extend(picked)
            if translated:
                texts.append(", ".join(_every(translated, 12)))
    return texts


def systematic_cases() -> list[str]:
    long_word = "pneumonoultramicroscopicsilicovolcanoconiosis" * 3
    cases = [
        "", " ", "   ", "\t\n\r ", "\u00a0\u2003\u3000", "\n\n\n",
        "Hello, world!", "HELLO WORLD", "hello world",
        # Accents and combining marks, precomposed and decomposed.
        "café naïve résumé coöperate façade jalapeño", "cafe\u0301 nai\u0308ve", "Ångström ÅNGSTRÖM \u212bngstrom",
        "e\u0301\u0327\u0300 a\u0327\u0301 o\u031b\u0323", "Zalgo: Z\u0351\u036b\u0343a\u0306\u0310l\u033fg\u0346o\u0352",
        "Việt Nam Tiếng Việt có dấu", "Łódź Kraków Gdańsk Wrocław żółć", "Ærøskøbing Œuvre œuf",
        # Turkish, German, Greek.
        "İstanbul İZMİR ıIiİ DİYARBAKIR", "i\u0307stanbul", "Straße STRASSE Maß ẞ GROẞ",
        "ΟΔΥΣΣΕΥΣ Οδυσσεύς σοφός ΣΟΦΟΣ ς Σ", "Ελληνικά: ἄλφα ᾅ ῷ ΐ ΰ",
        # CJK and other East Asian scripts.
        "北京欢迎你", "東京都渋谷区", "日本語のテキストとカタカナ、ひらがな。", "한국어 텍스트 안녕하세요", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
        "CJK ext B: 𠀀𠀁𪜀 compat: 豈更車", "㐀㐁 〇 ㈱ ㍿", "中文，标点；符号：“引号”（括号）【方括号】",
        # Emoji and symbols.
        "I ❤️ emoji 😀🎉👍🏽 👨‍👩‍👧‍👦 🇩🇪 🏳️‍🌈", "🤣🥰🫠🪿", "★☆♠♣♥♦ ∑∏∫√∞ ≤≥≠ ← → ⇒", "€100 £50 ¥1000 ₹500 ₿",
        # Control, format, zero-width and private-use characters.
        "a\x00b\x01c\x07d\x1be\x7ff\x85g", "zero\u200bwidth\u200cnon\u200djoiner\u2060word\ufeffbom",
        "soft\u00adhyphen", "\ufffdreplacement\ufffd", "private\ue000use\uf8ff", "bidi\u202eoverride\u202c\u2066iso\u2069",
        "line\u2028separator\u2029paragraph", "tab\tseparated\tvalues\nnew line\r\nwindows",
        "\x0bvertical\x0cform feed", "variation\ufe0fselector\ufe0e",
        # Right-to-left scripts.
        "مرحبا بالعالم", "اللغة العربية الفصحى، مع التشكيل: كِتَابٌ", "שלום עולם", "עִבְרִית עם ניקוד", "فارسی: سلام دنیا",
        "Русский текст: Привет, мир! Ёлка ЁЖ", "Українська: Їжак, ґанок", "हिन्दी पाठ नमस्ते", "বাংলা লেখা", "தமிழ் உரை",
        "ภาษาไทย สวัสดีครับ", "ქართული ენა", "Հայերեն", "አማርኛ ቋንቋ", "ᏣᎳᎩ", "ꦗꦮ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐁𝐨𝐥𝐝 𝟙𝟚𝟛",
        # Long words and texts.
        long_word, long_word[:99], long_word[:100], long_word[:101], "x" * 100, "x" * 101, "é" * 101, "word " + "a" * 200 + " end",
        "antidisestablishmentarianism supercalifragilisticexpialidocious", "unaffable unbelievable ungooglable",
        " ".join(["token"] * 300), " ".join(["word"] * 253), " ".join(["word"] * 254), " ".join(["word"] * 255),
        "!" * 300, "a." * 200, "北" * 400,
        # Punctuation, numbers, URLs, code.
        "!!!???...---___***", "\"quoted\" 'single' `backtick` «guillemets» „deutsch“ ‹›", "a--b—c–d―e", "¿Qué? ¡Sí!",
        "3.14159 2,718 1e-10 -42 +7 0x1F 1_000_000 ½ ¾ ² ³ Ⅻ ⑤", "12:30 2024-01-15 15/01/2024 #hashtag @mention",
        "https://example.com/path?query=1&x=y#frag", "mailto:someone@example.org ftp://ftp.debian.org/debian/",
        "def f(x): return x**2 # comment", "if (a && b || !c) { return a[i] + b->c; }", "<html><body>&amp;&lt;&gt;</body></html>",
        "C++ C# F# .NET Node.js e.g. i.e. U.S.A.", "don't can't won't it's y'all", "[CLS] [SEP] [UNK] [PAD] [MASK] ##ing",
        # Special tokens are matched verbatim in the raw text (case-sensitive, even inside words).
        "a[SEP]b", "[cls] [Sep]", "x[MASK][MASK]y", "[[SEP]]", "[SEP", "ab[UNK]cd", "İ[PAD]ß",
    ]
    return cases


def tokenizer_corpus() -> list[str]:
    root = corpus_root()
    texts = systematic_cases()
    per_language = {}
    for lang in LANGUAGES:
        paragraphs = manual_paragraphs(root, lang)
        per_language[lang] = paragraphs
        texts.extend(_every(paragraphs, 180))
    # Long texts (well over 256 tokens): runs of consecutive paragraphs.
    for lang, paragraphs in per_language.items():
        for start in range(0, min(len(paragraphs), 600), 120):
            texts.append("\n".join(paragraphs[start:start + 40]))
    texts.extend(catalogue_strings(root))
    return texts


if __name__ == "__main__":
    corpus = tokenizer_corpus()
    print(len(corpus), "texts,", sum(len(t) for t in corpus), "characters")
