"""The landing page (each role to its own start page) and the load balancer's health checks."""
from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user

from ..models import Role
from ..jobs import queue_reachable
from ..services.health import database_reachable

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """Reporters go to their 待办 list, coordinators and admins to their campaigns; anyone else to the login page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role is Role.reporter:
        return redirect(url_for("unit.todo"))
    return redirect(url_for("coordinator.campaigns"))


@bp.route("/healthz")
def healthz():
    """The process answers (for a load balancer's liveness check)."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """The database and the job queue are reachable: 200, else 503 with what is not."""
    checks = {"database": database_reachable(), "queue": queue_reachable()}
    return jsonify(status="ok" if all(checks.values()) else "unavailable", checks=checks), \
        200 if all(checks.values()) else 503
