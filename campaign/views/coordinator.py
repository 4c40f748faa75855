"""The coordinator's pages: campaigns they run."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import coordinator_required
from ..models import utcnow
from ..services.campaigns import coordinated_campaigns
from ..services.standing import campaign_tallies

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
staff_only = coordinator_required


@bp.route("/")
@staff_only
def campaigns():
    """The campaigns the user coordinates (all of them for an admin), with where each deliverable stands."""
    found = coordinated_campaigns(current_user)
    return render_template("coordinator/campaigns.html", campaigns=found, tallies=campaign_tallies(found, utcnow()))
