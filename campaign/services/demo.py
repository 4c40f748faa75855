"""Demo data: both seed notices as live campaigns with their real recipients and a mix of states."""
from __future__ import annotations

import io
import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from ..demo_units import (HENAN_CITIES, SAMR_PROVINCES, XINXIANG_AFFILIATES, XINXIANG_CITY_BUREAUS,
                          XINXIANG_COUNTIES, XINXIANG_DEPARTMENTS, XINXIANG_OFFICE)
from ..extensions import db
from ..definitions.presets import load_preset
from ..models import Campaign, Contact, Role, Unit, User, utcnow
from . import WorkflowError
from .accounts import PASSWORD_RULE, create_user, password_problems
from .campaigns import create_from_preset, publish, set_recipients
from .photos import add_photos, discard_files, process_photo, upload_path
from .relays import RelayDeliverable, apply_gathering, create_relay, gather
from .review import accept, extend, return_
from .submissions import get_submission, save_draft, submit

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["建国", "丽华", "志强", "海燕", "晓东", "文静", "立新", "秀英", "国庆", "红梅", "卫东", "雪芳", "明辉", "佳怡"]


def _person(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]


def _phone(i: int) -> str:
    return f"0{10 + i % 80}-{6000_0000 + i * 1373 % 9999_9999:08d}"[:13]


