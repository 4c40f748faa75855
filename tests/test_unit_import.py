"""Importing the unit list from .xlsx or .csv: checked row by row, applied all or nothing, re-importable."""
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from campaign.extensions import db
from campaign.models import AuditEntry, Contact, Role, Unit, User
from campaign.services import WorkflowError
from campaign.services.unit_files import UnreadableFile, read_rows, template_xlsx
from campaign.services.unit_import import apply_import, plan_import
from tests.conftest import login
from tests.unit_lists import HEADER, XINXIANG, csv_text, xlsx

def plan_of(name, content):
    return plan_import(read_rows(name, content))


def units_by_code():
    db.session.expire_all()
    return {u.code: u for u in db.session.scalars(sa.select(Unit))}


def test_xlsx_import_builds_the_tree_with_order_contacts_and_accounts(app):
    plan = plan_of("名单.xlsx", xlsx(XINXIANG))
    assert plan.ok and (plan.new_units, plan.updated_units, plan.new_accounts) == (3, 0, 3)
    accounts = apply_import(plan, user=None)
    db.session.commit()
    units = units_by_code()
    assert units["weihui"].parent is units["xxsl"] and units["huixian"].parent is units["xxsl"]
    assert [u.code for u in sorted(units.values(), key=lambda u: u.sort_order)] == ["xxsl", "huixian", "weihui"]
    assert [(c.name, c.position, c.mobile, c.email) for c in units["weihui"].contacts] == [
        ("王建国", "办公室主任", "", "weihui@example.cn"), ("李丽华", "科员", "13900000000", "weihui2@example.cn")]
    assert units["huixian"].contacts[0].mobile == "13800000000"
    assert sorted(a.username for a in accounts) == ["weihui2@example.cn", "weihui@example.cn", "xxssljjdk@163.com"]
    for account in accounts:
        assert account.role is Role.reporter and account.password_hash is None and account.password_nonce
    assert db.session.get(User, accounts[0].id).unit.code == "xxsl"
    assert db.session.scalar(sa.select(AuditEntry).filter_by(action="units_imported")).detail["units_created"] == 3


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030(app, encoding):
    content = csv_text(XINXIANG).encode(encoding)
    rows = read_rows("units.CSV", content)
    assert rows[0].values["name"] == "新乡市水利局" and rows[0].number == 2
    assert plan_import(rows).ok


def test_undecodable_csv_is_refused_with_advice():
    with pytest.raises(UnreadableFile, match="CSV UTF-8"):
        read_rows("x.csv", b"\xff\xfe\x00\xd8\x00\x00\x81")


@pytest.mark.parametrize("name,content,message", [
    ("x.xls", b"\xd0\xcf\x11\xe0", "另存为” .xlsx"),
    ("x.xlsx", b"not a zip", "不是Excel 文件（.xlsx），或已损坏"),
    ("x.pdf", b"%PDF", "请上传 .xlsx 或 .csv 文件"),
    ("x.csv", "名称外,联系人\n卫辉,王\n".encode(), "找不到表头“单位名称”"),
])
def test_unreadable_files_say_what_to_do(name, content, message):
    with pytest.raises(UnreadableFile, match=message):
        read_rows(name, content)


def test_numbers_typed_into_excel_cells_read_as_text(app):
    rows = read_rows("a.xlsx", xlsx([["卫辉市水利局", "", 410781, "", 2.0, "王", "", 3734412345, 13900000000.0, ""]]))
    assert rows[0].values["code"] == "410781" and rows[0].values["sort_order"] == "2"
    assert rows[0].values["mobile"] == "13900000000"


def test_header_may_use_common_aliases_and_any_order(app):
    header = ["联系电话", "名称", "电子邮箱", "姓名", "上级单位"]
    rows = read_rows("a.csv", csv_text([["0373-1", "卫辉市水利局", "a@example.cn", "王", ""]], header).encode())
    assert rows[0].values == {"phone": "0373-1", "name": "卫辉市水利局", "email": "a@example.cn",
                              "contact": "王", "parent": ""}


