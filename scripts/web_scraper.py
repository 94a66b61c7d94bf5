"""Pull the parts of an HTML page out with BeautifulSoup: a custom_script example.

Scripts run without network access, so the page comes in the job's arguments.
args:
  html       the page's HTML (required)
  base_url   the page's address: links and image sources come out absolute
  selectors  {name: CSS selector}: the text of every match, under "selected"
  extract    which parts, among title, meta, headings, links, images, text, tables (default all)
result (only the parts asked for):
  title, meta {name or property: content}, headings [{level, text}], links [{text, href}],
  images [{src, alt}], text (the visible text, whitespace collapsed, without scripts and styles),
  tables [[[cell, ...], ...]] (rows of cell texts), and selected {name: [text, ...]} with selectors
"""
from urllib.parse import urljoin

import soupsieve
from bs4 import BeautifulSoup

import uvw

PARTS = ["title", "meta", "headings", "links", "images", "text", "tables"]
INVISIBLE = ["script", "style", "noscript", "template", "head"]


def clean(text):
    """Whitespace collapsed, as a browser shows it."""
    return " ".join(text.split())


def text_of(element):
    # Strings joined as they are: "<a><code>os</code>.path</a>" reads "os.path", not "os .path".
    return clean(element.get_text())


args = uvw.args if isinstance(uvw.args, dict) else uvw.fail("args must be a JSON object", 2)
html = args.get("html")
if html is None and args.get("url"):
    uvw.fail("args.url cannot be fetched: scripts run without network access; pass the page itself as args.html", 2)
if not isinstance(html, str):
    uvw.fail("args.html must be the page's HTML as a string", 2)
base_url = args.get("base_url")
if base_url is not None and not isinstance(base_url, str):
    uvw.fail("args.base_url must be a URL string", 2)
extract = args.get("extract", PARTS)
if not isinstance(extract, list) or not set(extract) <= set(PARTS):
    uvw.fail(f"args.extract must be a list among {', '.join(PARTS)}", 2)
selectors = args.get("selectors") or {}
if not isinstance(selectors, dict) or not all(isinstance(s, str) for s in selectors.values()):
    uvw.fail('args.selectors must be an object like {"prices": "span.price"}', 2)


def absolute(url):
    return urljoin(base_url, url) if base_url and url is not None else url


# The standard library's parser: the venv has no lxml or html5lib, and it needs no compiled code.
soup = BeautifulSoup(html, "html.parser")
uvw.progress(0.3, "parsed")
result = {}

if "title" in extract:
    result["title"] = text_of(soup.title) if soup.title else None
if "meta" in extract:
    meta = {}
    for tag in soup.find_all("meta"):
        key = tag.get("name") or tag.get("property") or tag.get("http-equiv")
        if key and tag.get("content") is not None:
            meta.setdefault(key, tag["content"])  # the first one wins, as browsers read them
    result["meta"] = meta
if "headings" in extract:
    result["headings"] = [{"level": int(h.name[1]), "text": text_of(h)}
                          for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
if "links" in extract:
    result["links"] = [{"text": text_of(a), "href": absolute(a["href"])} for a in soup.find_all("a", href=True)]
if "images" in extract:
    result["images"] = [{"src": absolute(img.get("src")), "alt": img.get("alt")} for img in soup.find_all("img")]
if "tables" in extract:
    tables = []
    for table in soup.find_all("table"):
        # Rows of this table only, not of a table nested in one of its cells.
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        tables.append([[text_of(cell) for cell in tr.find_all(["th", "td"], recursive=False)] for tr in rows])
    result["tables"] = tables
uvw.progress(0.6, "extracted")

if selectors:
    selected = {}
    for name, selector in selectors.items():
        try:
            selected[name] = [text_of(element) for element in soup.select(selector)]
        except soupsieve.SelectorSyntaxError as error:
            uvw.fail(f"args.selectors.{name}: {error}".splitlines()[0], 2)
    result["selected"] = selected

if "text" in extract:
    # Last, because it takes the invisible parts out of the tree.
    for element in soup.find_all(INVISIBLE):
        element.decompose()
    # A space between strings here, so that paragraphs do not run together ("end.Next").
    result["text"] = clean(soup.get_text(" "))

uvw.result(result)
uvw.progress(1.0, "done")
