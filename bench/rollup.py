"""Rollup speed and memory against the baselines of SPEC §9, measured in the same run.

    python bench/rollup.py            # 100 / 1,000 / 3,000 units
    python bench/rollup.py --small    # a quick run that proves the script works

附件1 汇总表: our builder against bare XlsxWriter (constant-memory mode, as ours) writing the same
cells, values, formats and merges and the same 报送情况 sheet, with none of our layout work (no row
heights, no page slices or breaks, no print setup) and XlsxWriter's public write_* calls, where ours
serialises its rows itself (xlsx_book.SheetWriter: the same XML XlsxWriter's cell writer makes). The
bench reads both files back and asserts that they hold the same cells (value and format) and merges
before it reports a ratio. 附件2 汇编:
our builder against streaming the same paragraphs as body XML into a package whose styles
python-docx made. Times are CPU seconds of this process
(the machine is shared, wall time is not comparable), best of three interleaved runs;
peak memory is traced separately (tracemalloc slows Python down, so it is not used for the times).
Targets: 汇总表 within 1.1× of XlsxWriter at 3,000 units, memory flat; 汇编 within 2× at 1,000.
"""
from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import tempfile
import time
import tracemalloc
import zipfile
from xml.etree import ElementTree

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import xlsxwriter  # noqa: E402

from campaign.reports.compile import body_fields, build_compilation_docx  # noqa: E402
from campaign.reports.layout import header_rows, table_columns, unit_block  # noqa: E402
from campaign.reports.word import new_document, para, save_streamed  # noqa: E402
from campaign.reports.text import looks_like_formula  # noqa: E402
from campaign.reports.xlsx import STATUS_COLUMNS, build_summary_xlsx  # noqa: E402
from campaign.reports.xlsx_book import SheetWriter, style_properties  # noqa: E402
from tests.rollup_data import annex1_data, annex2_data, entry, form, rollup, varied_text  # noqa: E402

ANNEX1 = form("samr_2023_9", "annex1")
ANNEX2 = form("samr_2023_9", "annex2")


def annex1_rollup(units: int):
    # The entries are made once, before any timing: the baseline writes a recorded layout and reads
    # no entries, so making them (the database's part in the app) is no part of either writer's time.
    return rollup(ANNEX1, [entry(i, annex1_data(i, 300, 1 + i % 2, varied_text)) for i in range(1, units + 1)])


def annex2_rollup(units: int):
    return rollup(ANNEX2, lambda: (entry(i, annex2_data(i, 3000, varied_text)) for i in range(1, units + 1)), key="annex2",
                  title="《质量强国建设纲要》学习宣传贯彻工作总结提纲", short="附件2")


def summary_layout(r) -> list:
    """What our builder writes, sheet by sheet: its name, column widths, rows (values and styles)
    and merges, recorded from one run (not timed) for the baseline to write."""
    sheets = []
    append, merge = SheetWriter.append, SheetWriter.merge

    def record(self):
        if not sheets or sheets[-1][0] is not self:
            sheets.append((self, self.ws.name, list(self.widths), [], []))
        return sheets[-1]

    def recording_append(self, values, styles, height=None):
        values = list(values)
        record(self)[3].append((values, styles if isinstance(styles, str) else list(styles)))
        return append(self, values, styles, height)

    def recording_merge(self, r0, c0, r1, c1):
        if (r0, c0) != (r1, c1):
            record(self)[4].append([r0 - 1, c0, r1 - 1, c1])
        merge(self, r0, c0, r1, c1)

    SheetWriter.append, SheetWriter.merge = recording_append, recording_merge
    try:
        build_summary_xlsx(r, io.BytesIO())
    finally:
        SheetWriter.append, SheetWriter.merge = append, merge
    return [sheet[1:] for sheet in sheets]


def bare_xlsx(layout, out) -> None:
    """The same cells, values, formats and merges with bare XlsxWriter in constant-memory mode."""
    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    formats = {}

    def fmt(name, quoted=False):
        if (name, quoted) not in formats:
            formats[(name, quoted)] = wb.add_format(style_properties(name, quoted))
        return formats[(name, quoted)]

    for name, widths, rows, merges in layout:
        ws = wb.add_worksheet(name)
        for index, width in enumerate(widths):
            ws.set_column_pixels(index, index, width * 7)
        for row, (values, styles) in enumerate(rows):
            for col, v in enumerate(values):
                style = styles if isinstance(styles, str) else styles[col]
                if v is None or v == "":
                    ws.write_blank(row, col, None, fmt(style))
                elif isinstance(v, int):
                    ws.write_number(row, col, v, fmt(style))
                else:
                    ws.write_string(row, col, v, fmt(style, looks_like_formula(v)))
        for r0, c0, r1, c1 in merges:  # as merge_range stores them, without rewriting the cells
            ws.merge.append([r0, c0, r1, c1])
    wb.close()


