"""Long work done by real workers: a huey consumer in its own process, on the SQLite queue that needs
no extra server (and on Redis, as on several machines), against the test database and a real SMTP
server. The request that starts the work returns at once; each link is sent exactly once."""
import io
import os
import time

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.jobs import huey
from campaign.jobs.tasks import deliver_password_links
from campaign.models import Job, JobState, Role, User
from tests.conftest import login
from tests.unit_lists import xlsx
from tests.workers import queue, wait_for_job, worker  # noqa: F401 - fixtures

UNITS = 30


def unit_list(count: int) -> bytes:
    rows = [[f"第{i:02d}县水利局", f"第{i:02d}县", f"county{i}", "", str(i), f"联系人{i}", "科员", "", "13800000000",
             f"county{i}@units.example.cn"] for i in range(count)]
    return xlsx(rows)


def test_an_import_answers_at_once_and_a_worker_sends_each_link_exactly_once(
        app, client, make_user, smtp_server, worker, tmp_path):
    app.config.update(smtp_server.settings())
    login(client, make_user(Role.admin))
    preview = client.post("/admin/units/import", data={"file": (io.BytesIO(unit_list(UNITS)), "名单.xlsx")},
                          content_type="multipart/form-data").get_data(as_text=True)
    upload_id = preview.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
    started = time.monotonic()
    done = client.post("/admin/units/import/confirm", data={"upload_id": upload_id})
    answered_in = time.monotonic() - started
    assert done.status_code == 302 and "/jobs/" in done.location
    job_id = int(done.location.rsplit("/", 1)[1])
    first_look = client.get(done.location).get_data(as_text=True)
    assert "发送设置密码邮件" in first_look and "<progress" in first_look
    job = wait_for_job(job_id)
    assert job.state is JobState.done and job.done == UNITS, (job.message, (tmp_path / "worker.log").read_text())
    received = smtp_server.wait_for(UNITS)
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(f"county{i}@units.example.cn" for i in range(UNITS))
    statuses = db.session.scalars(sa.select(User.link_status).where(User.role == Role.reporter)).all()
    assert statuses == ["sent"] * UNITS
    # The same job queued again (a retry, a second worker) sends nothing more.
    deliver_password_links(job_id)
    time.sleep(1.5)
    wait_for_job(job_id)
    assert len(smtp_server.messages) == UNITS
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status == {"state": "done", "label": "已完成", "total": UNITS, "done": UNITS, "failed": 0, "percent": 100,
                      "message": f"已向 {UNITS} 个新账号发送设置密码的链接。", "finished": True, "is_failed": False}
    print(f"confirm answered in {answered_in:.2f} s")


def test_health_checks_for_the_load_balancer_and_the_front_page_sends_to_login(client, monkeypatch):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == {"status": "ok", "checks": {"database": True, "queue": True}}
    front = client.get("/")
    assert front.status_code == 302 and front.location.endswith("/auth/login")
    monkeypatch.setattr(huey, "pending_count", lambda: (_ for _ in ()).throw(ConnectionError("redis down")))
    down = client.get("/readyz")
    assert down.status_code == 503 and down.get_json()["checks"] == {"database": True, "queue": False}


@pytest.fixture
def xinxiang_filed(make_unit, make_user, make_campaign):
    """The 新乡 notice with one unit's report filed (its photos are what makes the rollup long work)."""
    from campaign.services.submissions import get_submission, submit

    unit = make_unit("卫辉市水利局")
    campaign = make_campaign("xinxiang_water_2023", units=[unit])
    deliverable = campaign.deliverables[0]
    essays = [{"title": f"体会{i}", "author": "王五", "post": "股长", "text": "学习体会正文。"} for i in (1, 2)]
    submit(get_submission(deliverable, unit), {"report_title": "汇报", "report_text": "集中学习两次。", "photos": [],
                                               "essays": essays},
           base_version=None, user=make_user(Role.reporter, unit=unit))
    db.session.commit()
    return campaign, deliverable, campaign.coordinators[0]


