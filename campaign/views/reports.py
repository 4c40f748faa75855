"""Rollup downloads: the coordinator's page and files, and a unit's own files."""
from __future__ import annotations

import io
import tempfile
from urllib.parse import quote

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from ..access import (campaign_deliverable_or_404, coordinator_required, managed_campaign_or_404,
                      reporter_deliverable_or_404, role_required)
from ..extensions import db
from ..models import Role, record
from ..jobs.tasks import build_rollup
from ..reports import ascii_name, build, build_unit, built_by_worker, file_name, find_kind, kinds, unit_kinds
from ..reports.collect import collect, unit_entry
from ..services.jobs import queue_rollup

bp = Blueprint("reports", __name__, url_prefix="/reports")
staff_only = coordinator_required
reporter_only = role_required(Role.reporter)


IN_MEMORY_BYTES = 32 * 1024 * 1024


def _send(write, name: str, mimetype: str, fallback: str):
    """Build into a temporary file and send it under its Chinese name (RFC 5987 filename*).

    A file of ordinary size is handed over in memory, so nothing stays open if a client drops
    the response; a larger one is streamed from the temporary file."""
    spool = tempfile.TemporaryFile()
    cleaner = write(spool)
    if spool.tell() <= IN_MEMORY_BYTES:
        spool.seek(0)
        body = io.BytesIO(spool.read())
        spool.close()
    else:
        spool.seek(0)
        body = spool
    response = send_file(body, mimetype=mimetype, as_attachment=True, download_name=name)
    # The plain filename= is for clients that ignore filename*: an ASCII name that still says what it is.
    response.headers["Content-Disposition"] = (f'attachment; filename="{fallback}"; '
                                               f"filename*=UTF-8''{quote(name, safe='')}")
    return cleaner, response


@bp.route("/campaigns/<int:campaign_id>")
@staff_only
def campaign(campaign_id: int):
    """The campaign's rollups as they stand now: counts, missing units and the downloads."""
    campaign = managed_campaign_or_404(campaign_id)
    items = [(d, collect(campaign, d), kinds(d.form)) for d in campaign.deliverables]
    return render_template("reports/campaign.html", campaign=campaign, items=items)


@bp.route("/campaigns/<int:campaign_id>/deliverables/<int:deliverable_id>/<kind>")
@staff_only
def download(campaign_id: int, deliverable_id: int, kind: str):
    """A campaign-wide rollup file, built from the database now."""
    campaign = managed_campaign_or_404(campaign_id)
    deliverable = campaign_deliverable_or_404(campaign, deliverable_id)
    chosen = find_kind(kinds(deliverable.form), kind)
    if chosen is None:
        abort(404)
    if built_by_worker(deliverable.form, chosen, len(campaign.recipients), current_app.config["ROLLUP_INLINE_UNITS"]):
        # Photos, or thousands of units: a worker builds it while the page shows the progress.
        job = queue_rollup(campaign.id, deliverable.id, chosen.key, chosen.label, user=current_user,
                           back_url=url_for("reports.campaign", campaign_id=campaign.id))
        db.session.commit()
        build_rollup(job.id)
        return redirect(url_for("jobs.show", job_id=job.id))
    rollup = collect(campaign, deliverable)
    cleaner, response = _send(lambda out: build(rollup, chosen, out), file_name(rollup, chosen), chosen.mimetype,
                              ascii_name(rollup, chosen))
    record("export", user=current_user, campaign_id=campaign.id, deliverable=deliverable.key, kind=chosen.key,
           removed_characters=cleaner.units)
    db.session.commit()
    if cleaner.message:
        flash(cleaner.message, "info")
    return response


@bp.route("/unit/deliverables/<int:deliverable_id>/<kind>")
@reporter_only
def unit_download(deliverable_id: int, kind: str):
    """The unit's own filled form as Word or Excel, with the stamp and contact lines."""
    deliverable = reporter_deliverable_or_404(deliverable_id)
    chosen = find_kind(unit_kinds(deliverable.form), kind)
    if chosen is None:
        abort(404)
    rollup, entry = unit_entry(deliverable.campaign, deliverable, current_user.unit_id)
    cleaner, response = _send(lambda out: build_unit(rollup, entry, chosen, out),
                              file_name(rollup, chosen, entry), chosen.mimetype, ascii_name(rollup, chosen, entry))
    record("export", user=current_user, campaign_id=deliverable.campaign_id, unit_id=entry.unit_id,
           deliverable=deliverable.key, kind=chosen.key, removed_characters=cleaner.units)
    db.session.commit()
    return response


@bp.app_context_processor
def _template_helpers():
    return {"unit_kinds": unit_kinds}
