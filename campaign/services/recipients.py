"""Recipients: the units that must report, chosen one by one or as whole subtrees of the unit tree."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Campaign, CampaignState, Deliverable, Submission, SubmissionState, Unit, User, record
from . import WorkflowError
from .campaign_states import check
from .unit_tree import UnitNode, find_node, unit_parents, unit_tree


def expand_subtrees(parents: Iterable[tuple[int, int | None]], roots: Iterable[int]) -> set[int]:
    """Every unit below the given roots (not the roots themselves), from (id, parent_id) pairs."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in parents:
        children.setdefault(parent_id, []).append(unit_id)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def selected_units(unit_ids: Iterable[int], subtree_ids: Iterable[int]) -> list[Unit]:
    """The units chosen one by one plus every unit below the chosen subtree roots."""
    pairs = unit_parents()
    known = {unit_id for unit_id, _ in pairs}
    wanted = set(unit_ids) | set(subtree_ids)
    if wanted - known:
        raise WorkflowError("所选单位中有已不存在的单位，请刷新页面后重新选择。")
    ids = set(unit_ids) | expand_subtrees(pairs, subtree_ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)).order_by(Unit.sort_order, Unit.id)))


def started_units(campaign: Campaign) -> set[int]:
    """Units that have saved or filed anything for the campaign (they can no longer be removed)."""
    return set(db.session.scalars(
        sa.select(Submission.unit_id).join(Deliverable).where(
            Deliverable.campaign_id == campaign.id, Submission.state != SubmissionState.not_started)
    ))


@dataclass(frozen=True)
class RecipientChange:
    added: list[Unit]
    removed: list[Unit]


def recipient_choices(campaign: Campaign) -> list[UnitNode]:
    """The units a campaign may choose from, as a tree: every unit, or for a relay the relaying unit's own units."""
    roots = unit_tree()
    if campaign.relaying_unit_id is None:
        return roots
    node = find_node(roots, campaign.relaying_unit_id)
    return node.children if node is not None else []


def home_units(roots: list[UnitNode], unit_id: int | None) -> set[int]:
    """The user's own part of the tree: the unit, the units above it and every unit below it
    (shown open by default; the rest stays folded, one search away)."""
    def walk(nodes, path):
        for node in nodes:
            if node.id == unit_id:
                below = set()
                stack = list(node.children)
                while stack:
                    child = stack.pop()
                    below.add(child.id)
                    stack.extend(child.children)
                return set(path) | {node.id} | below
            found = walk(node.children, path + [node.id])
            if found:
                return found
        return set()

    return walk(roots, []) if unit_id is not None else set()


def units_below(unit_id: int) -> set[int]:
    """Every unit below `unit_id` (not the unit itself)."""
    return expand_subtrees(unit_parents(), [unit_id])


def choose_recipients(campaign: Campaign, *, user: User, unit_ids: Iterable[int] = (),
                      subtree_ids: Iterable[int] = ()) -> RecipientChange:
    """Set the recipients to the chosen units and whole subtrees (see `set_recipients`); a relay's come from
    the relaying unit's own subtree only."""
    units = selected_units(unit_ids, subtree_ids)
    if campaign.relaying_unit_id is not None:
        allowed = units_below(campaign.relaying_unit_id)
        if any(unit.id not in allowed for unit in units):
            raise WorkflowError("转发的通知只能选择本单位的下级单位作为报送单位。")
    change = set_recipients(campaign, units)
    if change.added or change.removed:
        record("recipients_changed", user=user, campaign_id=campaign.id,
               added=[u.id for u in change.added], removed=[u.id for u in change.removed])
    return change


def set_recipients(campaign: Campaign, units: list[Unit]) -> RecipientChange:
    """Replace the campaign's recipients (in unit order).

    After publishing, new recipients get their submissions at once, and a unit can be removed
    only while it has not saved or filed anything.
    """
    check("recipients", campaign)
    before = {u.id: u for u in campaign.recipients}
    after = {u.id: u for u in units}
    removed = [u for i, u in before.items() if i not in after]
    added = [u for i, u in after.items() if i not in before]
    if campaign.state is CampaignState.published:
        if removed and not after:
            raise WorkflowError("已发布的通知至少需要一个报送单位。")
        blocked = [u for u in removed if u.id in started_units(campaign)]
        if blocked:
            names = "、".join(u.name for u in blocked[:10]) + (" 等" if len(blocked) > 10 else "")
            raise WorkflowError(f"{names}已填写或报送材料，不能从报送单位中移除。")
        if removed:
            db.session.execute(sa.delete(Submission).where(
                Submission.unit_id.in_([u.id for u in removed]),
                Submission.deliverable_id.in_([d.id for d in campaign.deliverables]),
                Submission.state == SubmissionState.not_started,
            ).execution_options(synchronize_session=False))
    campaign.recipients = sorted(after.values(), key=lambda u: (u.sort_order, u.id))
    db.session.flush()
    if campaign.state is CampaignState.published and added:
        ensure_submissions(campaign)
    return RecipientChange(added=sorted(added, key=lambda u: (u.sort_order, u.id)),
                           removed=sorted(removed, key=lambda u: (u.sort_order, u.id)))


def ensure_submissions(campaign: Campaign) -> int:
    """Create a 未填报 submission for every recipient and deliverable that has none; return how many."""
    created = 0
    for deliverable in campaign.deliverables:
        existing = set(db.session.scalars(
            sa.select(Submission.unit_id).where(Submission.deliverable_id == deliverable.id)
        ))
        for unit in campaign.recipients:
            if unit.id not in existing:
                db.session.add(Submission(deliverable=deliverable, unit=unit, state=SubmissionState.not_started,
                                          data={}))
                created += 1
    db.session.flush()
    return created
