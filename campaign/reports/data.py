"""The plain data every rollup builder works from; collect.py fills it from the database."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ..services.standing import Standing, Tally, word
from ..timefmt import format_short, local

@dataclass
class UnitEntry:
    """One recipient unit, where it stands (the standing model's verdict) and what it filed."""

    unit_name: str
    standing: Standing
    data: dict = field(default_factory=dict)
    receipt_no: str | None = None
    contact: str = ""  # the unit's registered contacts, "name phone"
    email: str = ""

    @property
    def unit_id(self) -> int:
        return self.standing.unit_id

    @property
    def reported(self) -> bool:
        return self.standing.reported

    @property
    def state_label(self) -> str:
        return self.standing.state.label

    @property
    def submitted_at(self) -> datetime | None:
        return self.standing.submitted_at if self.standing.reported else None

    @property
    def reminders(self) -> int:
        return self.standing.reminders_sent

    def contact_line(self) -> str:
        """联系人及联系方式 as filled in, else the unit's registered contact."""
        name = str(self.data.get("contact_name") or "").strip()
        phone = str(self.data.get("contact_phone") or "").strip()
        filled = " ".join(p for p in (name, phone) if p)
        return filled or self.contact


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
    counts: Tally
    missing: list[str]  # the units still owing (未报), in unit order
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
        return f"{word('missing')}单位（{len(self.missing)} 家）：{names}"


def summary_title(title: str) -> str:
    """'…情况表' → '…情况汇总表'."""
    return title[:-1] + "汇总表" if title.endswith("表") else title + "汇总表"


def compilation_title(title: str) -> str:
    """'…工作总结提纲' → '…工作总结汇编'."""
    for suffix in ("提纲", "情况"):
        if title.endswith(suffix):
            return title[: -len(suffix)] + ("汇编" if suffix == "提纲" else "情况汇编")
    return title + "汇编"
