"""A notice read into a proposed campaign: both seed notices come out as their built-in presets (as text
and as Word files with real merged tables), a dozen variants come out as a person would read them, and
every value says where it came from."""
import os
import shutil
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from campaign.models import Role

from campaign.definitions.presets import load_preset, parse_preset
from campaign.definitions.proposer import NoDeliverable, propose, source_lines
from campaign.documents.notice_reader import docx_lines, notice_lines, text_lines
from campaign.documents.safety import DocumentRefused
from tests.notice_files import SAMR, XINXIANG, docx_from_text, seed_text, without_keys, without_keys_form


SEEDS = [(SAMR, "samr_2023_9"), (XINXIANG, "xinxiang_water_2023")]


@pytest.mark.parametrize("seed,preset", SEEDS)
@pytest.mark.parametrize("as_word", [False, True], ids=["text", "docx"])
def test_each_seed_notice_comes_out_as_its_preset(seed, preset, as_word):
    text = seed_text(seed)
    lines = docx_lines(docx_from_text(text)) if as_word else text_lines(text)
    proposal = propose(lines)
    assert without_keys(parse_preset(proposal.yaml())) == without_keys(load_preset(preset))


def test_every_value_says_where_it_came_from():
    proposal = propose(text_lines(seed_text(SAMR)))
    annex1, annex2 = proposal.deliverables
    assert proposal.doc_number.source == "国市监质发〔2023〕9号"
    assert proposal.contact_name.source == "联系人:质量发展局 张俭 010-82262046"
    assert proposal.issued_on.source == "2023年2月8日印发"
    assert "2023年3月31日前" in annex1.deadline.source and "(附件1)" in annex1.deadline.source
    assert annex2.deadline.value == datetime(2023, 12, 31, 23, 59, 59)
    lines = source_lines(proposal)
    assert "附件2 截止时间：2023-12-31 23:59 ← 各单位请于2023年3月31日前将学习宣传贯彻《纲要》进展情况报送总局(附件1)," \
           "2023年12月底前报送学习宣传贯彻《纲要》工作总结(附件2)。" in lines
    assert "附件2 栏目“字数限制 3000 字” ← 总结材料要有数据支撑，突出特色、亮点，字数控制在 3000 字以内。" in lines
    assert any(line.startswith("附件1 栏目“出台贯彻落实《纲要》文件情况” ← 表头“出台贯彻落实《纲要》文件情况”下分 文件名称、发文主体、当前进展")
               for line in lines)
    assert "注意：附件1的“填报单位(盖章)”由系统按填报单位的账号填写，不单独设栏目。" in lines
    xinxiang = propose(text_lines(seed_text(XINXIANG)))
    assert xinxiang.issued_on.value is None and xinxiang.issued_on.note == "通知中没有印发日期。"
    assert xinxiang.doc_number.note == "通知中没有文号。"
    assert "报送至市水利局水利工程建设与监督科" in xinxiang.department.source


def test_the_command_prints_a_loadable_definition_then_the_sources(app, tmp_path):
    notice = tmp_path / "通知.docx"
    notice.write_bytes(docx_from_text(seed_text(SAMR)))
    result = app.test_cli_runner().invoke(args=["propose-campaign", str(notice)])
    assert result.exit_code == 0, result.output
    definition, _, sources = result.output.partition("\n# 各项取自通知的哪一句：\n")
    assert without_keys(parse_preset(definition)) == without_keys(load_preset("samr_2023_9"))
    assert "# 文号：国市监质发〔2023〕9号 ← 国市监质发〔2023〕9号" in sources
    # The whole output loads too: the sources are comments.
    assert parse_preset(result.output).title == "市场监管总局关于认真学习宣传贯彻《质量强国建设纲要》的通知"


