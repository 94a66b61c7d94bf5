"""Documents generated at test time: with python-docx where it can write the feature (tables with merges,
nested tables, lists, headings under a localized style id, headers/footers, hyperlinks, core properties),
by hand with zipfile where it cannot (footnotes, endnotes, comments with w:sym, hostile packages)."""
from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def _hyperlink(paragraph, text: str, url: str | None = None, anchor: str | None = None):
    link = OxmlElement("w:hyperlink")
    if url:
        link.set(qn("r:id"), paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
    if anchor:
        link.set(qn("w:anchor"), anchor)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _run_with(paragraph, *children: str):
    """A run made of special content elements (w:tab, w:br, w:cr, w:noBreakHyphen) around text."""
    run = paragraph.add_run()
    for child in children:
        if child.startswith("w:"):
            name, _, kind = child.partition("@")
            element = OxmlElement(name)
            if kind:
                element.set(qn("w:type"), kind)
            run._r.append(element)
        else:
            t = OxmlElement("w:t")
            t.text = child
            t.set(qn("xml:space"), "preserve")
            run._r.append(t)


def rich(path: Path) -> Path:
    d = docx.Document()
    # Localized ids: a German Word names the style "heading 1" but gives it the id "berschrift1".
    d.styles["Heading 1"].style_id = "berschrift1"
    d.add_heading("Quarterly report", level=0)
    d.add_heading("Overview", level=1)
    d.add_paragraph("Plain paragraph with a | pipe and *stars*.")
    p = d.add_paragraph("Tabs and breaks: ")
    _run_with(p, "a", "w:tab", "b", "w:br", "c", "w:cr", "d", "w:noBreakHyphen", "e", "w:br@page", "f")
    d.add_heading("Lists", level=2)
    d.add_paragraph("first bullet", style="List Bullet")
    d.add_paragraph("nested bullet", style="List Bullet 2")
    d.add_paragraph("first number", style="List Number")
    d.add_paragraph("second number", style="List Number")
    p = d.add_paragraph("See ")
    _hyperlink(p, "the site", url="https://example.org/a b")
    p.add_run(" and ")
    _hyperlink(p, "the overview", anchor="_Toc1")
    d.add_heading("Tables", level=3)
    t = d.add_table(rows=4, cols=4)
    for r in range(4):
        for c in range(4):
            t.cell(r, c).text = f"r{r}c{c}"
    t.cell(0, 0).merge(t.cell(0, 1)).text = "wide"            # horizontal span
    t.cell(1, 3).merge(t.cell(3, 3)).text = "tall"            # vertical merge over 3 rows
    t.cell(2, 0).merge(t.cell(3, 1)).text = "block\nsecond"   # 2x2 block
    inner = t.cell(1, 1).add_table(rows=2, cols=2)            # nested table
    for r in range(2):
        for c in range(2):
            inner.cell(r, c).text = f"in{r}{c}"
    t2 = d.add_table(rows=2, cols=2)
    t2.cell(0, 0).text, t2.cell(0, 1).text = "a|b", "multi"
    t2.cell(1, 0).text = "x"
    t2.cell(1, 1).add_paragraph("second paragraph")
    section = d.sections[0]
    section.header.paragraphs[0].text = "Header text"
    section.footer.paragraphs[0].text = "Footer text"
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "First page header"
    cp = d.core_properties
    cp.title, cp.subject, cp.author, cp.keywords = "Report", "Finance", "Ada", "q3, money"
    cp.comments, cp.last_modified_by, cp.revision, cp.category = "generated", "Grace", 7, "reports"
    cp.created = datetime.datetime(2024, 1, 2, 3, 4, 5)
    cp.modified = datetime.datetime(2024, 2, 3, 4, 5, 6)
    d.add_paragraph("commented").add_run("!")
    d.add_comment(d.paragraphs[-1].runs, text="A remark", author="Rev", initials="R")
    d.save(path)
    return path


def large(path: Path, paragraphs: int = 20_000) -> Path:
    """A long document for the benchmark: headings, body text, list items and a table every 100 paragraphs."""
    d = docx.Document()
    for i in range(paragraphs):
        if i % 50 == 0:
            d.add_heading(f"Section {i // 50}", level=1 + (i // 50) % 3)
        elif i % 7 == 0:
            d.add_paragraph(f"Item {i} of the list", style="List Bullet")
        else:
            p = d.add_paragraph(f"Paragraph {i}: the quick brown fox jumps over the lazy dog. ")
            p.add_run("Bold tail.").bold = True
        if i % 100 == 99:
            t = d.add_table(rows=3, cols=3)
            for r in range(3):
                for c in range(3):
                    t.cell(r, c).text = f"{i}/{r}/{c}"
    d.save(path)
    return path


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def package(path: Path, document: str, parts: dict[str, str] | None = None, rels: list[tuple[str, str]] | None = None) -> Path:
    """A minimal .docx by hand: document.xml body, extra word/ parts and their relationships."""
    rel_lines = "".join(f'<Relationship Id="rId{i + 1}" Type="{REL}/{kind}" Target="{target}"/>'
                        for i, (kind, target) in enumerate(rels or []))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", f'<?xml version="1.0"?><w:document {W}><w:body>{document}</w:body></w:document>')
        z.writestr("word/_rels/document.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'{rel_lines}</Relationships>')
        for name, xml in (parts or {}).items():
            z.writestr(name, xml)
    return path


def notes(path: Path) -> Path:
    """Footnotes, endnotes (with Word's separator notes) and w:sym, which python-docx cannot write."""
    body = ('<w:p><w:r><w:t>Body</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'
            '<w:r><w:sym w:font="Symbol" w:char="F0B7"/><w:sym w:font="Arial" w:char="2192"/></w:r></w:p>')
    separator = '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    footnotes = (f'<?xml version="1.0"?><w:footnotes {W}>{separator}'
                 '<w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">A footnote </w:t></w:r>'
                 '<w:r><w:t>text</w:t></w:r></w:p></w:footnote></w:footnotes>')
    endnotes = (f'<?xml version="1.0"?><w:endnotes {W}><w:endnote w:type="continuationSeparator" w:id="0">'
                '<w:p/></w:endnote><w:endnote w:id="2"><w:p><w:r><w:t>An endnote</w:t></w:r></w:p></w:endnote></w:endnotes>')
    return package(path, body, {"word/footnotes.xml": footnotes, "word/endnotes.xml": endnotes},
                   [("footnotes", "footnotes.xml"), ("endnotes", "endnotes.xml")])
