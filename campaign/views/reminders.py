"""The coordinator's 催报 page: who still owes, manual reminders with a preview, schedules, the send log."""
from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import campaign_deliverable_or_404, coordinator_required, managed_campaign_or_404
from ..extensions import db
from ..forms.reminders import ScheduleForm, SelectionForm, SendForm
from ..models import Campaign, record, utcnow
from ..jobs.tasks import send_reminders
from ..services.jobs import queue_reminder_sending
from ..services.reminders import change_schedule, manual_kind, queue_manual
from ..services.reminders.overview import (ledger_rows, overview, owing_values, previews, problem_count, problem_rows,
                                           selected_pairs)
from ..services.reminders.schedule import in_quiet_hours, out_of_quiet_hours

bp = Blueprint("reminders", __name__, url_prefix="/coordinator/campaigns/<int:campaign_id>/reminders")
staff_only = coordinator_required


@bp.app_context_processor
def reminder_helpers() -> dict:
    """Lets other coordinator pages (the progress dashboard) warn about failed reminders."""
    return {"reminder_problem_count": lambda campaign: problem_count(campaign, utcnow())}


def _page(campaign: Campaign, *, selection=None, schedule_forms=None, status: int = 200):
    """The page; a refused post passes its own forms so what was typed is shown with the problem marked."""
    now = utcnow()
    sections = overview(campaign, now)
    forms = {s.deliverable.id: ScheduleForm.for_schedule(s.schedule, prefix=f"d{s.deliverable.id}")
             for s in sections}
    forms.update(schedule_forms or {})
    return render_template(
        "coordinator/reminders.html", campaign=campaign, sections=sections, schedule_forms=forms,
        selection=selection or SelectionForm(formdata=None, owing=set()), problems=problem_rows(campaign, now),
        log=ledger_rows(campaign), now=now,
        quiet=in_quiet_hours(now, campaign.timezone),
    ), status


@bp.route("/")
@staff_only
def index(campaign_id: int):
    """Owing units with a checkbox each, failures to look at, each deliverable's schedule, the send log."""
    return _page(managed_campaign_or_404(campaign_id))


def _refuse_unless_published(campaign: Campaign):
    if not campaign.state.is_published:
        flash("通知未发布或已结束，不能催报。", "error")
        return redirect(url_for("reminders.index", campaign_id=campaign.id))
    return None


@bp.route("/preview", methods=["POST"])
@staff_only
def preview(campaign_id: int):
    """Show every message the ticked units would get, with a button that sends exactly these."""
    campaign = managed_campaign_or_404(campaign_id)
    if (refused := _refuse_unless_published(campaign)) is not None:
        return refused
    now = utcnow()
    form = SelectionForm(owing=owing_values(campaign, now))
    if not form.validate():
        return _page(campaign, selection=form, status=400)
    key = secrets.token_hex(16)
    send_form = SendForm(formdata=None, owing=set(), data={"selected": form.selected.data, "key": key})
    items = previews(campaign, selected_pairs(campaign, form.selected.data), now, manual_kind(key))
    return render_template("coordinator/reminders_preview.html", campaign=campaign, items=items, form=send_form,
                           quiet=in_quiet_hours(now, campaign.timezone),
                           release=out_of_quiet_hours(now, campaign.timezone))


@bp.route("/send", methods=["POST"])
@staff_only
def send(campaign_id: int):
    """Send the previewed reminders now (or at 08:00 in quiet hours); a repeated post sends nothing more."""
    campaign = managed_campaign_or_404(campaign_id)
    if (refused := _refuse_unless_published(campaign)) is not None:
        return refused
    now = utcnow()
    form = SendForm(owing=owing_values(campaign, now))
    if not form.validate():
        return _page(campaign, selection=form, status=400)
    pairs = selected_pairs(campaign, form.selected.data)
    chosen = [f"{d.id}:{u.id}" for d, u in pairs]  # read before the claim's commit expires the units
    new_ids, repeated = queue_manual(campaign, pairs, key=form.key.data, user=current_user, now=now)
    if not new_ids:
        flash("这些催报已经发出，未重复发送。" if repeated else "没有需要发送的催报。", "info")
        return redirect(url_for("reminders.index", campaign_id=campaign.id))
    record("reminders_requested", user=current_user, campaign_id=campaign.id, messages=len(new_ids), units=chosen)
    if in_quiet_hours(now, campaign.timezone):
        db.session.commit()
        release = out_of_quiet_hours(now, campaign.timezone)
        flash(f"现在是夜间免打扰时段（22:00–08:00），{len(new_ids)} 封催报将于"
              f"{release.astimezone(campaign.zone):%m月%d日 %H:%M}自动发出。", "info")
        return redirect(url_for("reminders.index", campaign_id=campaign.id))
    # However many: all of it goes to a worker in one job; the page follows its progress.
    job = queue_reminder_sending(new_ids, user=current_user, campaign_id=campaign.id,
                                 back_url=url_for("reminders.index", campaign_id=campaign.id))
    db.session.commit()
    send_reminders(job.id)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/schedule/<int:deliverable_id>", methods=["POST"])
@staff_only
def schedule(campaign_id: int, deliverable_id: int):
    """Change one deliverable's reminder schedule."""
    campaign = managed_campaign_or_404(campaign_id)
    deliverable = campaign_deliverable_or_404(campaign, deliverable_id)
    form = ScheduleForm(prefix=f"d{deliverable.id}")
    if not form.validate():
        flash(f"“{deliverable.short_title or deliverable.title}”的催报安排未保存：请按标红的提示修改。", "error")
        return _page(campaign, schedule_forms={deliverable.id: form}, status=400)
    new = form.schedule()
    change_schedule(deliverable, new, user=current_user)
    db.session.commit()
    flash(f"已保存“{deliverable.short_title or deliverable.title}”的催报安排：{new.describe()}。", "success")
    return redirect(url_for("reminders.index", campaign_id=campaign.id) + f"#schedule-{deliverable.id}")