def test_the_command_fails_on_a_notice_with_nothing_to_file_and_on_a_file_it_cannot_read(app, tmp_path):
    plain = tmp_path / "会议通知.txt"
    plain.write_text("新乡市水利局\n关于召开全体干部会议的通知\n各科室：\n定于3月2日上午9时召开全体干部会议，请准时参加。\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["propose-campaign", str(plain)])
    assert result.exit_code == 2 and "没有找到需要填报的附件" in result.output
    fake = tmp_path / "通知.docx"
    fake.write_bytes(b"<html>not a document</html>")
    result = app.test_cli_runner().invoke(args=["propose-campaign", str(fake)])
    assert result.exit_code == 1 and "不是Word 文件（.docx）" in result.output


# --- variants ------------------------------------------------------------------------------------

def samr(*replacements: tuple[str, str]) -> list[str]:
    text = seed_text(SAMR)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text_lines(text)


def labels(deliverable) -> list[str]:
    return [f["label"] for f in deliverable.fields]


def test_a_table_with_an_extra_column_gets_a_field_for_it():
    proposal = propose(samr(("\t好的经验和做法\n", "\t好的经验和做法\t存在的问题\n"),
                            ("\t\t\t文件名称\t发文主体\t当前进展\t\t", "\t\t\t文件名称\t发文主体\t当前进展\t\t\t")))
    assert labels(proposal.deliverables[0])[-3:] == ["存在的问题", "联系人", "联系电话"]


def test_a_table_with_one_header_row_has_a_text_box_per_column():
    proposal = propose(samr(("\t\t\t文件名称\t发文主体\t当前进展\t\t\n", ""),
                            ("出台贯彻落实《纲要》文件情况\t\t\t", "出台贯彻落实《纲要》文件情况\t")))
    annex1 = proposal.deliverables[0]
    assert [f["type"] for f in annex1.fields][:5] == ["textarea"] * 5
    assert labels(annex1)[2] == "出台贯彻落实《纲要》文件情况"


def test_an_outline_with_bracketed_headings_and_another_limit_wording():
    proposal = propose(samr(("一、学习《纲要》有关情况", "（一）学习《纲要》有关情况"),
                            ("二、出台《纲要》贯彻落实文件情况", "（二）出台《纲要》贯彻落实文件情况"),
                            ("三、开展", "（三）开展"), ("四、学习", "（四）学习"), ("五、涌现", "（五）涌现"),
                            ("字数控制在 3000 字以内", "字数不超过2000字")))
    annex2 = proposal.deliverables[1]
    assert labels(annex2)[1:] == ["（一）学习《纲要》有关情况", "（二）出台《纲要》贯彻落实文件情况",
                                  "（三）开展的重要学习宣传贯彻活动情况和取得的成效", "（四）学习宣传贯彻工作中好的经验、做法",
                                  "（五）涌现出的先进典型和示范案例"]
    assert annex2.fields[1]["guidance"] == "主要包括：领导批示、集中学习、作出部署等情况。"
    assert annex2.limits[0]["max_words"] == 2000 and len(annex2.limits[0]["fields"]) == 5


def test_an_outline_with_numbered_headings_and_no_limit():
    proposal = propose(samr(("一、学习", "1.学习"), ("二、出台", "2.出台"), ("三、开展", "3.开展"), ("四、学习", "4.学习"),
                            ("五、涌现", "5.涌现"), ("总结材料要有数据支撑，突出特色、亮点，字数控制在 3000 字以内。", "")))
    annex2 = proposal.deliverables[1]
    assert len([f for f in annex2.fields if f["type"] == "section"]) == 5 and annex2.limits == []


def test_deadline_without_a_year_takes_the_year_of_issue_and_says_so():
    proposal = propose(samr(("各单位请于2023年3月31日前", "各单位请于4月15日前")))
    deadline = proposal.deliverables[0].deadline
    assert deadline.value == datetime(2023, 4, 15, 23, 59, 59)
    assert deadline.note == "截止日期未写年份，按 2023 年。"


def test_deadline_at_the_end_of_a_month_and_at_a_set_hour():
    proposal = propose(samr(("2023年3月31日前将", "2023年3月底前将"), ("2023年12月底前报送", "2023年12月15日17:30前报送")))
    assert [d.deadline.value for d in proposal.deliverables] == [datetime(2023, 3, 31, 23, 59, 59),
                                                                 datetime(2023, 12, 15, 17, 30)]


def test_deadline_in_a_sentence_of_its_own_with_zhiqian():
    proposal = propose(samr(("各单位请于2023年3月31日前将学习宣传贯彻《纲要》进展情况报送总局(附件1),2023年12月底前报送学习宣传贯彻《纲要》工作总结(附件2)。",
                             "附件1请于2023年4月10日之前报送。附件2于2023年11月30日前报送。")))
    assert [d.deadline.value for d in proposal.deliverables] == [datetime(2023, 4, 10, 23, 59, 59),
                                                                 datetime(2023, 11, 30, 23, 59, 59)]


def test_a_deadline_the_notice_does_not_give_is_left_empty_with_a_note():
    proposal = propose(samr(("2023年12月底前报送学习宣传贯彻《纲要》工作总结(附件2)", "另行通知工作总结的报送时间")))
    assert proposal.deliverables[1].deadline.value is None
    assert proposal.deliverables[1].deadline.note == "通知中没有写明附件2的报送时间，请填写。"


def test_annexes_numbered_in_chinese_and_a_deadline_before_office_hours_end():
    proposal = propose(samr(("附件 1\n", "附件一\n"), ("附件 2\n", "附件二\n"),
                            ("2023年3月31日前将", "2023年3月31日下班前将")))
    assert [d.short_title.value for d in proposal.deliverables] == ["附件1", "附件2"]
    assert proposal.deliverables[0].deadline.value == datetime(2023, 3, 31, 18, 0)
    assert proposal.deliverables[0].definition()["deadline"] == "2023-03-31 下班前"


def test_an_annex_that_is_reading_material_is_named_and_left_out():
    text = seed_text(SAMR) + "\n附件 3\n质量强国建设纲要\n建设质量强国是推动高质量发展的重要举措。\n"
    proposal = propose(text_lines(text))
    assert len(proposal.deliverables) == 2
    assert "附件3“质量强国建设纲要”不是表格或提纲（看起来是供学习的材料），未生成报送事项。" in proposal.notes


def test_a_notice_without_masthead_number_or_date_proposes_empty_values_with_notes():
    proposal = propose(samr(("国家市场监督管理总局文件", ""), ("国市监质发〔2023〕9号", ""), ("2023年2月8日印发", ""),
                            ("联系人:质量发展局 张俭 010-82262046", ""), ("电子邮箱:zhangjian01@samr.gov.cn", "")))
    assert proposal.issuer.value == "市场监管总局"  # the title's part before 关于
    assert proposal.doc_number.value == "" and proposal.issued_on.value is None
    assert proposal.contact_name.value is None and proposal.contact_name.note == "通知中未找到，请填写。"
    # Without a year of issue, a deadline that gives its year still stands.
    assert proposal.deliverables[0].deadline.value == datetime(2023, 3, 31, 23, 59, 59)


def test_a_pasted_notice_with_full_width_spaces_and_a_title_over_two_lines():
    proposal = propose(samr(("市场监管总局关于认真学习宣传贯彻 《质量强国建设纲要》的通知",
                             "市场监管总局关于认真学习宣传贯彻\u3000\n《质量强国建设纲要》的通知")))
    assert proposal.title.value == "市场监管总局关于认真学习宣传贯彻《质量强国建设纲要》的通知"
    assert proposal.issued_on.value == date(2023, 2, 8)


def test_a_notice_with_no_annex_and_no_request_proposes_nothing():
    with pytest.raises(NoDeliverable):
        propose(text_lines("某某局\n关于放假安排的通知\n各科室：\n国庆节放假7天。\n"))


@pytest.mark.parametrize("name,content,message", [
    ("通知.pdf", b"%PDF-1.4", "请上传通知的 Word 文件"),
    ("通知.docx", b"PK\x03\x04" + b"\x00" * 100, "文件已损坏"),
    ("通知.txt", b"\x00\x01binary", "不是文本文件"),
    ("通知.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "加密文件或旧版格式"),
])
def test_files_that_cannot_be_read_are_refused_with_what_to_do(name, content, message):
    with pytest.raises(DocumentRefused) as refused:
        notice_lines(name, content)
    assert message in str(refused.value)


def test_a_word_notice_whose_text_is_broken_xml_is_refused():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_from_text(seed_text(SAMR)))) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            target.writestr(item, content[: len(content) // 2] if item.filename == "word/document.xml" else content)
    with pytest.raises(DocumentRefused, match="文件已损坏"):
        notice_lines("通知.docx", out.getvalue())


def test_a_word_notice_with_a_macro_part_is_refused():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_from_text(seed_text(SAMR)))) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/vbaProject.bin", b"\x00" * 64)
    with pytest.raises(DocumentRefused, match="含有宏"):
        notice_lines("通知.docx", out.getvalue())


