"""A job's progress: a page with a bar (reloads itself without JavaScript) and a small JSON answer to poll."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, jsonify, render_template, send_file
from flask_login import current_user, login_required

from ..extensions import db
from ..models import record
from ..services.jobs import job_for, kept_until, rollup_file
from ..services.photos import job_photos

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _job_or_404(job_id: int):
    job = job_for(job_id, current_user)
    if job is None:
        abort(404)
    return job


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int):
    job = _job_or_404(job_id)
    return render_template("jobs/show.html", job=job, file=rollup_file(job), kept_until=kept_until(job))


@bp.route("/<int:job_id>.json")
@login_required
def status(job_id: int):
    job = _job_or_404(job_id)
    return jsonify(state=job.state.value, label=job.state.label, total=job.total, done=job.done, failed=job.failed,
                   percent=job.percent, message=job.message, finished=job.state.finished,
                   is_failed=job.state.is_failed,
                   **({"photos": job_photos(job)} if job.kind == "photos" else {}))


@bp.route("/<int:job_id>/file")
@login_required
def download(job_id: int):
    """The file a rollup job built, while it is kept."""
    job = _job_or_404(job_id)
    path = rollup_file(job)
    if path is None:
        abort(404)
    name = job.payload["name"]
    record("export", user=current_user, campaign_id=job.payload.get("campaign_id"), job=job.id,
           deliverable_id=job.payload.get("deliverable_id"), kind=job.payload.get("kind"), target=name)
    db.session.commit()
    response = send_file(path, mimetype=job.payload.get("mimetype"), as_attachment=True, download_name=name)
    response.headers["Content-Disposition"] = (f'attachment; filename="{job.payload["file"]}"; '
                                               f"filename*=UTF-8''{quote(name, safe='')}")
    return response
