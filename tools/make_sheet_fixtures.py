#!/usr/bin/env python3
"""Writes the spreadsheet fixtures of tests/data/ (York's area 1 as .xlsx and .csv, a tracker
whose RAG cells are only fill colours, and broken workbooks) with the standard library only.

Run from the repository root: python3 tools/make_sheet_fixtures.py
The output is byte-for-byte the same on every run (fixed zip timestamps), so the committed
files can be checked against it.
"""

import csv
import io
import re
import zipfile
from xml.sax.saxutils import escape

DATA = "tests/data"
YORK = f"{DATA}/york-wsoa-area1.txt"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOOK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

# Cell styles (index into cellXfs): 0 plain, 1-4 a solid red/amber/green/white fill, 5 a date.
FILLS = {"red": 1, "amber": 2, "green": 3, "white": 4}
DATE = 5


def york_table():
    """The York text table's title, area line, finding, header and rows, each row's cells as
    the text importer joins them (a cell's lines joined by one space); row 1.3B's missing Lead
    cell put back as an empty cell, where the importer places it."""
    lines = open(YORK, encoding="utf-8").read().splitlines()
    title, area, finding, header = lines[0], lines[1], lines[2], lines[3]
    rows, current = [], None
    for line in lines[5:]:
        if re.match(r"^\d+\.\d+ *\|", line):
            current = []
            rows.append(current)
        current.append(line.strip())
    cells_of = lambda text: [c.strip() for c in text.split("|")]
    table = []
    for row in rows:
        cells = cells_of(" ".join(row))
        while cells and cells[-1] == "":
            cells.pop()
        if len(cells) == 16:
            cells.insert(5, "")
        table.append(cells)
    head = [c for c in cells_of(header) if c]
    return title, area, finding, head, table


def cell_xml(ref, value, style=0):
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def sheet_xml(rows, merges=(), styles=None):
    """rows: lists of cell values (str, number or None); styles: {(row, col): style index}."""
    styles = styles or {}
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}"><sheetData>']
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            style = styles.get((r, c), 0)
            if value in ("", None) and not style:
                continue
            cells.append(cell_xml(f"{col(c)}{r + 1}", None if value == "" else value, style))
        for (sr, sc), style in sorted(styles.items()):
            if sr == r and sc >= len(row):
                cells.append(cell_xml(f"{col(sc)}{r + 1}", None, style))
        if cells:
            out.append(f'<row r="{r + 1}">{"".join(cells)}</row>')
    out.append("</sheetData>")
    if merges:
        out.append(f'<mergeCells count="{len(merges)}">')
        out.extend(f'<mergeCell ref="{m}"/>' for m in merges)
        out.append("</mergeCells>")
    out.append("</worksheet>")
    return "".join(out)


def styles_xml():
    fills = ['<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
    for rgb in ["FFFF0000", "FFFFC000", "FF00B050", "FFFFFFFF"]:
        fills.append(f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/><bgColor indexed="64"/></patternFill></fill>')
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
    for fill_id in range(2, 6):
        xfs.append(f'<xf numFmtId="0" fontId="0" fillId="{fill_id}" borderId="0" xfId="0" applyFill="1"/>')
    xfs.append('<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        "</styleSheet>"
    )


def xlsx(path, sheet, name="Sheet1"):
    parts = {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{CT}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{BOOK_CT}"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_CT}"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{STYLES_CT}"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f'<sheets><sheet name="{escape(name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": styles_xml(),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for part, text in parts.items():
            info = zipfile.ZipInfo(part, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    data = buffer.getvalue()
    with open(path, "wb") as f:
        f.write(data)
    return data


def york_rows(reviews):
    """York's area 1 laid out as a tracker: title, area row, finding, header with the first
    `reviews` RAG columns, a blank row after 1.2, and 1.3's Number cell merged over its two rows.
    Returns the rows and the merged ranges."""
    title, area, finding, head, table = york_table()
    width = 8 + reviews
    rows = [[title], [area], [finding], head[:width]]
    merges = [f"A2:{col(width - 1)}2"]
    previous = None
    for cells in table:
        number = cells[0]
        if number == previous:
            merges.append(f"A{len(rows)}:A{len(rows) + 1}")
            cells = [""] + cells[1:]
        previous = number
        rows.append(cells[:width])
        if cells[0] == "1.2":
            rows.append([])
    return rows, merges


def main():
    rows, merges = york_rows(9)
    xlsx(f"{DATA}/york-wsoa-area1.xlsx", sheet_xml(rows, merges))
    short, short_merges = york_rows(8)
    xlsx(f"{DATA}/york-wsoa-area1-to-dec21.xlsx", sheet_xml(short, short_merges))

    # The same table as CSV, with a byte order mark as Excel writes it; no merged cells there.
    title, area, finding, head, table = york_table()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([[title], [area], [finding], head])
    for cells in table:
        writer.writerow(cells)
        if cells[0] == "1.2":
            writer.writerow([])
    with open(f"{DATA}/york-wsoa-area1.csv", "w", encoding="utf-8-sig", newline="") as f:
        f.write(out.getvalue())

    # A tracker whose RAG cells hold no text, only a fill; the last column is named by a date.
    tracker = [
        ["Action tracker, autumn 2020"],
        ["Ref", "Action", "Owner", "Due date", "Nov 2020", 44255],
        ["1.1", "Agree the outcomes framework", "CCG", "March 2021", "Completed", ""],
        ["1.2", "Publish the joint dashboard", "CYC", "June 2021", "", ""],
    ]
    fills = {(2, 5): FILLS["green"], (3, 4): FILLS["red"], (3, 5): FILLS["amber"], (1, 5): DATE}
    xlsx(f"{DATA}/tracker-fill-only.xlsx", sheet_xml(tracker, styles=fills))

    # Broken: a header with no Number column; a workbook cut short (a damaged zip).
    no_number = [row[1:] for row in rows]
    xlsx(f"{DATA}/york-no-number.xlsx", sheet_xml(no_number))
    whole = open(f"{DATA}/york-wsoa-area1.xlsx", "rb").read()
    with open(f"{DATA}/york-corrupt.xlsx", "wb") as f:
        f.write(whole[: len(whole) // 2])


if __name__ == "__main__":
    main()