def test_every_bad_row_is_reported_in_chinese_with_its_row_number_and_nothing_changes(app):
    bad = [
        ["新乡市水利局", "", "xxsl", "", "1", "", "", "", "", ""],
        ["", "", "", "", "", "王", "", "", "", ""],
        ["卫辉市水利局", "", "wei hui", "", "第二", "", "", "", "", ""],
        ["辉县市水利局", "", "huixian", "长垣", "", "张", "", "", "", "not-an-email"],
        ["获嘉县水利局", "", "huojia", "", "", "", "科员", "", "", ""],
        ["原阳县水利局", "", "yuanyang", "", "", "刘", "", "电话号码", "", ""],
    ]
    plan = plan_of("x.xlsx", xlsx(bad))
    messages = [str(e) for e in plan.errors]
    assert "第 3 行“单位名称”：请填写单位名称。" in messages
    assert any(m.startswith("第 4 行“单位代码”：单位代码只能由字母") for m in messages)
    assert "第 4 行“排序”：排序应为整数，“第二”不是整数。" in messages
    assert any(m.startswith("第 5 行“邮箱”：“not-an-email”不是有效的邮箱地址") for m in messages)
    assert "第 6 行“联系人”：填写了电话、手机、邮箱或职务时，请同时填写联系人姓名。" in messages
    assert any(m.startswith("第 7 行“电话”：“电话号码”不像电话号码") for m in messages)
    assert not plan.ok
    with pytest.raises(WorkflowError):
        apply_import(plan, user=None)
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0


def test_unknown_parent_and_cycles_are_errors(app):
    plan = plan_of("x.xlsx", xlsx([
        ["甲", "", "a", "b", "", "", "", "", "", ""],
        ["乙", "", "b", "a", "", "", "", "", "", ""],
        ["丙", "", "c", "不存在的单位", "", "", "", "", "", ""],
        ["丁", "", "d", "d", "", "", "", "", "", ""],
    ]))
    messages = [str(e) for e in plan.errors]
    assert any("第 2 行“上级单位”：“甲”的上级关系形成循环" in m for m in messages)
    assert any("第 4 行“上级单位”：找不到上级单位“不存在的单位”" in m for m in messages)
    assert "第 5 行“上级单位”：上级单位不能是单位自己。" in messages


def test_a_unit_repeated_with_different_columns_is_an_error(app):
    plan = plan_of("x.xlsx", xlsx([
        ["卫辉市水利局", "", "weihui", "", "1", "王", "", "", "", "a@example.cn"],
        ["卫辉市水利局", "", "weihui", "", "2", "李", "", "", "", "a@example.cn"],
        ["辉县市水利局", "", "weihui", "", "", "", "", "", "", ""],
    ]))
    messages = [str(e) for e in plan.errors]
    assert any(m.startswith("第 3 行“排序”：与第 2 行是同一单位") for m in messages)
    assert any(m.startswith("第 4 行“单位代码”：单位代码“weihui”在第 2 行已用于“卫辉市水利局”") for m in messages)


def test_duplicate_email_in_the_file_is_an_error(app):
    plan = plan_of("x.xlsx", xlsx([
        ["卫辉市水利局", "", "weihui", "", "", "王", "", "", "", "same@example.cn"],
        ["辉县市水利局", "", "huixian", "", "", "张", "", "", "", "SAME@example.cn"],
    ]))
    assert [str(e) for e in plan.errors] == [
        "第 3 行“邮箱”：邮箱 same@example.cn 与第 2 行重复；每个邮箱只能对应一名联系人。"]


def test_email_of_a_staff_account_or_another_units_reporter_is_refused(app, make_user, make_unit):
    make_user(Role.coordinator, email="boss@example.cn")
    other = make_unit("辉县市水利局", code="huixian")
    make_user(Role.reporter, unit=other, email="taken@example.cn")
    plan = plan_of("x.xlsx", xlsx([
        ["卫辉市水利局", "", "weihui", "", "", "王", "", "", "", "boss@example.cn"],
        ["卫辉市水利局", "", "weihui", "", "", "李", "", "", "", "taken@example.cn"],
    ]))
    messages = [str(e) for e in plan.errors]
    assert "第 2 行“邮箱”：邮箱 boss@example.cn 已是联络员账号，不能再作为填报人，请换用其他邮箱。" in messages
    assert any(m.startswith("第 3 行“邮箱”：邮箱 taken@example.cn 已是“辉县市水利局”的填报人账号") for m in messages)


