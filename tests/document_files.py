"""Spreadsheets as units send them, for the intake and upload tests."""
from __future__ import annotations

import io

import openpyxl

from campaign.reports.template import build_template
from campaign.services.submissions import get_submission
from campaign.services.uploads import template_identity

HEADER_TOP = ["序号", "领导同志批示情况", "组织开展学习情况", "出台贯彻落实《纲要》文件情况", None, None,
              "开展的重点和特色宣传贯彻工作", "好的经验和做法"]
HEADER_BOTTOM = [None, None, None, "文件名称", "发文主体", "当前进展"]


def plain_table(unit_line: str | None, data: dict) -> bytes:
    """A table typed by a clerk from the notice, not from the template (no identity)."""
    book = openpyxl.Workbook()
    ws = book.active
    if unit_line:
        ws.append([unit_line])
    ws.append(HEADER_TOP)
    ws.append(HEADER_BOTTOM)
    documents = data.get("documents") or [{}]
    for i, doc in enumerate(documents):
        first = i == 0
        ws.append([1 if first else None, data.get("leader_instructions") if first else None,
                   data.get("study") if first else None, doc.get("name"), doc.get("issuer"), doc.get("progress"),
                   data.get("publicity") if first else None, data.get("experience") if first else None])
    ws.append(["联系人", data.get("contact_name")])
    ws.append(["联系电话", data.get("contact_phone")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_of(deliverable, unit, data) -> bytes:
    submission = get_submission(deliverable, unit)
    out = io.BytesIO()
    build_template(deliverable.form, title=deliverable.label, unit_name=unit.name, data=data,
                   identity=template_identity(submission), out=out)
    return out.getvalue()
