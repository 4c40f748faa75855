"""A notice document read into a proposed campaign: every value with the sentence it came from.

The notice arrives as lines (`campaign.documents.notice_reader` turns a Word file into the same
lines a pasted text gives: one per paragraph, a table row as its cells joined by tabs). Nothing is
guessed silently: a value the notice does not give stays empty with a note saying so, and each
value found carries its source, shown to the coordinator beside the value before the draft is made.

What is read, in the words notices use:
- 标题 (the line with 关于…通知, possibly over several lines), 文号 (…〔2023〕9号), 发文单位
  (the …文件 masthead or the title's part before 关于), 印发日期 (…年…月…日印发);
- 联系人, 电话, 邮箱 and the office the materials go to (报送至…科);
- each annex (附件 N, its title on the next line): a table becomes a form of text boxes, one per
  column, where a header cell spanning several columns becomes a repeatable group of them; the
  blanks beneath the table (联系人及联系方式：____) become fields; an outline becomes sections from its
  numbered headings (一、 / （一） / 1.) with the lines under them as guidance, and a 字数 limit
  (字数控制在3000字以内) becomes a limit over the sections;
- the deadline of each annex from the sentence that names it (…年…月…日前, …月底前, …下班前, 于…前报送);
- a notice whose annexes are only reading material asks in its text for what to send
  (…情况汇报以及相关的信息和照片…同时报送 2 篇…体会): a titled report, photos, a set number of essays.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

import yaml

CN_DIGITS = "零一二三四五六七八九十"
SPACE_RE = re.compile(r"[ \u3000\xa0]+")
CJK = r"\u3400-\u9fff\uff00-\uffef\u3000-\u303f《》“”（）"
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{2,12}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d{1,4}\s*号")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"(?<![\d-])(?:1[3-9]\d{9}|(?:\d{3,4}-)?\d{7,8}(?:-\d{1,5})?)(?![\d])")
ANNEX_RE = re.compile(r"^附\s*件\s*([0-9一二三四五六七八九十]+)\s*$")
ANNEX_LIST_RE = re.compile(r"^附\s*件\s*[:：]")
BLANK_RE = re.compile(r"^(?P<label>[^:：_]{2,30}?)\s*[:：]\s*_{2,}\s*$")
OUTLINE_RE = re.compile(r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}\s*[.．、](?!\d))\s*(?P<text>\S.*)$")
LIMIT_RE = re.compile(r"(?:字数|篇幅)[^。；;，,]{0,8}?(?:控制在|不超过|不得超过|限)\s*(?P<n>\d{2,6})\s*字")
ISSUED_RE = re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*(?:印发|发布|印制)?$")
# A date a notice sets as a deadline: (2023年)3月31日(17:30)(下班)前, (2023年)12月底前, 于…前.
DEADLINE_RE = re.compile(
    r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*[日号]|(?P<end>底|末))"
    r"\s*(?:(?P<hh>\d{1,2})\s*[:：时点]\s*(?P<mm>\d{2})?\s*分?)?\s*(?P<office>下班)?\s*(?:之)?前")
ANNEX_REF_RE = re.compile(r"附\s*件\s*([0-9一二三四五六七八九十]+)")
NOTICE_TAIL = ("通知", "通告", "函", "意见", "方案")


class NoDeliverable(ValueError):
    """The notice names nothing to send: no form annex and no 报送 request."""


@dataclass
class Sourced:
    """A proposed value, the text it was read from ("" when the notice does not give it) and a note."""

    value: object = None
    source: str = ""
    note: str = ""


@dataclass
class FieldSource:
    label: str
    source: str


@dataclass
class ProposedDeliverable:
    key: str
    short_title: Sourced
    title: Sourced
    deadline: Sourced  # a local datetime, or None
    fields: list[dict]
    limits: list[dict] = field(default_factory=list)
    sources: list[FieldSource] = field(default_factory=list)
    office_hours: bool = False  # the deadline is 下班前: the campaign's end of office hours

    def definition(self) -> dict:
        """The deliverable in the definition format (as `deliverables:` items are written)."""
        out = {"key": self.key, "short_title": self.short_title.value or "", "title": self.title.value or ""}
        if self.deadline.value is not None:
            out["deadline"] = deadline_text(self.deadline.value, self.office_hours)
        out["fields"] = [_plain_field(f) for f in self.fields]
        if self.limits:
            out["limits"] = self.limits
        return out


@dataclass
class Proposal:
    title: Sourced
    doc_number: Sourced
    issuer: Sourced
    issued_on: Sourced
    department: Sourced
    contact_name: Sourced
    contact_phone: Sourced
    contact_email: Sourced
    deliverables: list[ProposedDeliverable]
    notes: list[str] = field(default_factory=list)

    def details(self) -> dict[str, Sourced]:
        return {"title": self.title, "doc_number": self.doc_number, "issuer": self.issuer,
                "issued_on": self.issued_on, "contact_department": self.department,
                "contact_name": self.contact_name, "contact_phone": self.contact_phone,
                "contact_email": self.contact_email}

    def definition(self) -> dict:
        """The whole campaign in the preset format (`campaign.definitions.presets.parse_preset`)."""
        return {
            "key": "notice", "title": self.title.value or "", "doc_number": self.doc_number.value or "",
            "issuer": self.issuer.value or "", "issued_on": self.issued_on.value,
            "contact": {"department": self.department.value or "", "name": self.contact_name.value or "",
                        "phone": self.contact_phone.value or "", "email": self.contact_email.value or ""},
            "timezone": "Asia/Shanghai", "office_hours_end": "18:00", "late_policy": "flag",
            "deliverables": [d.definition() for d in self.deliverables],
        }

    def yaml(self) -> str:
        return dump_yaml(self.definition())

    def deliverables_yaml(self) -> str:
        """The deliverables alone, in the format the definition box loads."""
        return dump_yaml({"deliverables": [d.definition() for d in self.deliverables]})


def source_lines(proposal: Proposal) -> list[str]:
    """Each proposed value with the sentence it came from (or why it is empty), for people to check."""
    labels = {"title": "标题", "doc_number": "文号", "issuer": "发文单位", "issued_on": "印发日期",
              "contact_department": "联系部门", "contact_name": "联系人", "contact_phone": "联系电话",
              "contact_email": "电子邮箱"}
    out = [_described(labels[name], value) for name, value in proposal.details().items()]
    for deliverable in proposal.deliverables:
        name = deliverable.short_title.value or deliverable.key
        out.append(_described(f"{name} 标题", deliverable.title))
        out.append(_described(f"{name} 截止时间", deliverable.deadline))
        out.extend(f"{name} 栏目“{s.label}” ← {s.source}" for s in deliverable.sources)
    out.extend(f"注意：{note}" for note in proposal.notes)
    return out


def _described(label: str, value: Sourced) -> str:
    shown = value.value if value.value not in (None, "") else "（空）"
    if isinstance(shown, datetime):
        shown = f"{shown:%Y-%m-%d %H:%M}"
    line = f"{label}：{shown}"
    if value.source:
        line += f" ← {value.source}"
    if value.note:
        line += f"（{value.note}）"
    return line


def dump_yaml(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)


def deadline_text(moment: datetime, office_hours: bool) -> str:
    if office_hours:
        return f"{moment:%Y-%m-%d} 下班前"
    if moment.time() == time(23, 59, 59):
        return f"{moment:%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M}"


def _plain_field(spec: dict) -> dict:
    """A field as a person would write it: only what differs from the defaults."""
    out = {"key": spec["key"], "type": spec["type"], "label": spec["label"]}
    for name in ("guidance", "group_label", "default", "none_label", "add_label"):
        if spec.get(name):
            out[name] = spec[name]
    if spec.get("required"):
        out["required"] = True
    for name in ("max_words", "min_rows", "max_rows", "max_photos"):
        if spec.get(name):
            out[name] = spec[name]
    if spec["type"] == "rows":
        out["columns"] = [{k: v for k, v in c.items() if v not in (None, "", False) and not (k == "type" and v == "text")}
                          for c in spec["columns"]]
    return out


# --- text helpers ------------------------------------------------------------------------------

def tidy(text: str) -> str:
    """A line without the spaces a layout puts between Chinese characters (kept next to Latin
    letters and digits: 字数控制在 3000 字以内)."""
    text = SPACE_RE.sub(" ", (text or "").strip())
    return re.sub(rf"(?<=[{CJK}]) (?=[{CJK}])", "", text)


def cn_number(text: str) -> int | None:
    """1, 12, 一, 十二 as an int."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in CN_DIGITS for ch in text):
        return None
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + CN_DIGITS.index(text[1])
    if len(text) == 2 and text[1] == "十":
        return CN_DIGITS.index(text[0]) * 10
    if len(text) == 3 and text[1] == "十":
        return CN_DIGITS.index(text[0]) * 10 + CN_DIGITS.index(text[2])
    return CN_DIGITS.index(text) if len(text) == 1 else None