class DemoSeeder:
    """Builds the demo; `accounts` collects (role, unit, username, password) to print."""

    def __init__(self, password: str | None = None, now: datetime | None = None):
        self.password = password
        self.now = now or utcnow()
        self.accounts: list[tuple[str, str, str, str]] = []

    def _password(self, username: str) -> str:
        """The given demo password, else a random one; either way it meets the password rule (no built-in
        default, no weak demo password)."""
        if self.password:
            problems = password_problems(self.password, username)
            if problems:
                raise WorkflowError(f"演示密码不符合要求（账号 {username}）：{''.join(problems)}"
                                    f"请换一个密码（{PASSWORD_RULE}），或不给 --password，为每个账号生成随机密码。")
            return self.password
        while True:
            password = f"{secrets.token_urlsafe(9)}-Aa1"
            if not password_problems(password, username):
                return password

    def _account(self, username, role, name, unit=None, email="") -> User:
        password = self._password(username)
        user = create_user(username=username, password=password, role=role, name=name, unit=unit, email=email)
        self.accounts.append((role.label, unit.name if unit else "", username, password))
        return user

    def _units(self, root_name: str, rows, start: int) -> list[Unit]:
        root = Unit(name=root_name, short_name=root_name, sort_order=start)
        db.session.add(root)
        return self._children(root, rows, start)

    def _children(self, parent: Unit | None, rows, start: int) -> list[Unit]:
        """Units under `parent` (None: top level), each with a contact and a 填报人 account named by its code."""
        units = []
        for i, (code, name, short) in enumerate(rows, start=1):
            unit = Unit(name=name, short_name=short, code=code, parent=parent, sort_order=start + i)
            unit.contacts.append(Contact(name=_person(start + i), phone=_phone(start + i),
                                         email=f"{code}@demo.example.cn"))
            db.session.add(unit)
            units.append(unit)
        db.session.flush()
        for i, unit in enumerate(units):
            self._account(unit.code, Role.reporter, _person(start + i + 1), unit=unit,
                          email=unit.contacts[0].email)
        return units

    def run(self) -> list[Campaign]:
        self._account("admin", Role.admin, "系统管理员")
        samr_user = self._account("samr", Role.coordinator, "张俭", email="zhangjian01@samr.gov.cn")
        xx_user = self._account("xinxiang", Role.coordinator, "李述虎", email="xxssljjdk@163.com")
        office_user = self._account("zlqs", Role.coordinator, "王立新", email="xxzlqs@demo.example.cn")
        provinces = self._units("国家市场监督管理总局", SAMR_PROVINCES, 0)
        xinxiang = self._units("新乡市水利局", XINXIANG_COUNTIES + XINXIANG_DEPARTMENTS + XINXIANG_AFFILIATES, 1000)
        henan = next(u for u in provinces if u.code == "henan")
        cities = self._children(henan, HENAN_CITIES, 500)
        samr = self._samr(samr_user, provinces)
        self._henan_relay(samr, henan, cities)
        bureau = xinxiang[0].parent
        bureau.code = "xxsl"
        self._children(None, XINXIANG_CITY_BUREAUS, 2000)
        bureau_reporter = self._account("xxsl", Role.reporter, "李述虎", unit=bureau, email="xxssljjdk@163.com")
        office = self._xinxiang_office(office_user, bureau)
        bureau_notice = self._xinxiang(xx_user, xinxiang)
        self._make_relay(bureau_notice, office, bureau, bureau_reporter)
        return [samr, bureau_notice]

    def _campaign(self, key: str, user: User, units: list[Unit], first_deadline_in_days: int) -> Campaign:
        """Create and publish a preset, shifted so its first deadline is that many days from today."""
        preset = load_preset(key)
        zone = ZoneInfo(preset.timezone)
        first = min(d.deadline for d in preset.deliverables)
        today = self.now.astimezone(zone).date()
        shift = timedelta(days=(today + timedelta(days=first_deadline_in_days) - first.date()).days)
        campaign = create_from_preset(preset, user=user, shift_by=shift)
        set_recipients(campaign, units)
        published = datetime.combine(today - timedelta(days=10), time(9, 30), zone)
        publish(campaign, user=user, now=published)
        return campaign

    def _samr(self, coordinator: User, units: list[Unit]) -> Campaign:
        campaign = self._campaign("samr_2023_9", coordinator, units, first_deadline_in_days=5)
        annex1 = campaign.deliverables[0]
        plan = {  # unit index → what has happened so far; 北京 (0) is left for the walkthrough
            1: "submitted", 2: "draft", 3: "returned", 4: "accepted", 6: "submitted", 8: "accepted",
            9: "submitted", 10: "draft", 14: "submitted", 18: "returned", 22: "submitted", 26: "draft",
        }
        for index, state in plan.items():
            unit = units[index]
            reporter = db.session.query(User).filter_by(unit_id=unit.id).first()
            when = self.now - timedelta(days=len(plan) - index % 7, hours=index)
            self._apply(annex1, unit, reporter, coordinator, state, _annex1_data(unit), when)
        # 辽宁 (5) has not started and was given a week more.
        self._extend(annex1, units[5], coordinator, annex1.deadline + timedelta(days=7),
                     "省局机构调整，分管领导变动，经联系人同意延期一周报送。")
        annex2 = campaign.deliverables[1]
        for index, state in {8: "submitted", 9: "draft", 14: "draft"}.items():
            unit = units[index]
            reporter = db.session.query(User).filter_by(unit_id=unit.id).first()
            self._apply(annex2, unit, reporter, coordinator, state, _annex2_data(unit),
                        self.now - timedelta(days=2, hours=index))
        return campaign

    def _xinxiang(self, coordinator: User, units: list[Unit]) -> Campaign:
        # Its one deadline passed two days ago, so the dashboard shows late and missing units.
        campaign = self._campaign("xinxiang_water_2023", coordinator, units, first_deadline_in_days=-2)
        report = campaign.deliverables[0]
        deadline = report.deadline
        plan = {0: ("submitted", -30), 1: ("accepted", -50), 2: ("submitted", 20), 3: ("returned", -40),
                4: ("draft", -10), 5: ("submitted", 30), 7: ("draft", 5), 9: ("submitted", -5),
                10: ("submitted", 20), 12: ("submitted", -70), 14: ("accepted", -26)}
        # 延津 (6) and 凤泉区 (10) were given more time; 凤泉区 filed within it, so it is not late.
        self._extend(report, units[6], coordinator, deadline + timedelta(days=4), "汛期值守任务重，经批准延期报送。")
        self._extend(report, units[10], coordinator, deadline + timedelta(days=1),
                     "单位负责人外出学习，经批准延期一天。")
        for index, (state, hours) in plan.items():
            unit = units[index]
            reporter = db.session.query(User).filter_by(unit_id=unit.id).first()
            self._apply(report, unit, reporter, coordinator, state, _study_data(unit),
                        deadline + timedelta(hours=hours))
        return campaign

    def _henan_relay(self, samr: Campaign, henan: Unit, cities: list[Unit]) -> Campaign:
        """河南 passes 附件1 and 附件2 down with earlier deadlines; its cities file; 河南 gathers what they
        filed into its own 附件1 draft, and one city files after that (the draft shows as outdated)."""
        liaison = db.session.query(User).filter_by(unit_id=henan.id).first()
        zone = samr.zone
        annex1, annex2 = samr.deliverables
        published = datetime.combine(self.now.astimezone(zone).date() - timedelta(days=6), time(10, 0), zone)
        relay = create_relay(samr, henan, user=liaison, chosen=[
            RelayDeliverable(annex1, annex1.deadline - timedelta(days=3)),
            RelayDeliverable(annex2, annex2.deadline - timedelta(days=10))],
            title=f"河南省市场监督管理局关于转发《{samr.title}》的通知", doc_number="豫市监〔2023〕12号",
            contact_department="质量发展处", contact_name=liaison.name, contact_phone=henan.contacts[0].phone,
            contact_email=liaison.email, now=published)
        set_recipients(relay, cities)
        publish(relay, user=liaison, now=published)
        relay_annex1 = relay.deliverables[0]
        plan = {0: "submitted", 1: "accepted", 2: "submitted", 3: "draft", 4: "returned", 5: "submitted",
                6: "submitted", 7: "draft", 9: "accepted", 13: "submitted"}
        for index, state in plan.items():
            city = cities[index]
            reporter = db.session.query(User).filter_by(unit_id=city.id).first()
            self._apply(relay_annex1, city, reporter, liaison, state, _annex1_data(city),
                        self.now - timedelta(days=3, hours=index))
        own = get_submission(annex1, henan)
        save_draft(own, {"contact_name": liaison.name, "contact_phone": henan.contacts[0].phone}, base_version=None,
                   user=liaison, now=self.now - timedelta(hours=30))
        apply_gathering(own, relay_annex1, gather(annex1, relay_annex1), user=liaison, base_version=own.version,
                        now=self.now - timedelta(hours=26))
        nanyang = cities[12]
        self._apply(relay_annex1, nanyang, db.session.query(User).filter_by(unit_id=nanyang.id).first(), liaison,
                    "submitted", _annex1_data(nanyang), self.now - timedelta(hours=5))
        return relay

    def _xinxiang_office(self, coordinator: User, bureau: Unit) -> Campaign:
        """The city office's request to its bureaus, which 新乡市水利局 relays to its own units."""
        others = list(db.session.scalars(sa.select(Unit).where(Unit.code.in_(
            ["ha_xinxiang"] + [code for code, _, _ in XINXIANG_CITY_BUREAUS])).order_by(Unit.sort_order)))
        campaign = self._campaign("xinxiang_water_2023", coordinator, [bureau] + others, first_deadline_in_days=3)
        campaign.title = "关于认真组织开展《质量强国建设纲要》学习活动的通知"
        campaign.issuer, campaign.doc_number = XINXIANG_OFFICE, "新质强办〔2023〕1号"
        campaign.contact_department, campaign.contact_name = "市质量强市办", coordinator.name
        campaign.contact_phone, campaign.contact_email = "0373-2026001", coordinator.email
        report = campaign.deliverables[0]
        for unit, state, hours in zip(others, ("submitted", "accepted", "draft"), (-30, -48, -6)):
            reporter = db.session.query(User).filter_by(unit_id=unit.id).first()
            self._apply(report, unit, reporter, coordinator, state, _study_data(unit), self.now + timedelta(hours=hours))
        return campaign

    def _make_relay(self, notice: Campaign, upper: Campaign, unit: Unit, liaison: User) -> None:
        """Record that `notice` is `unit`'s relay of `upper` (the bureau's notice predates the app's relays)."""
        notice.relays_campaign_id, notice.relaying_unit_id = upper.id, unit.id
        for deliverable, passed in zip(notice.deliverables, upper.deliverables):
            deliverable.relays_deliverable_id = passed.id
        notice.coordinators.append(liaison)
        db.session.flush()

    def _extend(self, deliverable, unit, coordinator, deadline, reason) -> None:
        extend(get_submission(deliverable, unit), deadline=deadline, reason=reason, user=coordinator,
               now=deliverable.deadline - timedelta(days=1))

    def _apply(self, deliverable, unit, reporter, coordinator, state, data, when) -> None:
        submission = get_submission(deliverable, unit)
        if state == "draft":
            save_draft(submission, data, base_version=None, user=reporter, now=when)
            return
        if "photos" in data:
            data = {**data, "photos": _demo_photos(submission, reporter)}
        submit(submission, data, base_version=None, user=reporter, now=when)
        if state == "returned":
            return_(submission, reason="“组织开展学习情况”过于简略，请补充集中学习的时间、范围和参加人数。",
                    user=coordinator, now=when + timedelta(hours=5))
        elif state == "accepted":
            accept(submission, user=coordinator, now=when + timedelta(hours=3))