def xlsx_contents(data: bytes) -> dict:
    """Per sheet: every cell as (reference, value, format) and the set of merges; a format is what
    it looks like (font, border, alignment, quote prefix), not its index in the file."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = ElementTree.fromstring(z.read("xl/styles.xml"))
        fonts = [ElementTree.tostring(f) for f in styles.find(f"{ns}fonts")]
        borders = [ElementTree.tostring(b) for b in styles.find(f"{ns}borders")]
        looks = []
        for xf in styles.find(f"{ns}cellXfs"):
            align = xf.find(f"{ns}alignment")
            looks.append((fonts[int(xf.get("fontId", 0))], borders[int(xf.get("borderId", 0))],
                          tuple(sorted((align.attrib if align is not None else {}).items())), xf.get("quotePrefix")))
        targets = {r.get("Id"): r.get("Target") for r in
                   ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        sheets = {}
        for s in ElementTree.fromstring(z.read("xl/workbook.xml")).iter(f"{ns}sheet"):
            cells, merges = [], set()
            with z.open("xl/" + targets[s.get(rel)]) as xml:
                for _, el in ElementTree.iterparse(xml):
                    if el.tag == f"{ns}c":
                        text = el.find(f"{ns}is/{ns}t") if el.get("t") == "inlineStr" else el.find(f"{ns}v")
                        cells.append((el.get("r"), None if text is None else text.text, looks[int(el.get("s", 0))]))
                        el.clear()
                    elif el.tag == f"{ns}mergeCell":
                        merges.add(el.get("ref"))
            sheets[s.get("name")] = cells, merges
    return sheets


def same_xlsx(ours, base, r) -> str:
    """Assert that both writers put the same cells and merges in the file; say how many."""
    files = []
    for write in (ours, base):
        out = io.BytesIO()
        write(r, out)
        files.append(xlsx_contents(out.getvalue()))
    assert files[0] == files[1], "the baseline does not write the same cells and merges as ours"
    cells = sum(len(c) for c, _ in files[0].values())
    merges = sum(len(m) for _, m in files[0].values())
    return f"{cells:,} cells, {merges:,} merges"


def streamed_docx(r, out) -> None:
    """The same paragraphs as body XML, streamed into a python-docx package (no cover, no checks)."""
    sections = body_fields(r.form)

    def body():
        for e in r.reported():
            parts = [para(e.data["title"], "Unit Title")]
            for spec in sections:
                parts.append(para(spec["label"], "Heading 1"))
                parts.extend(para(line) for line in e.data[spec["key"]].split("\n"))
            yield "".join(parts)

    save_streamed(new_document(cover=True), body(), out)


def seconds(write, r) -> float:
    with tempfile.TemporaryFile() as out:
        gc.collect()
        start = time.process_time()
        write(r, out)
        return time.process_time() - start


def peak(write, r) -> float:
    """Peak traced memory in MiB while writing the rollup to a temporary file."""
    with tempfile.TemporaryFile() as out:
        gc.collect()
        tracemalloc.start()
        write(r, out)
        found = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny sizes, to check that the script runs")
    parser.add_argument("--units", type=int, nargs="+", help="the numbers of units to measure (default 100 1000 3000)")
    parser.add_argument("--only", choices=("summary", "compilation"), help="measure one rollup only")
    args = parser.parse_args(argv)
    sizes = args.units or ((5, 10, 20) if args.small else (100, 1000, 3000))
    repeat = 1 if args.small else 3
    print(f"{'what':<10}{'units':>7}{'ours s':>9}{'base s':>9}{'ratio':>7}{'ours MiB':>10}{'base MiB':>10}{'ratio':>7}")
    checked = []
    for key, name, make, ours, base in (
        ("summary", "汇总表", annex1_rollup, lambda r, o: build_summary_xlsx(r, o), None),
        ("compilation", "汇编", annex2_rollup, lambda r, o: build_compilation_docx(r, o), streamed_docx),
    ):
        if args.only and args.only != key:
            continue
        for units in sizes:
            r = make(units)
            if key == "summary":
                layout = summary_layout(r)

                def base(r, out, layout=layout):
                    bare_xlsx(layout, out)
                checked.append(f"{units} units: {same_xlsx(ours, base, r)}")
            # Best of `repeat` runs, ours and the baseline interleaved: the machine is shared.
            t_ours, t_base = float("inf"), float("inf")
            for _ in range(repeat):
                t_ours = min(t_ours, seconds(ours, r))
                t_base = min(t_base, seconds(base, r))
            m_ours, m_base = peak(ours, r), peak(base, r)
            print(f"{name:<10}{units:>7}{t_ours:>9.2f}{t_base:>9.2f}{t_ours / t_base:>7.2f}"
                  f"{m_ours:>10.1f}{m_base:>10.1f}{m_ours / m_base:>7.2f}", flush=True)
    if checked:
        print("same cells, values, formats and merges in ours and the XlsxWriter baseline: " + "; ".join(checked))
    print("targets: 汇总表 within 1.1× of the XlsxWriter baseline at 3000 units, memory flat as units grow; "
          "汇编 ratio ≤ 2 at 1000 units")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
