"""Photos in the Xinxiang form: checked by content, stored under random names, served only to those allowed."""
import io
import os

import pytest
import sqlalchemy as sa
from PIL import Image

from campaign.extensions import db
from campaign.models import Photo, Role, Submission, SubmissionState
from campaign.services.images import PhotoRejected, decode_image, display_name, read_limited, size_label
from campaign.services.photos import photo_file, photo_path, photos_with_captions
from tests.conftest import login
from tests.photo_helpers import jpeg_bytes, png_bomb, png_bytes


@pytest.fixture
def xinxiang(client, make_unit, make_user, make_campaign):
    unit = make_unit("卫辉市水利局")
    other = make_unit("辉县市水利局")
    reporter = make_user(Role.reporter, unit=unit)
    campaign = make_campaign("xinxiang_water_2023", units=[unit, other])
    login(client, reporter)
    deliverable = campaign.deliverables[0]
    return dict(unit=unit, other=other, reporter=reporter, campaign=campaign, deliverable=deliverable,
                url=f"/unit/deliverables/{deliverable.id}")


def submission_of(setup, unit=None):
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission).filter_by(
        deliverable_id=setup["deliverable"].id, unit_id=(unit or setup["unit"]).id))


def upload(client, setup, *files, **fields):
    """Post the form as the browser does when 上传照片 is pressed: typed text plus the files."""
    data = {"action": "upload:photos", "report_text": "我局组织全体干部学习《纲要》。", **fields}
    data["upload_photos"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(setup["url"], data=data, content_type="multipart/form-data")


def fetch(client, url):
    """GET a file response and close it (the file is streamed); a rollup built by a worker is fetched
    from its job once done."""
    response = client.get(url)
    if response.status_code == 302 and "/jobs/" in response.location:
        response = client.get(response.location.rstrip("/") + "/file")
    response.get_data()
    response.close()
    return response


def only_photo(setup):
    return db.session.scalars(sa.select(Photo)).one()


def test_jpeg_is_stored_under_a_random_name_with_a_thumbnail(client, app, xinxiang):
    response = upload(client, xinxiang, ("活动现场.jpg", jpeg_bytes()))
    assert response.status_code == 302 and response.location.endswith("#field-photos")
    photo = only_photo(xinxiang)
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (40, 20)
    assert photo.original_name == "活动现场.jpg"
    path = photo_path(photo)
    assert os.path.dirname(path) == os.path.join(app.config["UPLOAD_DIR"], "photos")
    assert os.path.basename(path) == f"{photo.storage_name}.jpg" and len(photo.storage_name) == 32
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
    with Image.open(photo_path(photo, thumbnail=True)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320
    data = submission_of(xinxiang).data
    assert data["photos"] == [{"id": str(photo.id), "caption": ""}]


def test_upload_saves_the_typed_text_as_a_draft(client, xinxiang):
    upload(client, xinxiang, ("a.jpg", jpeg_bytes()), report_title="卫辉市水利局学习情况")
    submission = submission_of(xinxiang)
    assert submission.state is SubmissionState.draft
    assert submission.data["report_text"] == "我局组织全体干部学习《纲要》。"
    assert submission.data["report_title"] == "卫辉市水利局学习情况"


def test_png_stays_png_and_its_thumbnail_is_a_jpeg_on_white(client, xinxiang):
    assert upload(client, xinxiang, ("图.png", png_bytes())).status_code == 302
    photo = only_photo(xinxiang)
    assert photo.content_type == "image/png" and photo_path(photo).endswith(".png")
    with Image.open(photo_path(photo)) as stored:
        assert stored.format == "PNG" and stored.mode == "RGBA"
    with Image.open(photo_path(photo, thumbnail=True)) as thumb:
        assert thumb.mode == "RGB"


def test_exif_orientation_is_applied_and_exif_dropped(client, xinxiang):
    # Orientation 6: the camera was turned; the 40×20 pixels show as a 20×40 portrait.
    upload(client, xinxiang, ("竖拍.jpg", jpeg_bytes((40, 20), orientation=6)))
    photo = only_photo(xinxiang)
    assert (photo.width, photo.height) == (20, 40)
    with Image.open(photo_path(photo)) as stored:
        assert stored.size == (20, 40)
        assert stored.getexif().get(0x0112) is None
    with Image.open(photo_path(photo, thumbnail=True)) as thumb:
        assert thumb.size == (20, 40)


def test_a_file_that_is_not_an_image_is_refused_even_under_a_jpg_name(client, xinxiang):
    html_file = b"<html><script>alert(1)</script></html>"
    response = upload(client, xinxiang, ("照片.jpg", html_file))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "“照片.jpg”不是 JPG 或 PNG 格式的照片（按文件内容判断）" in page
    assert 'id="photos-errors"' in page
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    # The text typed before pressing 上传照片 was saved and is shown again.
    assert "我局组织全体干部学习《纲要》。" in page
    assert submission_of(xinxiang).data["report_text"] == "我局组织全体干部学习《纲要》。"


def test_a_gif_is_refused(client, xinxiang):
    out = io.BytesIO()
    Image.new("RGB", (5, 5)).save(out, "GIF")
    response = upload(client, xinxiang, ("动图.png", out.getvalue()))
    assert response.status_code == 400 and "不是 JPG 或 PNG" in response.get_data(as_text=True)


def test_a_truncated_jpeg_is_kept_as_unreadable_until_deleted_and_blocks_the_submit(client, xinxiang):
    # Its header is whole, so the upload is taken; the worker that decodes it finds the pixels missing.
    content = jpeg_bytes((200, 200))
    response = upload(client, xinxiang, ("半张.jpg", content[: len(content) // 2]))
    assert response.status_code == 302
    photo = only_photo(xinxiang)
    assert photo.state == "failed" and "“半张.jpg”已损坏或不完整" in photo.error
    assert not os.path.exists(photo_path(photo)) and not os.path.exists(photo_path(photo, thumbnail=True))
    page = client.get(xinxiang["url"]).get_data(as_text=True)
    assert "“半张.jpg”已损坏或不完整，无法读取，请删除后重新导出、上传。" in page
    assert f'src="/photos/{photo.id}/thumbnail"' not in page
    # It is left out of the rollups, and a 报送 that still holds it is refused with what to do.
    assert photos_with_captions(submission_of(xinxiang).data, "photos") == []
    with pytest.raises(AssertionError) as refused:
        _fill_and_submit(client, xinxiang)
    assert "照片“半张.jpg”无法读取，请删除后重新上传，再报送。" in str(refused.value)
    assert submission_of(xinxiang).state is SubmissionState.draft
    client.post(xinxiang["url"], data={"action": f"delete_photo:{photo.id}", "report_text": "正文"})
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    assert not os.listdir(os.path.dirname(photo_path(photo)))


def test_oversized_photo_is_refused(make_app, make_unit, make_user, make_campaign):
    app = make_app(MAX_PHOTO_BYTES=2000)
    with app.app_context():
        unit = make_unit()
        reporter = make_user(Role.reporter, unit=unit)
        deliverable = make_campaign("xinxiang_water_2023", units=[unit]).deliverables[0]
        client = app.test_client()
        login(client, reporter)
        big = jpeg_bytes((300, 300))
        assert len(big) > 2000
        response = upload(client, {"url": f"/unit/deliverables/{deliverable.id}"}, ("大.jpg", big), ("小.jpg", jpeg_bytes((8, 8))))
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "“大.jpg”超过 0 MB" not in page  # the limit is stated in a way people can act on
        assert "“大.jpg”超过" in page and "请压缩或缩小后重新上传" in page
        # The acceptable file in the same upload was kept.
        assert [p.original_name for p in db.session.scalars(sa.select(Photo))] == ["小.jpg"]


def test_decompression_bomb_is_refused_without_decoding(client, xinxiang):
    bomb = png_bomb()
    assert len(bomb) < 100_000
    response = upload(client, xinxiang, ("bomb.png", bomb))
    assert response.status_code == 400
    assert "像素过多" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0


def test_pixel_limit_is_configurable(make_app, make_unit, make_user, make_campaign):
    app = make_app(MAX_PHOTO_PIXELS=1000)
    with app.app_context():
        unit = make_unit()
        reporter = make_user(Role.reporter, unit=unit)
        deliverable = make_campaign("xinxiang_water_2023", units=[unit]).deliverables[0]
        client = app.test_client()
        login(client, reporter)
        response = upload(client, {"url": f"/unit/deliverables/{deliverable.id}"}, ("a.png", png_bytes((40, 40))))
        assert response.status_code == 400 and "像素过多" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["../../../../etc/passwd.jpg", "..\\..\\windows\\win.ini.jpg", "/tmp/x.jpg",
                                  "a\x01b\u202egpj.exe.jpg", ".htaccess", "照片 (1).JPG"])
def test_odd_file_names_are_harmless(client, app, xinxiang, tmp_path, name):
    assert upload(client, xinxiang, (name, jpeg_bytes())).status_code == 302
    photo = only_photo(xinxiang)
    stored = sorted(os.listdir(os.path.join(app.config["UPLOAD_DIR"], "photos")))
    assert stored == sorted([f"{photo.storage_name}.jpg", f"{photo.storage_name}.thumb.jpg"])
    assert "/" not in photo.original_name and "\\" not in photo.original_name
    assert not any(ch in photo.original_name for ch in "\x01\u202e")
    assert not os.path.exists(tmp_path / "x.jpg")


def test_caption_is_stored_with_the_form_data(client, xinxiang):
    upload(client, xinxiang, ("a.jpg", jpeg_bytes()), ("b.png", png_bytes()))
    first, second = submission_of(xinxiang).data["photos"]
    version = submission_of(xinxiang).version
    response = client.post(xinxiang["url"], data={
        "action": "save", "version": str(version), "report_text": "正文",
        "photos-0-id": first["id"], "photos-0-caption": "集中学习现场",
        "photos-1-id": second["id"], "photos-1-caption": "专题党课",
    })
    assert response.status_code == 302
    assert submission_of(xinxiang).data["photos"] == [
        {"id": first["id"], "caption": "集中学习现场"}, {"id": second["id"], "caption": "专题党课"}]
    page = client.get(xinxiang["url"]).get_data(as_text=True)
    assert '>集中学习现场</textarea>' in page and f'/photos/{first["id"]}/thumbnail' in page


def test_form_shows_thumbnails_caption_inputs_and_a_plain_upload_input(client, xinxiang):
    upload(client, xinxiang, ("a.jpg", jpeg_bytes()))
    photo = only_photo(xinxiang)
    page = client.get(xinxiang["url"]).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert f'<img src="/photos/{photo.id}/thumbnail"' in page
    assert '<label for="photos-0-caption">照片 1 说明</label>' in page
    assert 'type="file" id="upload_photos" name="upload_photos"' in page
    assert 'name="action" value="upload:photos"' in page
    assert f'name="action" value="delete_photo:{photo.id}"' in page
    # The first submit button saves, so Enter in a text box never uploads or deletes.
    assert page.index('value="save"') < page.index('value="upload:photos"')


def test_a_post_cannot_claim_another_units_photo(client, xinxiang, make_user):
    other_reporter = make_user(Role.reporter, unit=xinxiang["other"])
    client.post("/auth/logout")
    login(client, other_reporter)
    upload(client, xinxiang, ("theirs.jpg", jpeg_bytes()))
    theirs = only_photo(xinxiang)
    client.post("/auth/logout")
    login(client, xinxiang["reporter"])
    client.get(xinxiang["url"])
    response = client.post(xinxiang["url"], data={
        "action": "save", "report_text": "x", "photos-0-id": str(theirs.id), "photos-0-caption": "借用",
        "version": str(submission_of(xinxiang).version)})
    assert response.status_code == 302
    assert submission_of(xinxiang).data["photos"] == []
    assert fetch(client, f"/photos/{theirs.id}").status_code == 404


def test_delete_photo_while_editable_removes_its_files(client, xinxiang):
    upload(client, xinxiang, ("a.jpg", jpeg_bytes()))
    photo = only_photo(xinxiang)
    paths = [photo_path(photo), photo_path(photo, thumbnail=True)]
    response = client.post(xinxiang["url"], data={
        "action": f"delete_photo:{photo.id}", "report_text": "删除时也保存正文",
        "photos-0-id": str(photo.id), "version": str(submission_of(xinxiang).version)})
    assert response.status_code == 302 and response.location.endswith("#field-photos")  # back at its field
    data = submission_of(xinxiang).data
    assert data["photos"] == [] and data["report_text"] == "删除时也保存正文"
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    assert not any(os.path.exists(p) for p in paths)


def _fill_and_submit(client, setup):
    submission = submission_of(setup)
    essays = {f"essays-{i}-{k}": f"{k}{i}" for i in range(2) for k in ("title", "author", "post", "text")}
    response = client.post(setup["url"], data={
        "action": "submit", "version": str(submission.version), "report_title": "标题", "report_text": "正文",
        **{f"photos-{i}-id": e["id"] for i, e in enumerate(submission.data["photos"])}, **essays})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def test_photos_cannot_be_added_or_deleted_after_submit(client, xinxiang):
    upload(client, xinxiang, ("a.jpg", jpeg_bytes()))
    photo = only_photo(xinxiang)
    _fill_and_submit(client, xinxiang)
    version = str(submission_of(xinxiang).version)
    refused = client.post(xinxiang["url"], data={"action": f"delete_photo:{photo.id}", "version": version})
    assert refused.status_code == 400 and "请先撤回" in refused.get_data(as_text=True)
    refused = upload(client, xinxiang, ("b.jpg", jpeg_bytes()), version=version)
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1
    assert os.path.exists(photo_path(photo))


def test_a_photo_held_by_a_submitted_revision_keeps_its_file_when_deleted_later(client, xinxiang):
    upload(client, xinxiang, ("a.jpg", jpeg_bytes()))
    photo = only_photo(xinxiang)
    _fill_and_submit(client, xinxiang)
    client.post(f"{xinxiang['url']}/withdraw")
    response = client.post(xinxiang["url"], data={
        "action": f"delete_photo:{photo.id}", "version": str(submission_of(xinxiang).version)})
    assert response.status_code == 302
    assert submission_of(xinxiang).data["photos"] == []
    assert submission_of(xinxiang).revisions[0].data["photos"][0]["id"] == str(photo.id)
    assert os.path.exists(photo_path(photo))


def test_max_photos_is_enforced(client, xinxiang):
    deliverable = xinxiang["deliverable"]
    form = dict(deliverable.form)
    form["fields"] = [dict(f, max_photos=2) if f["type"] == "photos" else f for f in form["fields"]]
    deliverable.form = form
    db.session.commit()
    response = upload(client, xinxiang, ("1.jpg", jpeg_bytes()), ("2.jpg", jpeg_bytes()), ("3.jpg", jpeg_bytes()))
    assert response.status_code == 400
    assert "最多可上传 2 张照片，“3.jpg”未上传" in response.get_data(as_text=True)
    assert len(submission_of(xinxiang).data["photos"]) == 2
    page = client.get(xinxiang["url"]).get_data(as_text=True)
    assert "已达到 2 张的上限" in page and 'name="upload_photos"' not in page


def test_upload_without_a_file_says_what_to_do_and_keeps_the_text(client, xinxiang):
    response = upload(client, xinxiang)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请先选择要上传的照片" in page and "我局组织全体干部学习《纲要》。" in page


def test_photo_is_served_with_its_content_type_and_nosniff(client, xinxiang):
    upload(client, xinxiang, ("a.png", png_bytes()))
    photo = only_photo(xinxiang)
    full = fetch(client, f"/photos/{photo.id}")
    assert full.status_code == 200 and full.mimetype == "image/png"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    with open(photo_path(photo), "rb") as fh:
        assert full.data == fh.read()
    thumb = fetch(client, f"/photos/{photo.id}/thumbnail")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who,status", [("other_reporter", 404), ("coordinator", 200), ("other_coordinator", 404),
                                        ("admin", 200), ("anonymous", 401)])
def test_photo_is_served_only_to_the_unit_and_the_campaigns_staff(client, xinxiang, make_user, make_campaign,
                                                                  who, status):
    upload(client, xinxiang, ("a.jpg", jpeg_bytes()))
    photo = only_photo(xinxiang)
    client.post("/auth/logout")
    users = {
        "other_reporter": lambda: make_user(Role.reporter, unit=xinxiang["other"]),
        "coordinator": lambda: xinxiang["campaign"].coordinators[0],
        "other_coordinator": lambda: make_campaign(units=[xinxiang["other"]]).coordinators[0],
        "admin": lambda: make_user(Role.admin),
    }
    if who in users:
        login(client, users[who]())
    assert fetch(client, f"/photos/{photo.id}").status_code == status
    assert fetch(client, f"/photos/{photo.id}/thumbnail").status_code == status


def test_rollups_find_the_stored_file_by_photo_id(client, xinxiang):
    upload(client, xinxiang, ("a.jpg", jpeg_bytes()))
    entry = submission_of(xinxiang).data["photos"][0]
    path = photo_file(entry["id"])
    assert path == photo_path(only_photo(xinxiang)) and os.path.isfile(path)
    assert photo_file("999999") is None and photo_file("../x") is None


def test_required_photos_field_needs_a_photo_on_submit(client, xinxiang):
    deliverable = xinxiang["deliverable"]
    form = dict(deliverable.form)
    form["fields"] = [dict(f, required=True) if f["type"] == "photos" else f for f in form["fields"]]
    deliverable.form = form
    db.session.commit()
    response = client.post(xinxiang["url"], data={"action": "submit", "report_title": "t", "report_text": "x"})
    assert response.status_code == 400
    assert "请上传“相关信息和照片”（至少 1 张照片）。" in response.get_data(as_text=True)


def test_rollups_get_the_photos_of_a_field_in_order_with_captions(client, xinxiang):
    upload(client, xinxiang, ("a.jpg", jpeg_bytes()), ("b.png", png_bytes()))
    first, second = submission_of(xinxiang).data["photos"]
    data = {"photos": [{"id": second["id"], "caption": "第二张"}, {"id": first["id"], "caption": "第一张"},
                       {"id": "999999", "caption": "已不存在"}]}
    found = photos_with_captions(data, "photos")
    assert [(p.original_name, caption) for p, caption in found] == [("b.png", "第二张"), ("a.jpg", "第一张")]
    assert photos_with_captions({}, "photos") == []


# --- the image checks on their own ------------------------------------------------------------

def test_image_checks_without_http():
    image, content_type = decode_image(jpeg_bytes((40, 20), orientation=8), "a.jpg", max_pixels=10_000)
    assert content_type == "image/jpeg" and image.size == (20, 40)
    with pytest.raises(PhotoRejected, match="像素过多"):
        decode_image(png_bomb(), "b.png", max_pixels=50_000_000)
    with pytest.raises(PhotoRejected, match="不是 JPG 或 PNG"):
        decode_image(b"GIF89a" + b"\x00" * 40, "c.jpg", max_pixels=10_000)
    with pytest.raises(PhotoRejected, match="超过 1 KB"):
        read_limited(io.BytesIO(b"x" * 1025), 1024, "d.jpg")
    assert read_limited(io.BytesIO(b"x" * 1024), 1024, "d.jpg") == b"x" * 1024


@pytest.mark.parametrize("size,label", [(10 * 1024 * 1024, "10 MB"), (1536 * 1024, "1.5 MB"), (2000, "1 KB")])
def test_size_label(size, label):
    assert size_label(size) == label


@pytest.mark.parametrize("name,shown", [("C:\\Users\\王\\照片.jpg", "照片.jpg"), ("../../x.png", "x.png"),
                                        ("a\u202eb.jpg", "ab.jpg"), ("", "照片"), ("/", "照片")])
def test_display_name_keeps_only_the_file_name(name, shown):
    assert display_name(name) == shown


def test_uploaded_photos_reach_the_coordinators_compilation_and_zip(client, xinxiang):
    """Upload through the form, submit, then download the 学习情况汇编 and the photo archive."""
    import zipfile

    import docx

    upload(client, xinxiang, ("会场.jpg", jpeg_bytes((64, 32))), ("展板.png", png_bytes()))
    first, second = submission_of(xinxiang).data["photos"]
    essays = {f"essays-{i}-{k}": f"{k}{i}" for i in range(2) for k in ("title", "author", "post", "text")}
    response = client.post(xinxiang["url"], data={
        "action": "submit", "report_title": "卫辉市水利局学习情况的汇报", "report_text": "组织学习。",
        "photos-0-id": first["id"], "photos-0-caption": "专题学习会", "photos-1-id": second["id"],
        "photos-1-caption": "宣传展板", **essays})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    client.post("/auth/logout")
    login(client, xinxiang["campaign"].coordinators[0])
    base = f"/reports/campaigns/{xinxiang['campaign'].id}/deliverables/{xinxiang['deliverable'].id}"

    compiled = fetch(client, base + "/docx")
    assert compiled.status_code == 200
    document = docx.Document(io.BytesIO(compiled.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "专题学习会" in text and "宣传展板" in text
    assert len(document.inline_shapes) == 2

    archive = fetch(client, base + "/zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        names = [n for n in zf.namelist() if n.startswith("01_")]
        assert names == ["01_卫辉市水利局/01_专题学习会.jpg", "01_卫辉市水利局/02_宣传展板.png", "01_卫辉市水利局/照片说明.txt"]
        assert [Image.open(io.BytesIO(zf.read(n))).format for n in names[:2]] == ["JPEG", "PNG"]
        assert "专题学习会" in zf.read(names[2]).decode("utf-8")


def test_a_huge_png_small_on_disk_is_refused_by_its_header_and_the_text_typed_is_kept(client, xinxiang):
    big = png_bomb(width=7000, height=7000)  # 49 megapixels, under the general cap, in a few hundred KB
    assert len(big) < 1_000_000
    response = upload(client, xinxiang, ("宣传展板.png", big), report_text="集中学习两次，参加 86 人。")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "“宣传展板.png”是像素很多的 PNG 图片" in page
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    assert submission_of(xinxiang).data["report_text"] == "集中学习两次，参加 86 人。"


def test_one_upload_may_decode_only_so_many_pixels(make_app, make_unit, make_user, make_campaign):
    app = make_app(PHOTO_PIXELS_PER_UPLOAD=2 * 1200 * 900)
    with app.app_context():
        unit = make_unit()
        reporter = make_user(Role.reporter, unit=unit)
        campaign = make_campaign("xinxiang_water_2023", units=[unit])
        client = app.test_client()
        login(client, reporter)
        setup = dict(url=f"/unit/deliverables/{campaign.deliverables[0].id}")
        photos = [(f"现场{i}.jpg", jpeg_bytes(size=(1200, 900))) for i in range(3)]
        page = upload(client, setup, *photos).get_data(as_text=True)
        stored = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
        assert [p.original_name for p in stored] == ["现场0.jpg", "现场1.jpg"]
        assert "本次上传的照片合计像素过多，“现场2.jpg”未上传" in page


def test_a_large_photo_is_decoded_and_kept_at_print_size():
    image, content_type = decode_image(jpeg_bytes(size=(8000, 6000)), "大.jpg", max_pixels=50_000_000)
    assert content_type == "image/jpeg" and max(image.size) <= 3600
