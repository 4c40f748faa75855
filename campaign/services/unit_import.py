"""Import the unit list: check every row first, then apply all of it in one transaction or none.

`plan_import(rows)` reads the database but changes nothing: it says, per row, what is wrong, or
what the import will create and update. `apply_import(plan)` makes the changes (flushed, for the
caller to commit) and returns the new 填报人 accounts, whose set-password links go out after commit.
Re-importing the same list updates units matched by 单位代码, or by 单位名称 when a row has no code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from ..extensions import db
from ..models import Contact, Role, Unit, User, record
from . import WorkflowError
from .accounts import new_account, new_password_nonce
from .unit_files import COLUMNS, Row

MAX_ROWS = 20_000
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,50}$")
LIMITS = {"name": 200, "short_name": 100, "code": 50, "parent": 200, "contact": 100, "position": 100,
          "phone": 100, "mobile": 100, "email": 254}


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        return f"{where}{'“' + self.column + '”' if self.column else ''}：{self.message}"


@dataclass
class ContactPlan:
    row: int
    name: str
    position: str
    phone: str
    mobile: str
    email: str  # lower-cased; "" when none
    new_account: bool = False


@dataclass
class UnitPlan:
    row: int
    name: str
    short_name: str
    code: str
    parent_ref: str
    sort_order: int | None
    contacts: list[ContactPlan] = field(default_factory=list)
    existing: Unit | None = None
    parent: UnitPlan | Unit | None = None
    unit: Unit | None = None  # set by apply_import

    @property
    def parent_name(self) -> str:
        return self.parent.name if self.parent is not None else ""


@dataclass
class ImportPlan:
    units: list[UnitPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.units)

    @property
    def new_units(self) -> int:
        return sum(1 for u in self.units if u.existing is None)

    @property
    def updated_units(self) -> int:
        return sum(1 for u in self.units if u.existing is not None)

    @property
    def new_accounts(self) -> int:
        return sum(1 for u in self.units for c in u.contacts if c.new_account)


def _fail(plan: ImportPlan, row: int | None, key: str, message: str) -> None:
    plan.errors.append(RowError(row, COLUMNS.get(key, ""), message))


def _check_row(plan: ImportPlan, row: Row) -> dict[str, str] | None:
    """The row's values if each one is well formed; errors are added to the plan."""
    v = {key: " ".join(row.values.get(key, "").split()) if key != "name" else row.values.get(key, "").strip()
         for key in COLUMNS}
    before = len(plan.errors)
    for key, limit in LIMITS.items():
        if len(v[key]) > limit:
            _fail(plan, row.number, key, f"内容过长（最多 {limit} 个字），请删减。")
    if not v["name"]:
        _fail(plan, row.number, "name", "请填写单位名称。")
    elif any(ch in v["name"] for ch in "\r\n\x0b\x0c\u2028\u2029"):
        _fail(plan, row.number, "name", "单位名称不能换行，请写在一行内。")
    if v["code"] and not CODE_RE.match(v["code"]):
        _fail(plan, row.number, "code", "单位代码只能由字母、数字、下划线、短横线或点组成，不能有空格或汉字。")
    if v["sort_order"]:
        try:
            number = float(v["sort_order"])
            if not number.is_integer() or abs(number) > 1_000_000_000:
                raise ValueError
            v["sort_order"] = str(int(number))
        except ValueError:
            _fail(plan, row.number, "sort_order", f"排序应为整数，“{v['sort_order']}”不是整数。")
    has_contact_details = any(v[k] for k in ("position", "phone", "mobile", "email"))
    if has_contact_details and not v["contact"]:
        _fail(plan, row.number, "contact", "填写了电话、手机、邮箱或职务时，请同时填写联系人姓名。")
    for key in ("phone", "mobile"):
        if v[key] and not re.search(r"\d", v[key]):
            _fail(plan, row.number, key, f"“{v[key]}”不像电话号码，请填写数字号码。")
    if v["email"]:
        try:
            v["email"] = validate_email(v["email"], check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            _fail(plan, row.number, "email", f"“{v['email']}”不是有效的邮箱地址，请检查（如 name@example.cn）。")
        else:
            if len(v["email"]) > 80:
                _fail(plan, row.number, "email", "邮箱超过 80 个字符，不能作为登录用户名，请换用较短的邮箱。")
    return v if len(plan.errors) == before else None


def _merge(plan: ImportPlan, unit: UnitPlan, v: dict[str, str], number: int) -> None:
    """A further row of a unit already listed: it adds a contact; the unit's columns must agree."""
    for key, current in (("short_name", unit.short_name), ("parent", unit.parent_ref),
                         ("sort_order", "" if unit.sort_order is None else str(unit.sort_order))):
        if v[key] and current and v[key] != current:
            _fail(plan, number, key, f"与第 {unit.row} 行是同一单位，但“{COLUMNS[key]}”不一致（“{current}”与“{v[key]}”），请统一。")
    unit.short_name = unit.short_name or v["short_name"]
    unit.parent_ref = unit.parent_ref or v["parent"]
    if unit.sort_order is None and v["sort_order"]:
        unit.sort_order = int(v["sort_order"])


class _Existing:
    """The units and accounts already in the database, loaded once."""

    def __init__(self):
        self.units = db.session.scalars(sa.select(Unit)).all()
        self.by_code = {u.code: u for u in self.units if u.code}
        self.by_name: dict[str, list[Unit]] = {}
        for u in self.units:
            self.by_name.setdefault(u.name, []).append(u)
        self.users: dict[str, User] = {}
        for user in db.session.scalars(sa.select(User)):
            for key in (user.username.lower(), (user.email or "").lower()):
                if key:
                    self.users.setdefault(key, user)


def plan_import(rows: list[Row]) -> ImportPlan:
    """Check every row and work out what the import would do; the database is not changed."""
    plan = ImportPlan()
    if not rows:
        _fail(plan, None, "", "文件中没有单位数据，请在表头下方逐行填写单位。")
        return plan
    if len(rows) > MAX_ROWS:
        _fail(plan, None, "", f"一次最多导入 {MAX_ROWS} 行，本文件有 {len(rows)} 行，请分批导入。")
        return plan
    by_code: dict[str, UnitPlan] = {}
    by_name: dict[str, list[UnitPlan]] = {}
    emails: dict[str, int] = {}
    for row in rows:
        v = _check_row(plan, row)
        if v is None:
            continue
        unit = by_code.get(v["code"]) if v["code"] else None
        if unit is None and not v["code"]:
            same = by_name.get(v["name"], [])
            unit = same[0] if len(same) == 1 else None
        if unit is not None and unit.name != v["name"]:
            _fail(plan, row.number, "code", f"单位代码“{v['code']}”在第 {unit.row} 行已用于“{unit.name}”，同一代码不能用于两个单位。")
            continue
        if unit is None:
            unit = UnitPlan(row=row.number, name=v["name"], short_name=v["short_name"], code=v["code"],
                            parent_ref=v["parent"], sort_order=int(v["sort_order"]) if v["sort_order"] else None)
            plan.units.append(unit)
            if unit.code:
                by_code[unit.code] = unit
            by_name.setdefault(unit.name, []).append(unit)
        else:
            _merge(plan, unit, v, row.number)
        if v["contact"]:
            if v["email"] and v["email"] in emails:
                _fail(plan, row.number, "email", f"邮箱 {v['email']} 与第 {emails[v['email']]} 行重复；每个邮箱只能对应一名联系人。")
                continue
            if v["email"]:
                emails[v["email"]] = row.number
            unit.contacts.append(ContactPlan(row.number, v["contact"], v["position"], v["phone"], v["mobile"], v["email"]))
    existing = _Existing()
    for unit in plan.units:
        _match_existing(plan, unit, existing)
    for unit in plan.units:
        _resolve_parent(plan, unit, by_code, by_name, existing)
    _check_cycles(plan)
    for unit in plan.units:
        for contact in unit.contacts:
            _check_account(plan, unit, contact, existing)
    return plan


def _match_existing(plan: ImportPlan, unit: UnitPlan, existing: _Existing) -> None:
    if unit.code and unit.code in existing.by_code:
        unit.existing = existing.by_code[unit.code]
        return
    named = existing.by_name.get(unit.name, [])
    if unit.code:
        # A unit first imported without a code gets the code now.
        uncoded = [u for u in named if not u.code]
        unit.existing = uncoded[0] if len(uncoded) == 1 else None
    elif len(named) == 1:
        unit.existing = named[0]
    elif len(named) > 1:
        _fail(plan, unit.row, "name", f"系统中有 {len(named)} 个名为“{unit.name}”的单位，请填写单位代码以区分。")


def _resolve_parent(plan, unit: UnitPlan, by_code, by_name, existing: _Existing) -> None:
    ref = unit.parent_ref
    if not ref:
        return
    in_file = by_code.get(ref) or (by_name[ref][0] if len(by_name.get(ref, [])) == 1 else None)
    if in_file is None and len(by_name.get(ref, [])) > 1:
        _fail(plan, unit.row, "parent", f"本表中有多个名为“{ref}”的单位，请在“上级单位”中填写其单位代码。")
        return
    if in_file is not None:
        parent = in_file
    elif ref in existing.by_code:
        parent = existing.by_code[ref]
    elif len(existing.by_name.get(ref, [])) == 1:
        parent = existing.by_name[ref][0]
    elif existing.by_name.get(ref):
        _fail(plan, unit.row, "parent", f"系统中有多个名为“{ref}”的单位，请在“上级单位”中填写其单位代码。")
        return
    else:
        _fail(plan, unit.row, "parent", f"找不到上级单位“{ref}”：请在本表中列出该单位，或填写系统中已有单位的名称或代码。")
        return
    if parent is unit or (unit.existing is not None and parent is unit.existing):
        _fail(plan, unit.row, "parent", "上级单位不能是单位自己。")
        return
    unit.parent = parent


def _check_cycles(plan: ImportPlan) -> None:
    """A unit may not end up above itself, through the file or through units already in the system."""
    planned = {id(u.existing): u for u in plan.units if u.existing is not None}

    def parent_of(node):
        if isinstance(node, UnitPlan):
            if node.parent is not None:
                parent = node.parent
            else:
                parent = node.existing.parent if node.existing is not None else None
        else:
            parent = node.parent
        return planned.get(id(parent), parent)

    for unit in plan.units:
        seen, node = set(), parent_of(unit)
        while node is not None and id(node) not in seen:
            if node is unit:
                _fail(plan, unit.row, "parent", f"“{unit.name}”的上级关系形成循环（它成了自己的上级），请检查“上级单位”一列。")
                break
            seen.add(id(node))
            node = parent_of(node)


def _check_account(plan: ImportPlan, unit: UnitPlan, contact: ContactPlan, existing: _Existing) -> None:
    if not contact.email:
        return
    user = existing.users.get(contact.email)
    if user is None:
        contact.new_account = True
    elif user.role is not Role.reporter:
        _fail(plan, contact.row, "email", f"邮箱 {contact.email} 已是{user.role.label}账号，不能再作为填报人，请换用其他邮箱。")
    elif unit.existing is None or user.unit_id != unit.existing.id:
        where = user.unit.name if user.unit else "其他单位"
        _fail(plan, contact.row, "email", f"邮箱 {contact.email} 已是“{where}”的填报人账号；如人员调动，请先在账号管理中停用原账号。")


def apply_import(plan: ImportPlan, *, user: User | None) -> list[User]:
    """Create and update the planned units, contacts and accounts; returns the new accounts."""
    if not plan.ok:
        raise WorkflowError("导入文件有错误，未做任何更改。请修改后重新上传。")
    base = (db.session.scalar(sa.select(sa.func.max(Unit.sort_order))) or 0) + 1
    for index, item in enumerate(plan.units):
        unit = item.existing or Unit(name=item.name, short_name=item.short_name or item.name, sort_order=base + index)
        unit.name = item.name
        if item.short_name:
            unit.short_name = item.short_name
        if item.code:
            unit.code = item.code
        if item.sort_order is not None:
            unit.sort_order = item.sort_order
        db.session.add(unit)
        item.unit = unit
    for item in plan.units:
        if item.parent is not None:
            item.unit.parent = item.parent.unit if isinstance(item.parent, UnitPlan) else item.parent
    # Contacts and accounts before the one flush: a new unit's contacts need no query, and the
    # account names were checked against the database when the plan was made.
    accounts = []
    with db.session.no_autoflush:
        for item in plan.units:
            for contact in item.contacts:
                _upsert_contact(item.unit, contact)
                if contact.new_account:
                    account = new_account(username=contact.email, role=Role.reporter, name=contact.name,
                                          email=contact.email, phone=contact.mobile or contact.phone, unit=item.unit)
                    account.password_nonce = new_password_nonce()
                    accounts.append(account)
    db.session.flush()
    for account in accounts:
        record("account_created", user=user, target=account.username, role=account.role.value,
               unit=account.unit.name)
    record("units_imported", user=user, units_created=plan.new_units, units_updated=plan.updated_units,
           accounts_created=len(accounts))
    db.session.flush()
    return accounts


def _upsert_contact(unit: Unit, plan: ContactPlan) -> None:
    """Update the unit's contact with the same e-mail (or, lacking one, the same name), else add one."""
    match = next((c for c in unit.contacts if plan.email and c.email.lower() == plan.email), None)
    if match is None:
        match = next((c for c in unit.contacts if c.name == plan.name and (not c.email or not plan.email)), None)
    if match is None:
        match = Contact(name=plan.name)
        unit.contacts.append(match)
    match.name = plan.name
    for attr in ("position", "phone", "mobile", "email"):
        value = getattr(plan, attr)
        if value:
            setattr(match, attr, value)
