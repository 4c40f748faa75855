"""Rollup speed and memory against the baselines of SPEC §9, measured in the same run.

    python bench/rollup.py            # 100 / 1,000 / 3,000 units
    python bench/rollup.py --small    # a quick run that proves the script works

附件1 汇总表: our builder against bare openpyxl write-only mode writing the same cells with the
same styles and merges (no row heights, no text checks; merges added straight
to the sheet's set of ranges, as ours are, since MultiCellRange.add is quadratic). 附件2 汇编: our builder against
streaming the same paragraphs as body XML into a package whose styles python-docx made.
Both write the 报送情况 sheet too (the same cells). Times are CPU seconds of this process
(the machine is shared, wall time is not comparable), best of three interleaved runs;
peak memory is traced separately (tracemalloc slows Python down, so it is not used for the times).
Targets: 汇总表 within 1.3× at 3,000 units; 汇编 within 2× at 1,000.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from openpyxl import Workbook  # noqa: E402
from openpyxl.cell import WriteOnlyCell  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from openpyxl.worksheet.cell_range import CellRange  # noqa: E402

from campaign.reports.compile import body_fields, build_compilation_docx  # noqa: E402
from campaign.reports.layout import header_rows, table_columns, unit_block  # noqa: E402
from campaign.reports.word import new_document, para, save_streamed  # noqa: E402
from campaign.reports.xlsx import STATUS_COLUMNS, build_summary_xlsx, named_styles  # noqa: E402
from tests.rollup_data import annex1_data, annex2_data, entry, form, rollup, varied_text  # noqa: E402

ANNEX1 = form("samr_2023_9", "annex1")
ANNEX2 = form("samr_2023_9", "annex2")


def annex1_rollup(units: int):
    return rollup(ANNEX1, lambda: (entry(i, annex1_data(i, 300, 1 + i % 2, varied_text)) for i in range(1, units + 1)))


def annex2_rollup(units: int):
    return rollup(ANNEX2, lambda: (entry(i, annex2_data(i, 3000, varied_text)) for i in range(1, units + 1)), key="annex2",
                  title="《质量强国建设纲要》学习宣传贯彻工作总结提纲", short="附件2")


def bare_xlsx(r, out) -> None:
    """The same cells, styles and merges with bare openpyxl write-only mode."""
    wb = Workbook(write_only=True)
    for style in named_styles():
        wb.add_named_style(style)
    ws = wb.create_sheet("汇总表")
    columns = table_columns(r.form)
    for index, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = col.width
    row = 0

    def cell(value, style):
        c = WriteOnlyCell(ws, value=value)
        c.style = style
        return c

    top, bottom, merges = header_rows(columns)
    for values in (top, bottom):
        ws.append([cell(v, "rollup_head") for v in values])
        row += 1
    for r0, c0, r1, c1 in merges:
        ws.merged_cells.ranges.add(CellRange(min_col=c0 + 1, min_row=r0 + 1, max_col=c1 + 1, max_row=r1 + 1))
    for number, e in enumerate(r.reported(), start=1):
        block = unit_block(e, columns, number, r, lambda text, unit: text)
        first = row + 1
        for values in block.grid:
            ws.append([cell(v, "rollup_text") for v in values])
            row += 1
        for r0, c0, r1, c1 in block.merges:
            ws.merged_cells.ranges.add(
                CellRange(min_col=c0 + 1, min_row=first + r0, max_col=c1 + 1, max_row=first + r1))
    status = wb.create_sheet("报送情况")
    for index, (_, width) in enumerate(STATUS_COLUMNS, start=1):
        status.column_dimensions[get_column_letter(index)].width = width
    status.append([cell(label, "rollup_head") for label, _ in STATUS_COLUMNS])
    for number, e in enumerate(r.entries(), start=1):
        values = [number, e.unit_name, e.state_label, r.short_time(e.submitted_at), e.standing.late_text,
                  e.receipt_no or "", e.contact, e.email, e.reminders, ""]
        status.append([cell(v, "rollup_text") for v in values])
    wb.save(out)


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
    args = parser.parse_args(argv)
    sizes = (5, 10, 20) if args.small else (100, 1000, 3000)
    repeat = 1 if args.small else 3
    print(f"{'what':<10}{'units':>7}{'ours s':>9}{'base s':>9}{'ratio':>7}{'ours MiB':>10}{'base MiB':>10}{'ratio':>7}")
    for name, make, ours, base in (
        ("汇总表", annex1_rollup, lambda r, o: build_summary_xlsx(r, o), bare_xlsx),
        ("汇编", annex2_rollup, lambda r, o: build_compilation_docx(r, o), streamed_docx),
    ):
        for units in sizes:
            r = make(units)
            # Best of `repeat` runs, ours and the baseline interleaved: the machine is shared.
            t_ours, t_base = float("inf"), float("inf")
            for _ in range(repeat):
                t_ours = min(t_ours, seconds(ours, r))
                t_base = min(t_base, seconds(base, r))
            m_ours, m_base = peak(ours, r), peak(base, r)
            print(f"{name:<10}{units:>7}{t_ours:>9.2f}{t_base:>9.2f}{t_ours / t_base:>7.2f}"
                  f"{m_ours:>10.1f}{m_base:>10.1f}{m_ours / m_base:>7.2f}", flush=True)
    print("targets: 汇总表 ratio ≤ 1.3 at 3000 units; 汇编 ratio ≤ 2 at 1000 units; memory flat as units grow")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
