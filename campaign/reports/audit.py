"""The security audit as a spreadsheet or CSV: every cell text, so nothing in it becomes a formula."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ..timefmt import local
from .text import clean, looks_like_formula

COLUMNS = ["序号", "日期时间", "事件类型", "事件", "主体（账号）", "客体", "结果", "来源地址", "详情"]
RESULT_WORDS = {"success": "成功", "failure": "失败"}
LABELS = {
    "login": "登录", "login_failed": "登录失败", "login_throttled": "登录被限制", "logout": "退出",
    "password_set": "设置密码", "password_changed": "修改密码", "password_link_sent": "发送设置密码链接",
    "access_refused": "越权访问被拒绝", "account_disabled": "停用账号", "account_enabled": "启用账号",
    "account_created": "创建账号", "units_imported": "导入单位名单", "export": "导出或下载", "audit_exported": "导出审计记录", "audit_purged": "清理过期审计记录",
    "submitted": "报送", "returned": "退回", "accepted": "采用", "withdrawn": "撤回", "draft_started": "开始填写",
    "extension_granted": "批准延期", "campaign_created": "创建通知", "campaign_published": "发布通知",
    "campaign_closed": "结束通知", "campaign_edited": "修改通知", "recipients_changed": "调整报送单位",
    "relay_created": "转发通知", "gathered": "汇总下级材料", "taken_in": "代报", "file_uploaded": "上传文件",
    "file_applied": "导入文件", "files_attached": "附上汇总文件", "reminder_sent": "发送催报",
    "reminder_failed": "催报发送失败", "reminders_requested": "手动催报", "photos_uploaded": "上传照片",
    "photo_deleted": "删除照片", "deliverables_added": "添加报送事项", "deliverable_removed": "删除报送事项",
    "reminder_schedule_changed": "修改催报安排",
}


def rows(entries: Iterable, zone: str, labels: dict[str, str]) -> Iterable[list[str]]:
    """One row per entry: date and time, type, event, subject, object, result, address, detail."""
    for entry in entries:
        subject = f"{entry.user.username}（{entry.user.name}）" if entry.user else "—"
        detail = dict(entry.detail or {})
        target = detail.pop("target", None) or detail.pop("username", None) or ""
        objects = [f"通知 {entry.campaign_id}" if entry.campaign_id else "", f"单位 {entry.unit_id}" if entry.unit_id else "",
                   str(target)]
        yield [str(entry.id), f"{local(entry.at, zone):%Y-%m-%d %H:%M:%S}", "安全" if entry.is_security else "业务",
               labels.get(entry.action, entry.action),
               subject, " ".join(o for o in objects if o) or "—", RESULT_WORDS.get(entry.result, entry.result),
               entry.address or "—", "；".join(f"{k}={v}" for k, v in detail.items() if k != "address")]


def _safe(value: str) -> str:
    value = clean(value)
    return "'" + value if looks_like_formula(value) else value


def build_csv(lines: Iterable[list[str]], out: BinaryIO) -> None:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow([_safe(v) for v in line])
    out.write(("\ufeff" + text.getvalue()).encode("utf-8"))  # with a BOM, so Excel reads it as UTF-8


def build_xlsx(lines: Iterable[list[str]], out: BinaryIO) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("安全审计")
    ws.append(COLUMNS)
    for line in lines:
        ws.append([_text_cell(ws, v) for v in line])
    wb.save(out)


def _text_cell(ws, value: str) -> WriteOnlyCell:
    """A text cell set directly: openpyxl would otherwise turn "=…" into a formula."""
    cell = WriteOnlyCell(ws)
    cell._value = clean(value)
    cell.data_type = "s"
    cell.quotePrefix = looks_like_formula(cell._value)
    return cell
