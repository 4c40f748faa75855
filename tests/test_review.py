"""Review services without HTTP: every allowed and forbidden transition, return, accept, extensions."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import AuditEntry, CampaignState, LatePolicy, Role, SubmissionState, utcnow
from campaign.services import WorkflowError
from campaign.services.campaigns import close
from campaign.services.review import accept, extend, return_
from campaign.services.submissions import get_submission, save_draft, submit, withdraw
from campaign.services.standing import unit_todo

S = SubmissionState
DATA = {"study": "召开党组会专题学习。"}
REASON = "“组织开展学习情况”过于简略，请补充参加人数。"


@pytest.fixture
def filing(make_unit, make_user, make_campaign):
    unit = make_unit("北京市市场监督管理局")
    reporter = make_user(Role.reporter, unit=unit)
    campaign = make_campaign(units=[unit, make_unit("天津市市场监督管理委员会")])
    coordinator = campaign.coordinators[0]
    submission = get_submission(campaign.deliverables[0], unit)
    db.session.commit()
    return dict(unit=unit, reporter=reporter, coordinator=coordinator, campaign=campaign, submission=submission)


def put_in_state(f, state: SubmissionState):
    """Bring the fixture's submission into `state` through the services."""
    s, reporter, coordinator = f["submission"], f["reporter"], f["coordinator"]
    if state is S.draft:
        save_draft(s, DATA, base_version=None, user=reporter)
    elif state is not S.not_started:
        submit(s, DATA, base_version=None, user=reporter)
        if state is S.returned:
            return_(s, reason=REASON, user=coordinator)
        elif state is S.accepted:
            accept(s, user=coordinator)
    db.session.commit()
    assert s.state is state
    return s


ACTIONS = {
    "save": lambda f, s: save_draft(s, {"study": "修改后的内容"}, base_version=None, user=f["reporter"]),
    "submit": lambda f, s: submit(s, {"study": "修改后的内容"}, base_version=None, user=f["reporter"]),
    "withdraw": lambda f, s: withdraw(s, user=f["reporter"]),
    "return": lambda f, s: return_(s, reason=REASON, user=f["coordinator"]),
    "accept": lambda f, s: accept(s, user=f["coordinator"]),
}

# (state, action) → the state it leads to; every pair not listed must be refused.
ALLOWED = {
    (S.not_started, "save"): S.draft,
    (S.not_started, "submit"): S.submitted,
    (S.draft, "save"): S.draft,
    (S.draft, "submit"): S.submitted,
    (S.returned, "save"): S.returned,  # the unit edits a returned submission…
    (S.returned, "submit"): S.submitted,  # …and submits it again
    (S.submitted, "withdraw"): S.draft,
    (S.submitted, "return"): S.returned,
    (S.submitted, "accept"): S.accepted,
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
def test_transition_table(filing, state, action):
    submission = put_in_state(filing, state)
    version = submission.version
    if (state, action) in ALLOWED:
        ACTIONS[action](filing, submission)
        db.session.commit()
        assert submission.state is ALLOWED[(state, action)]
    else:
        with pytest.raises(WorkflowError):
            ACTIONS[action](filing, submission)
        db.session.rollback()
        db.session.refresh(submission)
        assert submission.state is state and submission.version == version


def test_accepted_submission_is_locked_and_cannot_be_withdrawn(filing):
    submission = put_in_state(filing, S.accepted)
    with pytest.raises(WorkflowError, match="撤回"):
        withdraw(submission, user=filing["reporter"])
    with pytest.raises(WorkflowError, match="撤回后再修改"):
        save_draft(submission, {"study": "x"}, base_version=None, user=filing["reporter"])


def test_return_needs_a_reason(filing):
    submission = put_in_state(filing, S.submitted)
    for blank in ("", "   \n"):
        with pytest.raises(WorkflowError, match="请填写退回原因"):
            return_(submission, reason=blank, user=filing["coordinator"])
    assert submission.state is S.submitted


def test_return_keeps_reason_and_time_and_is_audited(filing):
    submission = put_in_state(filing, S.submitted)
    return_(submission, reason=f"  {REASON}  ", user=filing["coordinator"])
    db.session.commit()
    assert submission.return_reason == REASON and submission.returned_at is not None
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="returned"))
    assert entry.user_id == filing["coordinator"].id and entry.detail["reason"] == REASON


def test_returned_submission_is_edited_and_resubmitted_as_a_second_revision(filing):
    submission = put_in_state(filing, S.returned)
    save_draft(submission, {"study": "补充了参加人数：120人。"}, base_version=None, user=filing["reporter"])
    assert submission.state is S.returned  # still owed, reason still shown
    submit(submission, {"study": "补充了参加人数：120人。"}, base_version=None, user=filing["reporter"])
    db.session.commit()
    assert submission.state is S.submitted
    assert [r.number for r in submission.revisions] == [1, 2]
    assert submission.revisions[0].data == DATA  # the first revision is unchanged


