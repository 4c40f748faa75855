"""In Chromium: a coordinator uploads each seed notice as a Word file, checks the proposals beside their
sources, creates the draft, publishes, and the forms are the built-in preset's."""
import pytest
import sqlalchemy as sa

from campaign.definitions.presets import load_preset
from campaign.extensions import db
from campaign.models import Campaign, CampaignState, Role
from tests.browser import log_in
from tests.notice_files import SAMR, XINXIANG, docx_from_text, seed_text, without_keys_form

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("seed,preset,source", [
    (SAMR, "samr_2023_9", "出处：「国市监质发〔2023〕9号」"),
    (XINXIANG, "xinxiang_water_2023", "出处：「联系人：李述虎 电话：2079642 18737374374」"),
])
def test_a_seed_notice_uploaded_as_word_becomes_a_published_campaign_with_the_presets_forms(
        page, live_server, make_unit, make_user, tmp_path, seed, preset, source):
    unit = make_unit("卫辉市水利局")
    db.session.commit()
    make_user(Role.coordinator, username="lianluoyuan")
    notice = tmp_path / "通知.docx"
    notice.write_bytes(docx_from_text(seed_text(seed)))

    log_in(page, live_server, "lianluoyuan", "/coordinator/")
    page.get_by_role("link", name="新建通知").click()
    page.get_by_role("link", name="上传或粘贴通知").click()
    page.get_by_label("通知文件（.docx，或 .doc、.wps）").set_input_files(str(notice))
    page.get_by_role("button", name="读取通知").click()
    page.get_by_role("heading", name="核对从通知中读出的内容").wait_for()
    assert source in page.content()
    expected = load_preset(preset)
    assert page.get_by_label("通知标题").input_value() == expected.title
    page.get_by_role("button", name="创建草稿").click()
    page.wait_for_url("**/coordinator/campaigns/*")
    assert "已按通知创建草稿" in page.locator(".flash-success").inner_text()

    page.get_by_role("link", name="选择报送单位").click()
    page.locator(f"#unit-{unit.id}").check()
    page.get_by_role("button", name="保存报送单位").click()
    page.wait_for_url("**/coordinator/campaigns/*")
    page.get_by_role("link", name="核对并发布").click()
    page.get_by_label("截止时间已过，仍然发布").check()  # the notice's own (2023) dates were kept
    page.get_by_role("button", name="发布").click()
    page.wait_for_url("**/coordinator/campaigns/*")
    assert not page.console_errors

    db.session.expire_all()
    campaign = db.session.scalar(sa.select(Campaign))
    assert campaign.state is CampaignState.published
    assert (campaign.title, campaign.doc_number, campaign.issuer, campaign.contact_name, campaign.contact_email) == (
        expected.title, expected.doc_number, expected.issuer, expected.contact["name"], expected.contact["email"])
    assert [(d.short_title, d.title, without_keys_form(d.form)) for d in campaign.deliverables] == [
        (d.short_title, d.title, without_keys_form(d.form)) for d in expected.deliverables]
