"""The plain data every rollup builder works from; collect.py fills it from the database."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ..timefmt import format_span, format_short, local

REPORTED_STATES = ("submitted", "accepted")
STATE_LABELS = {"not_started": "未填报", "draft": "草稿", "submitted": "已报送", "returned": "已退回",
                "accepted": "已采用"}


@dataclass
class UnitEntry:
    """One recipient unit and its submission for the deliverable."""

    unit_id: int
    unit_name: str
    state: str  # a SubmissionState value
    data: dict = field(default_factory=dict)
    submitted_at: datetime | None = None
    is_late: bool = False
    deadline: datetime | None = None  # the unit's effective deadline
    receipt_no: str | None = None
    contact: str = ""  # the unit's registered contacts, "name phone"
    email: str = ""
    reminders: int = 0

    @property
    def reported(self) -> bool:
        return self.state in REPORTED_STATES

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    def late_by(self, now: datetime) -> str:
        """How late: the submission's delay, or for a unit that still owes, how long overdue."""
        if self.deadline is None:
            return ""
        if self.reported:
            if self.is_late and self.submitted_at and self.submitted_at > self.deadline:
                return format_span(self.submitted_at - self.deadline)
            return ""
        if now > self.deadline:
            return "已逾期 " + format_span(now - self.deadline)
        return ""

    def contact_line(self) -> str:
        """联系人及联系方式 as filled in, else the unit's registered contact."""
        name = str(self.data.get("contact_name") or "").strip()
        phone = str(self.data.get("contact_phone") or "").strip()
        filled = " ".join(p for p in (name, phone) if p)
        return filled or self.contact


@dataclass
class Counts:
    """应报 (recipients), 已报 (submitted or accepted), 逾期 (of those, submitted after the unit's
    deadline), 未报 (not started, draft or returned)."""

    due: int = 0
    reported: int = 0
    late: int = 0
    missing: int = 0

    @property
    def line(self) -> str:
        return f"应报 {self.due} 家　已报 {self.reported} 家　逾期 {self.late} 家　未报 {self.missing} 家"


@dataclass
class Rollup:
    """A deliverable's submissions at one moment, ready for any builder.

    `entries` is called to stream the recipient units in unit order; it may be called more than
    once (the 报送情况 sheet reads them again) and never holds every unit's data at once.
    """

    campaign_title: str
    doc_number: str
    compiler: str  # 汇总单位
    zone: str
    generated_at: datetime
    deliverable_key: str
    deliverable_title: str
    short_title: str
    form: dict
    counts: Counts
    missing: list[str]
    entries: Callable[[], Iterable[UnitEntry]]
    photo_file: Callable[[str], str | None] = lambda photo_id: None

    def reported(self) -> Iterator[UnitEntry]:
        return (e for e in self.entries() if e.reported)

    @property
    def generated_label(self) -> str:
        t = local(self.generated_at, self.zone)
        return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"

    def short_time(self, instant: datetime | None) -> str:
        return format_short(instant, self.zone)

    @property
    def head_line(self) -> str:
        return f"汇总单位：{self.compiler}　　汇总时间：{self.generated_label}　　{self.counts.line}"

    def missing_line(self, limit: int = 200) -> str:
        """The units still missing, or '' when all have reported."""
        if not self.missing:
            return ""
        names = "、".join(self.missing[:limit])
        if len(self.missing) > limit:
            names += f" 等 {len(self.missing)} 家"
        return f"未报单位（{len(self.missing)} 家）：{names}"


def summary_title(title: str) -> str:
    """'…情况表' → '…情况汇总表'."""
    return title[:-1] + "汇总表" if title.endswith("表") else title + "汇总表"


def compilation_title(title: str) -> str:
    """'…工作总结提纲' → '…工作总结汇编'."""
    for suffix in ("提纲", "情况"):
        if title.endswith(suffix):
            return title[: -len(suffix)] + ("汇编" if suffix == "提纲" else "情况汇编")
    return title + "汇编"