def test_return_refused_once_the_campaign_is_closed(filing):
    submission = put_in_state(filing, S.submitted)
    close(filing["campaign"], user=filing["coordinator"])
    with pytest.raises(WorkflowError, match="请先为该单位延期"):
        return_(submission, reason=REASON, user=filing["coordinator"])
    accept(submission, user=filing["coordinator"])  # accepting stays possible
    assert filing["campaign"].state is CampaignState.closed and submission.state is S.accepted


def test_extension_moves_the_units_deadline_and_late_flag(filing):
    f = filing
    submission, deliverable = f["submission"], f["submission"].deliverable
    deliverable.late_policy = LatePolicy.close
    after = deliverable.deadline + timedelta(days=1)
    with pytest.raises(WorkflowError, match="截止"):
        submit(submission, DATA, base_version=None, user=f["reporter"], now=after)
    extension = extend(submission, deadline=deliverable.deadline + timedelta(days=3), reason="受汛期影响申请延期",
                       user=f["coordinator"])
    db.session.commit()
    assert extension.granted_by.id == f["coordinator"].id and extension.reason == "受汛期影响申请延期"
    revision = submit(submission, DATA, base_version=None, user=f["reporter"], now=after)
    assert not revision.is_late and not submission.is_late
    [item] = [i for i in unit_todo(f["unit"], after) if i.deliverable.id == deliverable.id]
    assert item.standing.extension.reason == "受汛期影响申请延期" and item.standing.deadline == extension.deadline
    assert item.standing.reported and not item.standing.reported_late


def test_an_extension_counts_for_a_submit_in_the_same_transaction(filing):
    f = filing
    submission, deliverable = f["submission"], f["submission"].deliverable
    deliverable.late_policy = LatePolicy.close
    after = deliverable.deadline + timedelta(days=1)
    with pytest.raises(WorkflowError, match="截止"):
        submit(submission, DATA, base_version=None, user=f["reporter"], now=after)
    extend(submission, deadline=deliverable.deadline + timedelta(days=3), reason="受汛期影响申请延期",
           user=f["coordinator"])
    revision = submit(submission, DATA, base_version=None, user=f["reporter"], now=after)
    db.session.commit()
    assert submission.state is S.submitted and not revision.is_late


def test_extension_granted_after_a_late_submit_clears_the_late_flag(filing):
    f = filing
    submission, deliverable = f["submission"], f["submission"].deliverable
    submit(submission, DATA, base_version=None, user=f["reporter"], now=deliverable.deadline + timedelta(hours=5))
    assert submission.is_late
    extend(submission, deadline=deliverable.deadline + timedelta(days=1), reason="系统故障", user=f["coordinator"])
    assert not submission.is_late
    assert submission.revisions[0].is_late  # what the receipt said stays as it was


def test_extension_is_replaced_not_duplicated(filing):
    f = filing
    deadline = f["submission"].deliverable.deadline
    extend(f["submission"], deadline=deadline + timedelta(days=1), reason="第一次", user=f["coordinator"])
    extension = extend(f["submission"], deadline=deadline + timedelta(days=2), reason="第二次", user=f["coordinator"])
    db.session.commit()
    assert len(f["submission"].deliverable.extensions) == 1
    assert extension.reason == "第二次" and extension.deadline == deadline + timedelta(days=2)


@pytest.mark.parametrize("days, reason, message", [
    (0, "原因", "须晚于原截止时间"), (-1, "原因", "须晚于原截止时间"), (2, "  ", "请填写延期原因"),
])
def test_extension_needs_a_later_deadline_and_a_reason(filing, days, reason, message):
    deadline = filing["submission"].deliverable.deadline + timedelta(days=days)
    with pytest.raises(WorkflowError, match=message):
        extend(filing["submission"], deadline=deadline, reason=reason, user=filing["coordinator"])


def test_no_extension_for_an_accepted_submission(filing):
    submission = put_in_state(filing, S.accepted)
    with pytest.raises(WorkflowError, match="已采用"):
        extend(submission, deadline=utcnow() + timedelta(days=30), reason="原因", user=filing["coordinator"])


def test_is_overdue_is_the_one_lateness_rule():
    from campaign.services.deadlines import is_overdue, time_left

    deadline = utcnow()
    assert not is_overdue(deadline, deadline) and is_overdue(deadline, deadline + timedelta(seconds=1))
    later = deadline + timedelta(days=2)
    assert not is_overdue(deadline, deadline + timedelta(days=1), extended_to=later)
    assert is_overdue(deadline, later + timedelta(minutes=1), extended_to=later)
    # an extension earlier than the deadline does not shorten it
    assert not is_overdue(deadline, deadline, extended_to=deadline - timedelta(days=1))
    assert time_left(deadline, deadline) == "还剩 不到1分钟"
    assert time_left(deadline, deadline + timedelta(days=2)) == "已逾期 2天"