def sentences(lines: list[str]) -> list[str]:
    """The body's sentences (ended by 。；！ or a line end)."""
    out = []
    for line in lines:
        out.extend(s.strip() + ("。" if s.strip() and not s.strip().endswith(("。", "；")) else "")
                   for s in re.split(r"(?<=[。；！])", line) if s.strip())
    return out


# --- reading ---------------------------------------------------------------------------------

def propose(lines: list[str]) -> Proposal:
    """The proposed campaign; raises NoDeliverable when the notice asks for nothing to be sent."""
    raw = [SPACE_RE.sub(" ", line).strip(" ") for line in lines]  # a table row's leading tabs are empty cells
    raw = [line for line in raw if line.strip()]
    lines = [tidy(line) if "\t" not in line else "\t".join(tidy(c) for c in line.split("\t")) for line in raw]
    body, annexes = _split_annexes(lines)
    notes: list[str] = []
    title, issuer = _title(body)
    book = _book_title(lines)
    proposal = Proposal(
        title=title, doc_number=_doc_number(body), issuer=issuer, issued_on=_issued_on(lines),
        department=Sourced(), contact_name=Sourced(), contact_phone=Sourced(), contact_email=Sourced(),
        deliverables=[], notes=notes,
    )
    _contacts(raw[:len(body)], proposal)
    year = proposal.issued_on.value.year if isinstance(proposal.issued_on.value, date) else None
    requests = sentences(body)
    for number, (heading, annex_lines) in enumerate(annexes, start=1):
        deliverable = _annex(number, heading, annex_lines, book, notes)
        if deliverable is not None:
            _deadline_for(deliverable, requests, year, notes, annex_number=number)
            proposal.deliverables.append(deliverable)
    if not proposal.deliverables:
        asked = _asked_in_text(requests, book, year, notes)
        if asked is not None:
            proposal.deliverables.append(asked)
    if not proposal.deliverables:
        raise NoDeliverable("通知中没有找到需要填报的附件（表格或提纲），也没有找到“请于…前报送…”这样的报送要求。")
    for name, value in proposal.details().items():
        if value.value in (None, "") and not value.note:
            value.note = "通知中未找到，请填写。"
    return proposal


