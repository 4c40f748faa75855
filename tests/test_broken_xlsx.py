"""A damaged .xlsx (cut short, a zip without a workbook, parts whose data is corrupt) uploaded as a unit list or
as a filled template is refused in Chinese beside the upload, and nothing of it is stored."""
from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Role, Unit, UploadedFile
from tests.conftest import login
from tests.unit_lists import XINXIANG, xlsx


def _parts(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _zip(parts: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as package:
        for name, content in parts.items():
            package.writestr(name, content)
    return out.getvalue()


def broken_variants(good: bytes) -> dict[str, bytes]:
    """Damaged copies of a good workbook, as a failed download, a bad disk or a careless tool leaves them."""
    parts = _parts(good)
    stored = _zip(parts, zipfile.ZIP_STORED)
    # The same bytes with the text of two parts changed after their checksums were written.
    bad_crc = stored.replace(b"<Types", b"<Typex", 1).replace(b"<workbook", b"<workbooq", 1)
    deflated = _zip(parts)
    start = deflated.index(b"[Content_Types].xml") + len("[Content_Types].xml")
    bad_stream = deflated[:start] + bytes(b ^ 0x5A for b in deflated[start:start + 40]) + deflated[start + 40:]
    return {
        "truncated": good[: len(good) // 2],
        "truncated-early": good[:300],
        "no-workbook": _zip({k: v for k, v in parts.items() if k != "xl/workbook.xml"}),
        "only-content-types": _zip({"[Content_Types].xml": parts["[Content_Types].xml"]}),
        "bad-crc": bad_crc,
        "bad-stream": bad_stream,
    }


VARIANTS = list(broken_variants(xlsx(XINXIANG)))


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_broken_unit_list_is_refused_in_chinese(client, make_user, variant):
    login(client, make_user(Role.admin))
    raw = broken_variants(xlsx(XINXIANG))[variant]
    response = client.post("/admin/units/import", data={"file": (io.BytesIO(raw), "名单.xlsx")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:300]
    assert any(word in page for word in ("已损坏", "不是Excel", "无法读取")) and "另存为" in page
    assert "确认导入" not in page
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0


@pytest.fixture
def filing(make_unit, make_user, make_campaign):
    beijing = make_unit("北京市市场监督管理局")
    campaign = make_campaign(units=[beijing])
    return campaign.deliverables[0], make_user(Role.reporter, unit=beijing)


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_broken_filled_template_is_refused_in_chinese(client, filing, variant):
    annex1, reporter = filing
    login(client, reporter)
    good = client.get(f"/unit/deliverables/{annex1.id}/template.xlsx").data
    raw = broken_variants(good)[variant]
    response = client.post(f"/unit/deliverables/{annex1.id}/upload",
                           data={"file": (io.BytesIO(raw), "填报模板.xlsx")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:300]
    assert "“填报模板.xlsx”未能导入" in page and any(word in page for word in ("已损坏", "不是Excel", "无法读取"))
    assert db.session.scalar(sa.select(sa.func.count(UploadedFile.id))) == 0