def test_reimport_updates_units_by_code_and_contacts_by_email(app):
    apply_import(plan_of("a.xlsx", xlsx(XINXIANG)), user=None)
    db.session.commit()
    changed = [
        ["新乡市水利局", "市水利局", "xxsl", "", "1", "李述虎", "科长", "0373-2079642", "18737374374", "xxssljjdk@163.com"],
        ["卫辉市水利局（更名）", "卫辉", "weihui", "huixian", "9", "王建国", "副局长", "0373-0000000", "", "weihui@example.cn"],
        ["辉县市水利局", "", "huixian", "", "", "", "", "", "", ""],
        ["获嘉县水利局", "获嘉", "huojia", "xxsl", "4", "", "", "", "", ""],
    ]
    plan = plan_of("b.xlsx", xlsx(changed))
    assert plan.ok and (plan.new_units, plan.updated_units, plan.new_accounts) == (1, 3, 0)
    assert apply_import(plan, user=None) == []
    db.session.commit()
    units = units_by_code()
    assert len(units) == 4
    weihui = units["weihui"]
    assert weihui.name == "卫辉市水利局（更名）" and weihui.parent is units["huixian"] and weihui.sort_order == 9
    # The contact with the same e-mail is updated; the one not in this file is kept.
    assert [(c.name, c.position, c.phone) for c in weihui.contacts] == [
        ("王建国", "副局长", "0373-0000000"), ("李丽华", "科员", "")]
    # An empty 上级单位 or 排序 leaves the unit's current value.
    assert units["huixian"].parent is units["xxsl"] and units["huixian"].sort_order == 2
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 3


def test_reimport_matches_units_without_code_by_name_and_gives_them_the_code(app):
    first = [["卫辉市水利局", "", "", "", "", "王建国", "", "", "", ""]]
    apply_import(plan_of("a.csv", csv_text(first).encode()), user=None)
    db.session.commit()
    plan = plan_of("b.csv", csv_text([["卫辉市水利局", "", "weihui", "", "", "王建国", "", "0373-1", "", ""]]).encode())
    assert plan.updated_units == 1
    apply_import(plan, user=None)
    db.session.commit()
    [unit] = db.session.scalars(sa.select(Unit)).all()
    assert unit.code == "weihui" and [(c.name, c.phone) for c in unit.contacts] == [("王建国", "0373-1")]
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 1


def test_two_units_of_the_same_name_need_a_code(app, make_unit):
    make_unit("办公室", code="a-office")
    make_unit("办公室", code="b-office")
    plan = plan_of("x.csv", csv_text([["办公室", "", "", "", "", "", "", "", "", ""]]).encode())
    assert [str(e) for e in plan.errors] == ["第 2 行“单位名称”：系统中有 2 个名为“办公室”的单位，请填写单位代码以区分。"]


def test_template_has_every_column_and_an_explanation_sheet(app):
    book = load_workbook(io.BytesIO(template_xlsx()))
    assert book.sheetnames == ["单位名单", "填写说明"]
    assert [c.value for c in book["单位名单"][1]] == HEADER
    assert "单位代码" in [c.value for c in book["填写说明"]["A"]]
    # The template as downloaded reads back as a list with no units yet.
    plan = plan_of("模板.xlsx", template_xlsx())
    assert [str(e) for e in plan.errors] == ["文件：文件中没有单位数据，请在表头下方逐行填写单位。"]


# --- the administrator's pages ---------------------------------------------------------------

@pytest.fixture
def admin_client(client, make_user):
    login(client, make_user(Role.admin))
    return client