def _split_annexes(lines: list[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The notice body, and each annex (附件 N on a line of its own) with its lines."""
    body: list[str] = []
    annexes: list[tuple[str, list[str]]] = []
    for line in lines:
        match = ANNEX_RE.match(line.replace("\t", ""))
        if match:
            annexes.append((f"附件{cn_number(match.group(1)) or match.group(1)}", []))
        elif annexes:
            annexes[-1][1].append(line)
        else:
            body.append(line)
    return body, annexes


def _title(body: list[str]) -> tuple[Sourced, Sourced]:
    """The notice's title (joined when it runs over several lines) and its issuer."""
    masthead = next((line for line in body[:8] if line.endswith("文件") and len(line) <= 30), None)
    for end, line in enumerate(body[:15]):
        if line.endswith(NOTICE_TAIL) and "\t" not in line and len(line) <= 80:
            start = end
            # Lines above belong to the title until the masthead, 文号, 急 marks or the addressees.
            while start > 0 and _title_part(body[start - 1]) and "关于" not in body[start]:
                start -= 1
            if body[start].startswith("关于") and start > 0 and _title_part(body[start - 1]):
                start -= 1  # the issuer on a line of its own above 关于…
            title = "".join(body[start:end + 1])
            if "关于" not in title and start > 0:
                continue
            source = " / ".join(body[start:end + 1])
            if masthead:
                issuer = Sourced(masthead[: -len("文件")], masthead)
            elif "关于" in title and title.index("关于") > 0:
                issuer = Sourced(title[: title.index("关于")], source, "取自标题中“关于”之前的部分。")
            else:
                issuer = Sourced("", "", "通知中未找到发文单位，请填写。")
            return Sourced(title, source), issuer
    return Sourced("", "", "通知中未找到标题（……关于……的通知），请填写。"), Sourced("", "", "通知中未找到发文单位，请填写。")


def _title_part(line: str) -> bool:
    return (len(line) <= 40 and not line.endswith(("文件", "：", ":")) and not DOC_NUMBER_RE.search(line)
            and line not in ("加急", "特急", "急件", "紧急") and "\t" not in line and not line.endswith("。"))


def _doc_number(body: list[str]) -> Sourced:
    for line in body[:12]:
        match = DOC_NUMBER_RE.search(line)
        if match:
            return Sourced(re.sub(r"\s+", "", match.group(0)), line)
    return Sourced("", "", "通知中没有文号。")


def _issued_on(lines: list[str]) -> Sourced:
    """The date at the end of the notice (…年…月…日印发, or the date under the signature)."""
    for line in reversed(lines[-12:]):
        match = ISSUED_RE.match(line)
        if match:
            try:
                return Sourced(date(int(match["y"]), int(match["m"]), int(match["d"])), line)
            except ValueError:
                return Sourced(None, line, "日期无效，请填写。")
    return Sourced(None, "", "通知中没有印发日期。")


def _book_title(lines: list[str]) -> str:
    """The document the notice is about (《质量强国建设纲要》), for its short form 《纲要》."""
    for line in lines:
        for match in re.finditer(r"《[^《》]{2,40}》", line):
            if match.group(0) not in ("《纲要》",):
                return match.group(0)
    return ""


def _full(text: str, book: str) -> str:
    """A phrase with the short 《纲要》 written out as the notice's full title."""
    if not book:
        return text
    short = "《" + book[-3:-1] + "》" if len(book) > 4 else book
    return text.replace(short, book)


def _contacts(body: list[str], proposal: Proposal) -> None:
    for line in body:
        plain = line.replace(" ", "")
        if "联系人" in plain and proposal.contact_name.value is None:
            rest = re.split(r"联系人\s*[:：]", line, maxsplit=1)[-1]
            phones = PHONE_RE.findall(rest)
            before = re.split(r"(?:联系)?电话\s*[:：]|" + "|".join(re.escape(p) for p in phones), rest, maxsplit=1)[0] \
                if phones else rest
            words = [w for w in re.split(r"[\s,，、]+", before.strip()) if w]
            if len(words) >= 2:
                proposal.department = Sourced(words[0], line)
                proposal.contact_name = Sourced(words[-1], line)
            elif words:
                proposal.contact_name = Sourced(words[0], line)
            if phones:
                proposal.contact_phone = Sourced(" ".join(phones), line)
        elif proposal.contact_phone.value is None and re.search(r"电话\s*[:：]", plain) and PHONE_RE.search(line):
            proposal.contact_phone = Sourced(" ".join(PHONE_RE.findall(line)), line)
        if "@" in line and proposal.contact_email.value is None and EMAIL_RE.search(line):
            proposal.contact_email = Sourced(EMAIL_RE.search(line).group(0), line)
    if proposal.department.value is None:
        for sentence in sentences(body):
            match = re.search(r"报送(?:至|到|给)([\u4e00-\u9fff]{2,30})", sentence)
            office = re.match(r".*(?:科|处|室|局|中心)", match.group(1)) if match else None
            if office:
                proposal.department = Sourced(office.group(0), sentence, "取自报送要求中的接收部门。")
                break


# --- annexes ---------------------------------------------------------------------------------

def _annex(number: int, heading: str, lines: list[str], book: str, notes: list[str]) -> ProposedDeliverable | None:
    """A table annex or an outline annex as a deliverable; None (with a note) for reading material."""
    if not lines:
        notes.append(f"{heading}没有内容，未生成报送事项。")
        return None
    title_line = lines[0]
    rest = lines[1:]
    title = Sourced(title_line, f"{heading} {title_line}")
    short = Sourced(heading, heading)
    table = [line for line in rest if "\t" in line]
    if table:
        return _table_annex(number, short, title, rest, notes)
    headings = [line for line in rest if OUTLINE_RE.match(line)]
    if len(headings) >= 2 and len(rest) <= 60:
        return _outline_annex(number, short, title, rest, book)
    notes.append(f"{heading}“{title_line}”不是表格或提纲（看起来是供学习的材料），未生成报送事项。")
    return None


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


def _table_annex(number: int, short: Sourced, title: Sourced, lines: list[str], notes: list[str]) -> ProposedDeliverable:
    rows = [_cells(line) for line in lines if "\t" in line]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header = rows[0]
    # A second header row: cells under a header cell that spans several columns.
    sub = rows[1] if len(rows) > 1 and any(rows[1][c] and not header[c] for c in range(width)) else [""] * width
    fields: list[dict] = []
    sources: list[FieldSource] = []
    header_text = " | ".join(c for c in header if c)
    column = 0
    while column < width:
        label = header[column]
        if not label or label in ("序号", "编号"):
            column += 1
            continue
        if sub[column]:
            # A header spanning the sub-headers below it: a repeatable group of those columns.
            end = column + 1
            while end < width and not header[end] and sub[end]:
                end += 1
            columns = [{"key": f"c{i + 1}", "type": "text", "label": sub[c], "required": True}
                       for i, c in enumerate(range(column, end))]
            fields.append({"key": f"f{len(fields) + 1}", "type": "rows", "label": label, "required": True,
                           "none_label": _none_label(label), "add_label": _add_label(sub[column]),
                           "columns": columns})
            sources.append(FieldSource(label, f"表头“{label}”下分 {'、'.join(sub[column:end])} {end - column} 列：填写时可增加多行。"))
            column = end
            continue
        fields.append({"key": f"f{len(fields) + 1}", "type": "textarea", "label": label, "required": True})
        sources.append(FieldSource(label, f"表头：{header_text}"))
        column += 1
    for line in lines:
        if "\t" in line:
            continue
        match = BLANK_RE.match(line)
        if not match:
            continue
        label = re.sub(r"[（(][^）)]*[）)]", "", match["label"]).strip()
        if label in ("填报单位", "报送单位", "单位名称", "填报单位名称"):
            notes.append(f"{short.value}的“{match['label']}”由系统按填报单位的账号填写，不单独设栏目。")
            continue
        if label in ("联系人及联系方式", "联系人及电话", "联系人和联系方式"):
            for part, part_label in (("name", "联系人"), ("phone", "联系电话")):
                fields.append({"key": f"f{len(fields) + 1}", "type": "text", "label": part_label, "group_label": label,
                               "required": True})
                sources.append(FieldSource(part_label, line))
            continue
        fields.append({"key": f"f{len(fields) + 1}", "type": "text", "label": label, "required": True})
        sources.append(FieldSource(label, line))
    return ProposedDeliverable(key=f"annex{number}", short_title=short, title=title, deadline=Sourced(),
                               fields=fields, sources=sources)


def _none_label(label: str) -> str:
    """出台贯彻落实《纲要》文件情况 → 暂未出台贯彻落实《纲要》文件 (the tick for having none)."""
    return "暂未" + label.removesuffix("情况")


def _add_label(first_column: str) -> str:
    """文件名称 → 增加文件."""
    for suffix in ("名称", "题目", "标题"):
        if first_column.endswith(suffix) and len(first_column) > len(suffix):
            return "增加" + first_column[: -len(suffix)]
    return "增加一行"


def _outline_annex(number: int, short: Sourced, title: Sourced, lines: list[str], book: str) -> ProposedDeliverable:
    name = title.value.removesuffix("提纲")
    fields: list[dict] = [{"key": "f1", "type": "text", "label": "标题", "required": True,
                           "default": "{unit}" + _summary_title(name)}]
    sources = [FieldSource("标题", f"{title.source}：提纲所列的总结以单位名称加题目为标题。")]
    limits: list[dict] = []
    after_heading = False
    for line in lines:
        if OUTLINE_RE.match(line):
            fields.append({"key": f"f{len(fields) + 1}", "type": "section", "label": line, "required": True})
            sources.append(FieldSource(line, line))
            after_heading = True
            continue
        limit = LIMIT_RE.search(line)
        if limit:
            sections = [f["key"] for f in fields if f["type"] == "section"]
            limits.append({"fields": sections, "max_words": int(limit["n"]), "label": _kind_of(name),
                           "note": line if line.endswith("。") else line + "。"})
            sources.append(FieldSource(f"字数限制 {limit['n']} 字", line))
        elif after_heading:
            # The line right under a heading says what the section covers (主要包括：…).
            fields[-1]["guidance"] = line
            sources.append(FieldSource(f"{fields[-1]['label']} 的说明", line))
        after_heading = False
    return ProposedDeliverable(key=f"annex{number}", short_title=short, title=title, deadline=Sourced(),
                               fields=fields, limits=limits, sources=sources)


def _summary_title(name: str) -> str:
    """《质量强国建设纲要》学习宣传贯彻工作总结 → 学习宣传贯彻《质量强国建设纲要》工作总结 (how a unit titles it)."""
    match = re.match(r"^(《[^》]+》)(.+?)(工作总结|情况报告|工作报告|总结)$", name)
    return f"{match[2]}{match[1]}{match[3]}" if match else name


def _kind_of(name: str) -> str:
    for kind in ("工作总结", "情况报告", "工作报告", "总结", "报告", "汇报"):
        if name.endswith(kind):
            return kind
    return "全文"


# --- deadlines -------------------------------------------------------------------------------

def parse_deadline_phrase(match: re.Match, year: int | None) -> tuple[datetime | None, bool, str]:
    """A DEADLINE_RE match as a local datetime, whether it is 下班前, and a note when the year was assumed."""
    note = ""
    if match["y"]:
        year = int(match["y"])
    elif year is None:
        return None, False, "截止日期未写年份，请填写完整日期。"
    else:
        note = f"截止日期未写年份，按 {year} 年。"
    month = int(match["m"])
    try:
        if match["end"]:
            day = (date(year + (month == 12), month % 12 + 1, 1) - date.resolution)
        else:
            day = date(year, month, int(match["d"]))
    except ValueError:
        return None, False, "截止日期无效，请填写。"
    if match["office"]:
        return datetime.combine(day, time(18, 0)), True, note
    if match["hh"]:
        hour, minute = int(match["hh"]), int(match["mm"] or 0)
        if hour > 23 or minute > 59:
            return None, False, "截止时间无效，请填写。"
        return datetime.combine(day, time(hour, minute)), False, note
    return datetime.combine(day, time(23, 59, 59)), False, note


def _deadline_for(deliverable: ProposedDeliverable, requests: list[str], year: int | None, notes: list[str],
                  *, annex_number: int) -> None:
    """The date in the clause that names this annex (…前报送…（附件1）), else the only deadline there is."""
    for sentence in requests:
        for clause in re.split(r"[，,；;]", sentence):
            refs = [cn_number(r) for r in ANNEX_REF_RE.findall(clause)]
            if annex_number in refs:
                match = DEADLINE_RE.search(clause) or DEADLINE_RE.search(sentence)
                if match:
                    _set_deadline(deliverable, match, year, sentence)
                    return
    # A sentence that names other annexes sets their dates, not this one's.
    dated = [(s, m) for s in requests for m in [DEADLINE_RE.search(s)]
             if m and "报送" in s and not ANNEX_REF_RE.search(s)]
    if len(dated) == 1:
        sentence, match = dated[0]
        _set_deadline(deliverable, match, year, sentence)
        deliverable.deadline.note = (deliverable.deadline.note + " " if deliverable.deadline.note else "") + \
            "通知中只有这一个报送时间，按此填写。"
        return
    deliverable.deadline = Sourced(None, "", f"通知中没有写明{deliverable.short_title.value}的报送时间，请填写。")


def _set_deadline(deliverable: ProposedDeliverable, match: re.Match, year: int | None, sentence: str) -> None:
    moment, office, note = parse_deadline_phrase(match, year)
    deliverable.deadline = Sourced(moment, sentence, note)
    deliverable.office_hours = office


# --- a notice that asks in its text ----------------------------------------------------------

def _asked_in_text(requests: list[str], book: str, year: int | None, notes: list[str]) -> ProposedDeliverable | None:
    """请…前，将本单位…情况汇报以及相关的信息和照片报送至…，同时报送 2 篇…体会: one deliverable."""
    for sentence in requests:
        match = DEADLINE_RE.search(sentence)
        if not match or "报送" not in sentence:
            continue
        what = re.search(r"将(?:本单位)?(?P<what>.+?)报送", sentence)
        if not what:
            continue
        fields: list[dict] = []
        sources: list[FieldSource] = []
        parts = re.split(r"以及|和相关的|及相关的|并附", what["what"])
        report = parts[0].strip("，, ")
        subject = re.sub(r"^(?:组织开展|开展|组织)", "", report)
        subject = re.sub(r"^《[^》]+》", "", subject)
        label = subject
        topic = label.removesuffix("汇报").removesuffix("报告")
        if label.endswith(("汇报", "报告")):
            fields.append({"key": "f1", "type": "text", "label": f"{label}标题", "required": True,
                           "default": "{unit}关于" + _full(report.removesuffix("汇报").removesuffix("报告"), book)
                           + "的" + label[len(topic):]})
            sources.append(FieldSource(f"{label}标题", sentence))
        fields.append({"key": f"f{len(fields) + 1}", "type": "textarea", "label": label, "required": True})
        sources.append(FieldSource(label, sentence))
        if "照片" in what["what"]:
            photo_part = next((p for p in parts[1:] if "照片" in p), "信息和照片")
            photo_label = "相关" + re.sub(r"^(?:相关的?|有关的?)", "", photo_part).replace("的", "")
            activity = topic.removesuffix("情况")
            fields.append({"key": f"f{len(fields) + 1}", "type": "photos", "label": photo_label,
                           "guidance": f"上传{activity}照片（jpg 或 png），并为每张照片填写说明。", "max_photos": 20})
            sources.append(FieldSource(photo_label, sentence))
        essays = re.search(r"(?:同时)?报送\s*(?P<n>\d+|[一二三四五六七八九十两])\s*篇(?P<what>[^，。；]+)", sentence)
        if essays:
            count = 2 if essays["n"] == "两" else cn_number(essays["n"])
            essay_label = essays["what"].replace("或者", "或").strip()
            fields.append({"key": f"f{len(fields) + 1}", "type": "rows", "label": essay_label,
                           "guidance": f"报送 {count} 篇{essays['what'].strip()}。", "min_rows": count,
                           "max_rows": count, "required": True, "columns": [
                               {"key": "title", "type": "text", "label": "题目", "required": True},
                               {"key": "author", "type": "text", "label": "作者", "required": True},
                               {"key": "post", "type": "text", "label": "作者单位及职务", "required": True},
                               {"key": "text", "type": "textarea", "label": "正文", "required": True}]})
            sources.append(FieldSource(essay_label, sentence))
        deliverable = ProposedDeliverable(
            key="report", short_title=Sourced(topic, sentence), title=Sourced(_full(book, book) + topic, sentence,
                                                                               "取自报送要求。"),
            deadline=Sourced(), fields=fields, sources=sources)
        _set_deadline(deliverable, match, year, sentence)
        notes.append("通知的附件不是需要填写的表格或提纲；报送事项按正文中的报送要求生成。")
        return deliverable
    return None
