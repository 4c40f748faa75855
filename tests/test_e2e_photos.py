"""In Chromium: a county water bureau uploads photos by choosing them; the text typed before is kept."""
import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Photo, Role, Submission
from tests.browser import log_in
from tests.conftest import PASSWORD
from tests.photo_helpers import jpeg_bytes, png_bytes

pytestmark = pytest.mark.browser


def test_choosing_photos_uploads_them_with_the_typed_text_saved(page, live_server, make_unit, make_user,
                                                                make_campaign, tmp_path):
    unit = make_unit("卫辉市水利局")
    make_user(Role.reporter, unit=unit, username="weihui")
    deliverable = make_campaign("xinxiang_water_2023", units=[unit]).deliverables[0]
    first, second = tmp_path / "现场.jpg", tmp_path / "党课.png"
    first.write_bytes(jpeg_bytes((60, 40), orientation=6))
    second.write_bytes(png_bytes())

    page.goto(live_server + "/auth/login")
    page.get_by_label("用户名").fill("weihui")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server + "/unit/")
    page.goto(f"{live_server}/unit/deliverables/{deliverable.id}")
    page.get_by_label("学习活动情况汇报", exact=True).fill("我局于2月组织全体干部集中学习《纲要》。")

    # Choosing files is enough: the script presses 上传照片, which saves the draft with them.
    page.locator("#upload_photos").set_input_files([str(first), str(second)])
    page.wait_for_selector("img[src$='/thumbnail'] >> nth=1")
    assert "已上传 2 张照片，草稿已保存" in page.content()
    assert page.get_by_label("学习活动情况汇报", exact=True).input_value() == "我局于2月组织全体干部集中学习《纲要》。"
    widths = page.eval_on_selector_all("img[src$='/thumbnail']", "els => els.map(e => e.naturalHeight > e.naturalWidth)")
    assert widths == [True, False]  # the first was taken upright: its EXIF orientation is applied

    page.get_by_label("照片 1 说明").fill("集中学习现场")
    page.get_by_role("button", name="保存草稿", exact=True).last.click()
    page.wait_for_load_state()
    db.session.expire_all()
    submission = db.session.scalar(sa.select(Submission).filter_by(deliverable_id=deliverable.id, unit_id=unit.id))
    photos = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    assert submission.data["report_text"] == "我局于2月组织全体干部集中学习《纲要》。"
    assert submission.data["photos"] == [{"id": str(photos[0].id), "caption": "集中学习现场"},
                                         {"id": str(photos[1].id), "caption": ""}]

    page.get_by_role("button", name="删除照片 2").click()
    page.wait_for_load_state()
    assert page.locator("img[src$='/thumbnail']").count() == 1
    assert page.get_by_label("照片 1 说明").input_value() == "集中学习现场"
    assert not page.console_errors


def test_an_oversized_photo_is_stopped_in_the_browser_before_uploading(page, live_server, app, make_unit, make_user,
                                                                       make_campaign, tmp_path):
    app.config["MAX_PHOTO_BYTES"] = 1000
    unit = make_unit("辉县市水利局")
    make_user(Role.reporter, unit=unit, username="huixian")
    deliverable = make_campaign("xinxiang_water_2023", units=[unit]).deliverables[0]
    big = tmp_path / "大.jpg"
    big.write_bytes(jpeg_bytes((400, 400)))

    page.goto(live_server + "/auth/login")
    page.get_by_label("用户名").fill("huixian")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server + "/unit/")
    page.goto(f"{live_server}/unit/deliverables/{deliverable.id}")
    page.locator("#upload_photos").set_input_files(str(big))
    page.wait_for_selector("text=请压缩或缩小后重新选择")
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0


def test_photos_decoded_by_a_worker_appear_on_the_open_form_without_a_reload(page, live_server, make_unit, make_user,
                                                                           make_campaign, tmp_path, monkeypatch):
    from huey.storage import MemoryStorage

    from campaign.jobs import huey
    from campaign.services.photos import run_photo_job

    # Jobs wait in the queue instead of running at once; the test plays the worker.
    monkeypatch.setattr(huey, "storage", MemoryStorage("campaign"))
    monkeypatch.setattr(huey, "_immediate", False)
    unit = make_unit("获嘉县水利局")
    make_user(Role.reporter, unit=unit, username="huojia")
    deliverable = make_campaign("xinxiang_water_2023", units=[unit]).deliverables[0]
    good, broken = tmp_path / "现场.jpg", tmp_path / "半张.jpg"
    good.write_bytes(jpeg_bytes((60, 40)))
    whole = jpeg_bytes((400, 300))
    broken.write_bytes(whole[: len(whole) // 2])

    log_in(page, live_server, "huojia", "/unit/")
    page.goto(f"{live_server}/unit/deliverables/{deliverable.id}")
    page.locator("#upload_photos").set_input_files([str(good), str(broken)])
    page.wait_for_selector("text=照片处理中")
    assert page.locator("[data-photo-wait]").count() == 2 and page.locator("img[src$='/thumbnail']").count() == 0
    # Typing goes on while the photos wait; what is typed stays when they arrive.
    page.get_by_label("照片 1 说明").fill("集中学习现场")

    db.session.expire_all()
    job_id = db.session.scalars(sa.select(Photo.job_id)).first()
    run_photo_job(job_id)
    page.wait_for_selector("img[src$='/thumbnail']")
    page.wait_for_selector("text=“半张.jpg”已损坏或不完整")
    assert page.locator("[data-photo-wait]").count() == 0
    assert page.get_by_label("照片 1 说明").input_value() == "集中学习现场"
    assert "1 张照片无法读取，请在表单中删除后重新上传" in page.locator(".photo-job").inner_text()
    assert not page.console_errors