def post_file(client, name, content):
    return client.post("/admin/units/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_admin_previews_then_confirms_an_import(admin_client, smtp_server, app):
    app.config.update(smtp_server.settings())
    preview = post_file(admin_client, "名单.xlsx", xlsx(XINXIANG))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "检查通过：将新建 3 个单位，更新 0 个单位，新建 3 个填报人账号" in page and "确认导入" in page
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0  # nothing saved before confirming
    upload_id = page.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
    done = admin_client.post("/admin/units/import/confirm", data={"upload_id": upload_id})
    # The request returns at once and sends the admin to the job's progress page.
    assert done.status_code == 302 and "/jobs/" in done.location
    progress = admin_client.get(done.location).get_data(as_text=True)
    assert "导入完成：新建 3 个单位" in progress and "已向 3 个新账号发送设置密码的链接" in progress
    listing = admin_client.get("/admin/units").get_data(as_text=True)
    assert "卫辉市水利局" in listing and "待设置密码" in listing and listing.count("设置密码邮件：已发送") == 3
    assert sorted(m.rcpt_tos[0] for m in smtp_server.wait_for(3)) == [
        "weihui2@example.cn", "weihui@example.cn", "xxssljjdk@163.com"]
    # The same confirmation cannot be applied twice.
    again = admin_client.post("/admin/units/import/confirm", data={"upload_id": upload_id})
    assert again.status_code == 302 and again.location.endswith("/admin/units/import")
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 3


def test_admin_sees_each_error_with_its_row_and_nothing_is_offered_for_confirmation(admin_client):
    content = csv_text([XINXIANG[0], ["卫辉市水利局", "", "weihui", "长垣", "", "", "", "", "", ""]]).encode("gb18030")
    response = post_file(admin_client, "名单.csv", content)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "发现 1 处问题，未做任何更改" in page
    assert "<td>第 3 行</td><td>上级单位</td><td>找不到上级单位“长垣”" in page
    assert "确认导入" not in page


def test_unreadable_upload_is_shown_next_to_the_file_field(admin_client):
    response = post_file(admin_client, "名单.xls", b"\xd0\xcf\x11\xe0")
    assert response.status_code == 400
    assert 'id="file-errors"' in response.get_data(as_text=True)
    assert "另存为” .xlsx" in response.get_data(as_text=True)


def test_a_confirmation_forged_for_another_file_is_refused(admin_client):
    post_file(admin_client, "名单.xlsx", xlsx(XINXIANG))
    response = admin_client.post("/admin/units/import/confirm", data={"upload_id": "../../../etc/passwd"})
    assert response.status_code == 302 and response.location.endswith("/admin/units/import")
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0


def test_template_download_has_a_chinese_file_name(admin_client):
    response = admin_client.get("/admin/units/import/template.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.data)).sheetnames[0] == "单位名单"


# --- the command line ------------------------------------------------------------------------

def test_cli_dry_run_changes_nothing_and_import_applies(runner, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx(XINXIANG))
    result = runner.invoke(args=["import-units", str(path), "--dry-run"])
    assert result.exit_code == 0 and "检查通过（未导入）：将新建 3 个单位" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert "导入完成" in result.output and "已发送 3 封设置密码邮件" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 3


def test_cli_reports_errors_and_exits_non_zero(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_text([["", "", "", "", "", "", "", "", "", "x@example.cn"]]).encode())
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 1
    assert "第 2 行“单位名称”：请填写单位名称。" in result.output


def test_admin_sees_every_admin_and_coordinator_with_their_role(client, make_user, make_unit):
    import re

    admin = make_user(Role.admin, username="zhang-admin")
    make_user(Role.admin, username="li-admin")
    coordinator = make_user(Role.coordinator, username="wang-coord")
    reporter = make_user(Role.reporter, unit=make_unit("北京市市场监督管理局"), username="bj-reporter")
    coordinator.active = False
    db.session.commit()
    login(client, admin)
    page = client.get("/admin/units").get_data(as_text=True)
    staff = page.split('<h2 id="staff">')[1].split('<h2 id="units">')[0]
    rows = re.findall(r'<tr id="user-\d+">\s*<td>(\S+)</td>\s*<td>\s*<div class="account">([^（]+)（', staff)
    assert rows == [("管理员", "li-admin"), ("管理员", "zhang-admin"), ("联络员", "wang-coord")]
    assert "bj-reporter" not in staff and "bj-reporter" in page.split('<h2 id="units">')[1]
    wang = staff.split("wang-coord")[1].split("</tr>")[0]
    assert "已停用" in wang and "最近登录：从未登录" in wang and "启用" in wang
    mine = staff.split("zhang-admin")[1].split("</tr>")[0]
    assert "当前登录的账号" in mine and "停用" not in mine  # nobody disables the account they are using
    done = client.post(f"/admin/users/{coordinator.id}/active", data={"active": "1"})
    assert done.status_code == 302 and done.location.endswith(f"#user-{coordinator.id}")
    db.session.refresh(coordinator)
    assert coordinator.active and reporter.active
