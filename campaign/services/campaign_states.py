"""A campaign's states and which action may start from which: draft → published → closed."""
from __future__ import annotations

from ..models import Campaign, CampaignState
from . import WorkflowError

C = CampaignState

# Which campaign states each action may start from; everything else is refused.
TRANSITIONS: dict[str, set[CampaignState]] = {
    "edit": {C.draft, C.published},
    "recipients": {C.draft, C.published},
    "remove_deliverable": {C.draft, C.published},
    "publish": {C.draft},
    "close": {C.published},
}

REFUSALS = {
    "edit": "通知已结束，不能再修改。",
    "recipients": "通知已结束，不能再调整报送单位。",
    "remove_deliverable": "通知已结束，不能再删除报送事项。",
    "publish": "只有草稿状态的通知可以发布。",
    "close": "只有已发布的通知可以结束。",
}


def allowed(action: str, campaign: Campaign) -> bool:
    """True if the campaign's state lets the action start (other checks may still refuse it)."""
    return campaign.state in TRANSITIONS[action]


def check(action: str, campaign: Campaign) -> None:
    """Refuse, with the reason shown to the user, an action the campaign's state does not allow."""
    if not allowed(action, campaign):
        raise WorkflowError(REFUSALS[action])