def test_a_rollup_with_photos_is_built_by_a_worker_and_downloaded_from_its_job(client, xinxiang_filed, make_user):
    campaign, deliverable, coordinator = xinxiang_filed
    login(client, coordinator)
    response = client.get(f"/reports/campaigns/{campaign.id}/deliverables/{deliverable.id}/docx")
    assert response.status_code == 302 and "/jobs/" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "已生成《" in page and "保留至" in page and "下载 " in page
    built = client.get(response.location + "/file")
    assert built.status_code == 200 and built.data[:2] == b"PK"
    assert "filename*=UTF-8''" in built.headers["Content-Disposition"] and 'filename="study_report-' in \
        built.headers["Content-Disposition"]
    built.close()
    # Nobody else follows or downloads it.
    client.post("/auth/logout")
    login(client, make_user(Role.coordinator))
    assert client.get(response.location + "/file").status_code == 404
    assert client.get(response.location).status_code == 404
    # Kept for ROLLUP_KEEP_HOURS, then deleted by the periodic pass.
    from datetime import timedelta

    from campaign.services.jobs import purge_rollups, rollup_file

    job = db.session.get(Job, int(response.location.rsplit("/", 1)[1]))
    assert rollup_file(job) is not None
    later = job.finished_at + timedelta(hours=25)
    assert rollup_file(job, later) is None
    assert purge_rollups(later) == 1 and rollup_file(job) is None


def test_uploaded_photos_are_decoded_by_a_worker_while_the_form_shows_their_progress(client, make_unit, make_user,
                                                                                     make_campaign, queue, tmp_path,
                                                                                     database_url, smtp_server):
    from PIL import Image

    from campaign.models import Photo
    from campaign.services.photos import photo_path, upload_path
    from tests.photo_helpers import jpeg_bytes
    from tests.workers import start_worker

    unit = make_unit("卫辉市水利局")
    deliverable = make_campaign("xinxiang_water_2023", units=[unit]).deliverables[0]
    login(client, make_user(Role.reporter, unit=unit))
    url = f"/unit/deliverables/{deliverable.id}"
    whole = jpeg_bytes((400, 300))
    half = whole[: len(whole) // 2]
    files = [(io.BytesIO(jpeg_bytes((4000, 3000), orientation=6)), "竖拍.jpg"),
             (io.BytesIO(half), "半张.jpg")]
    response = client.post(url, data={"action": "upload:photos", "report_text": "正文", "upload_photos": files},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    # No worker yet: the request only read the headers and kept the files as they came.
    photos = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    assert [p.state for p in photos] == ["pending", "pending"]
    assert all(os.path.exists(upload_path(p)) and not os.path.exists(photo_path(p)) for p in photos)
    page = client.get(url).get_data(as_text=True)
    assert page.count("正在处理照片…") == 2 and "照片处理中" in page and "<progress" in page and "js/job.js" in page
    job_id = photos[0].job_id
    assert client.get(f"/jobs/{job_id}.json").get_json()["state"] == "queued"

    with start_worker(queue, database_url, tmp_path, smtp_server):
        job = wait_for_job(job_id)
    assert job.state is JobState.failed and (job.done, job.failed) == (1, 1)
    assert "1 张照片无法读取，请在表单中删除后重新上传" in job.message
    db.session.expire_all()
    turned, broken = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    assert turned.state == "ready" and (turned.width, turned.height) == (2700, 3600)  # turned upright, at print size
    with Image.open(photo_path(turned)) as stored:
        assert stored.size == (2700, 3600) and stored.getexif().get(0x0112) is None
    assert os.path.exists(photo_path(turned, thumbnail=True)) and not os.path.exists(upload_path(turned))
    assert broken.state == "failed" and "“半张.jpg”" in broken.error
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["finished"] and {p["id"]: p["state"] for p in status["photos"]} == {turned.id: "ready",
                                                                                        broken.id: "failed"}
    page = client.get(url).get_data(as_text=True)
    assert f'src="/photos/{turned.id}/thumbnail"' in page and "“半张.jpg”已损坏或不完整" in page
    assert "照片处理中" not in page and "正在处理照片…" not in page


def test_a_failed_job_shows_as_an_error_and_its_json_says_so(app, client, make_user):
    from campaign.services.jobs import finish_job, start_job

    user = make_user(Role.admin)
    failed, done = (start_job("password_links", "发送设置密码链接", total=2, user=user) for _ in range(2))
    finish_job(failed, "1 封邮件未能发送", failed=True)
    finish_job(done, "全部发送")
    assert failed.state.is_failed and not done.state.is_failed
    assert not JobState.running.is_failed and not JobState.queued.is_failed
    login(client, user)
    page = client.get(f"/jobs/{failed.id}").get_data(as_text=True)
    assert 'data-job-message class="flash flash-error"' in page and "1 封邮件未能发送" in page
    assert 'data-job-message class="flash flash-success"' in client.get(f"/jobs/{done.id}").get_data(as_text=True)
    assert client.get(f"/jobs/{failed.id}.json").get_json()["is_failed"] is True
    assert client.get(f"/jobs/{done.id}.json").get_json()["is_failed"] is False