def _annex1_data(unit: Unit) -> dict:
    s = unit.short_name
    return {
        "leader_instructions": f"{s}主要负责同志对学习宣传贯彻《纲要》作出批示，要求全系统提高站位、狠抓落实。",
        "study": f"召开党组理论学习中心组专题学习会，{s}局领导班子成员和各处室主要负责同志参加；组织全系统干部开展线上学习。",
        "documents": [{"name": f"{s}贯彻落实《质量强国建设纲要》实施方案", "issuer": f"{s}党委、政府",
                       "progress": "已印发"}],
        "documents_none": False,
        "publicity": "利用“质量月”活动、门户网站和微信公众号开设专栏，发布解读文章12篇。",
        "experience": "坚持学用结合，把《纲要》任务分解到处室，建立清单化推进机制。",
        "contact_name": unit.contacts[0].name,
        "contact_phone": unit.contacts[0].phone,
    }


def _annex2_data(unit: Unit) -> dict:
    s = unit.short_name
    return {
        "title": f"{unit.name}学习宣传贯彻《质量强国建设纲要》工作总结",
        "learning": f"{s}党组第一时间传达学习《纲要》，主要负责同志作出批示，召开专题会议作出部署。",
        "documents": f"以{s}党委、政府名义印发贯彻落实《纲要》实施方案，明确重点任务和责任分工。",
        "activities": "结合“质量月”开展系列宣传活动，举办专题培训班3期，培训干部600余人次。",
        "experience": "坚持上下联动、部门协同，把《纲要》要求融入年度重点工作。",
        "exemplars": "培育质量提升示范项目5个，评选质量标杆企业12家。",
    }