# --- on the web -------------------------------------------------------------------------------------

def test_a_coordinator_uploads_the_samr_notice_checks_it_and_gets_the_presets_forms(client, make_user):
    from campaign.extensions import db
    from campaign.models import AuditEntry, Campaign
    from tests.conftest import login
    import io
    import re
    import sqlalchemy as sa

    coordinator = make_user(Role.coordinator)
    login(client, coordinator)
    page = client.post("/coordinator/campaigns/new/notice", data={
        "upload": (io.BytesIO(docx_from_text(seed_text(SAMR))), "关于认真学习宣传贯彻《质量强国建设纲要》的通知.docx")},
        content_type="multipart/form-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="国市监质发〔2023〕9号"' in html and "出处：「国市监质发〔2023〕9号」" in html
    assert "出处：「联系人:质量发展局 张俭 010-82262046」" in html
    assert "出处：「各单位请于2023年3月31日前将学习宣传贯彻《纲要》进展情况报送总局(附件1)" in html
    # The coordinator corrects the contact's phone, then creates the draft as proposed otherwise.
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', html))
    definition = re.search(r'<textarea[^>]*name="definition"[^>]*>\n?(.*?)</textarea>', html, re.S).group(1)
    import html as html_lib
    data = {name: html_lib.unescape(value) for name, value in fields.items()}
    data.pop("shift")  # a tick box, left as it is shown: unticked (the notice's own dates)
    data.update(definition=html_lib.unescape(definition), contact_phone="010-82262046 转 1")
    done = client.post("/coordinator/campaigns/new/notice/create", data=data)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    campaign = db.session.scalars(sa.select(Campaign)).one()
    assert campaign.contact_phone == "010-82262046 转 1" and campaign.doc_number == "国市监质发〔2023〕9号"
    assert campaign.preset is None and campaign.state.value == "draft"
    preset = load_preset("samr_2023_9")
    assert [without_keys_form(d.form) for d in campaign.deliverables] == [without_keys_form(d.form) for d in preset.deliverables]
    assert [d.deadline.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None) for d in campaign.deliverables] == \
        [d.deadline for d in preset.deliverables]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "campaign_created")).one()
    assert entry.detail.get("from_notice") is True


