"""Whether this process can serve: the database answers."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ..extensions import db


def database_reachable() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        current_app.logger.warning("readiness: database unreachable", exc_info=True)
        db.session.rollback()
        return False
