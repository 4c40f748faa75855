"""The landing page: sends each role to its own start page."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from ..models import Role

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """Reporters go to their 待办 list, coordinators and admins to their campaigns."""
    if current_user.role is Role.reporter:
        return redirect(url_for("unit.todo"))
    return redirect(url_for("coordinator.campaigns"))