def test_a_refused_create_keeps_every_value_and_the_sources(client, make_user):
    from tests.conftest import login
    login(client, make_user(Role.coordinator))
    text = seed_text(XINXIANG)
    page = client.post("/coordinator/campaigns/new/notice", data={"text": text}).get_data(as_text=True)
    assert "出处：「联系人：李述虎 电话：2079642 18737374374」" in page
    import re
    import html as html_lib
    sources = html_lib.unescape(re.search(r'name="sources"[^>]*value="([^"]*)"', page).group(1))
    refused = client.post("/coordinator/campaigns/new/notice/create", data={
        "title": "新乡市水利局关于组织开展《质量强国建设纲要》学习活动的通知", "issuer": "新乡市水利局",
        "definition": "deliverables:\n  - key: report\n    title: 学习活动情况\n    fields: [{key: a, type: textarea, label: 汇报}]\n",
        "sources": sources})
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "“学习活动情况”还没有截止时间" in body
    assert "出处：「联系人：李述虎 电话：2079642 18737374374」" in body and "学习活动情况汇报" in body


def test_a_notice_page_refuses_what_it_cannot_read_beside_the_field(client, make_user):
    from tests.conftest import login
    import io
    login(client, make_user(Role.coordinator))
    refused = client.post("/coordinator/campaigns/new/notice", data={"upload": (io.BytesIO(b"MZ\x90\x00"), "通知.exe")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400 and "请上传通知的 Word 文件" in refused.get_data(as_text=True)
    empty = client.post("/coordinator/campaigns/new/notice", data={"text": "关于放假的通知\n各科室：\n放假。\n"})
    assert empty.status_code == 400 and "没有找到需要填报的附件" in empty.get_data(as_text=True)
    assert "关于放假的通知" in empty.get_data(as_text=True)  # the pasted text stays


def test_an_expired_proposal_page_keeps_the_corrections(make_app, app, make_user):
    from tests.conftest import login_with_token
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login_with_token(client, make_user(Role.coordinator))
    page = client.post("/coordinator/campaigns/new/notice/create", data={
        "csrf_token": "stale", "title": "某局关于报送学习情况的通知", "contact_name": "王五（已核对）",
        "definition": "deliverables: []\n"})
    body = page.get_data(as_text=True)
    assert page.status_code == 400 and "页面已过期（安全校验失败），您填写的内容已保留" in body
    assert 'value="王五（已核对）"' in body and "某局关于报送学习情况的通知" in body


@pytest.mark.office
@pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"), reason="LibreOffice not installed")
def test_a_notice_saved_as_doc_is_read_through_libreoffice(tmp_path):
    source = tmp_path / "通知.docx"
    source.write_bytes(docx_from_text(seed_text(SAMR)))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(source)], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proposal = propose(notice_lines("通知.doc", (tmp_path / "通知.doc").read_bytes()))
    assert without_keys(parse_preset(proposal.yaml())) == without_keys(load_preset("samr_2023_9"))
