"""A job's progress: a page with a bar (reloads itself without JavaScript) and a small JSON answer to poll."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user, login_required

from ..services.jobs import job_for

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _job_or_404(job_id: int):
    job = job_for(job_id, current_user)
    if job is None:
        abort(404)
    return job


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int):
    return render_template("jobs/show.html", job=_job_or_404(job_id))


@bp.route("/<int:job_id>.json")
@login_required
def status(job_id: int):
    job = _job_or_404(job_id)
    return jsonify(state=job.state.value, label=job.state.label, total=job.total, done=job.done, failed=job.failed,
                   percent=job.percent, message=job.message, finished=job.state.finished)
