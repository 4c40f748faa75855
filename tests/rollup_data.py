"""In-memory rollups for the builder tests and the benchmark (no database)."""
from __future__ import annotations

import functools
import random
from types import SimpleNamespace
from datetime import datetime, timedelta, timezone

from campaign.definitions.presets import load_preset
from campaign.models import CampaignState, LatePolicy, SubmissionState
from campaign.reports.data import Rollup, UnitEntry
from campaign.services.standing import LastReminder, Tally, Terms, stand

NOW = datetime(2023, 4, 2, 2, 0, tzinfo=timezone.utc)
DEADLINE = datetime(2023, 3, 31, 15, 59, 59, tzinfo=timezone.utc)
PARAGRAPH = "各级市场监管部门要将学习宣传贯彻《纲要》作为一项重要任务抓紧抓好，围绕习近平总书记关于质量强国重要论述，综合利用多种形式手段，大力宣传质量强国建设的重大意义、目标要求和重点任务，迅速掀起宣传高潮，营造良好社会氛围。"


def form(preset: str, key: str) -> dict:
    return next(d for d in load_preset(preset).deliverables if d.key == key).form


def text_of(chars: int, seed: int = 0) -> str:
    """Chinese text of about `chars` characters in paragraphs of about 300."""
    base = PARAGRAPH * (chars // len(PARAGRAPH) + 2)
    start = seed % len(PARAGRAPH)
    text = base[start:start + chars]
    return "\n".join(text[i:i + 300] for i in range(0, len(text), 300))


POOL = sorted(set(PARAGRAPH + "质量强国建设纲要学习宣传贯彻工作总结提纲市场监管部门组织开展领导批示文件发文主体进展经验做法典型案例"))


@functools.cache
def _random_text() -> str:
    return "".join(random.Random(2023).choices(POOL, k=1 << 20))


def varied_text(chars: int, seed: int = 0) -> str:
    """Like `text_of`, but cut from a long run of randomly drawn characters, so that it compresses
    about as badly as real prose rather than like one sentence repeated (realistic file sizes)."""
    source = _random_text()
    start = (seed * 7919) % (len(source) - chars)
    text = source[start:start + chars]
    return "\n".join(text[i:i + 300] for i in range(0, len(text), 300))


def annex1_data(i: int, cell_chars: int = 300, documents: int = 2, text_of=text_of) -> dict:
    return {
        "leader_instructions": text_of(cell_chars, i), "study": text_of(cell_chars, i + 1),
        "documents": [{"name": f"贯彻落实《质量强国建设纲要》实施方案（第{j + 1}号）", "issuer": "省委、省政府",
                       "progress": "已印发"} for j in range(documents)],
        "documents_none": documents == 0,
        "publicity": text_of(cell_chars, i + 2), "experience": text_of(cell_chars, i + 3),
        "contact_name": "张三", "contact_phone": f"010-8226{i % 10000:04d}",
    }


def annex2_data(i: int, total_chars: int = 3000, text_of=text_of) -> dict:
    each = total_chars // 5
    return {"title": f"第{i}单位学习宣传贯彻《质量强国建设纲要》工作总结", "learning": text_of(each, i),
            "documents": text_of(each, i + 1), "activities": text_of(each, i + 2),
            "experience": text_of(each, i + 3), "exemplars": text_of(each, i + 4)}


TERMS = Terms(deliverable_id=1, deadline=DEADLINE, late_policy=LatePolicy.flag, cutoff=None,
              campaign_state=CampaignState.published)


def entry(i: int, data: dict, state: str = "submitted", late: bool = False, reminders: int = 0) -> UnitEntry:
    """A unit's entry whose standing comes from the standing rule, as collect() makes it."""
    state = SubmissionState(state)
    submitted_at = ((DEADLINE + timedelta(hours=5) if late else DEADLINE - timedelta(days=1))
                    if state.reported else None)
    row = SimpleNamespace(id=i, state=state, submitted_at=submitted_at, return_reason="请补充" if state.is_returned
                          else None, updated_at=submitted_at, returned_at=None, accepted_at=None)
    return UnitEntry(
        unit_name=f"第{i}单位市场监督管理局", data=data,
        standing=stand(TERMS, i, NOW, submission=row,
                       reminded=LastReminder("overdue_2", NOW, reminders) if reminders else None),
        receipt_no=f"HZ20230330-001{i:05d}-01" if state.reported else None,
        contact=f"联系人{i} 010-6000{i % 10000:04d}", email=f"u{i}@example.cn")


def rollup(form_def: dict, make_entries, *, key="annex1", title="《质量强国建设纲要》学习宣传贯彻情况表",
           short="附件1", missing=(), photo_file=None) -> Rollup:
    """A rollup whose entries are produced afresh by `make_entries()` on every pass."""
    entries = list(make_entries) if not callable(make_entries) else None
    produce = (lambda: iter(entries)) if entries is not None else make_entries
    return Rollup(
        campaign_title="市场监管总局关于认真学习宣传贯彻《质量强国建设纲要》的通知", doc_number="国市监质发〔2023〕9号",
        compiler="国家市场监督管理总局质量发展局", zone="Asia/Shanghai", generated_at=NOW, deliverable_key=key,
        deliverable_title=title, short_title=short, form=form_def,
        counts=Tally.of(e.standing for e in produce()),
        missing=list(missing) or [e.unit_name for e in produce() if not e.reported], entries=produce,
        photo_file=photo_file or (lambda photo_id: None))