def _study_data(unit: Unit) -> dict:
    s = unit.short_name
    return {
        "report_title": f"{unit.name}关于组织开展《质量强国建设纲要》学习活动情况的汇报",
        "report_text": f"{s}及时传达学习《质量强国建设纲要》，召开专题会议部署学习活动，组织干部职工集中学习两次。",
        "photos": [],
        "essays": [
            {"title": "以质量强国建设引领水利高质量发展", "author": _person(unit.id), "post": f"{s}工程股股长",
             "text": "通过学习《纲要》，深刻认识到质量是水利工程的生命线。"},
            {"title": "学习《纲要》的几点体会", "author": _person(unit.id + 3), "post": f"{s}办公室主任",
             "text": "要把《纲要》要求落实到工程建设管理的每个环节。"},
        ],
    }


PHOTO_CAPTIONS = ["集中学习《纲要》现场", "专题辅导讲座"]


def _demo_photos(submission, reporter: User) -> list[dict]:
    """Two drawn pictures uploaded the way a unit uploads them; returns the form's photo entries."""
    uploads = []
    for index, caption in enumerate(PHOTO_CAPTIONS):
        image = Image.new("RGB", (800, 600), (214 - 40 * index, 228, 240))
        draw = ImageDraw.Draw(image)
        draw.rectangle((120, 380, 680, 560), fill=(150, 40, 40))  # the rostrum
        for seat in range(8):
            draw.ellipse((70 + 85 * seat, 200, 130 + 85 * seat, 260), fill=(60, 60, 70))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
        out.seek(0)
        uploads.append(FileStorage(out, filename=f"{caption}.jpg", content_type="image/jpeg"))
    result = add_photos(submission, "photos", uploads, user=reporter)
    for photo in result.photos:  # what a worker does after an upload
        process_photo(photo)
        discard_files([upload_path(photo)])
    return [{"id": str(p.id), "caption": c} for p, c in zip(result.photos, PHOTO_CAPTIONS)]


def seed_demo(password: str | None = None, now: datetime | None = None) -> DemoSeeder:
    """Create the demo; the caller commits and prints `seeder.accounts`."""
    seeder = DemoSeeder(password=password, now=now)
    seeder.run()
    return seeder
