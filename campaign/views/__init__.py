"""Blueprints: thin routes that parse, call a service, commit, and render or redirect."""
from flask import Flask

from . import campaigns


def register(app: Flask) -> None:
    from . import (admin, audit, auth, coordinator, design, documents, intake, jobs, main, notices, photos, relays,
                   reminders, reports, review, unit)

    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(unit.bp)
    app.register_blueprint(campaigns.bp)
    app.register_blueprint(coordinator.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(photos.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(reminders.bp)
    app.register_blueprint(relays.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(intake.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(design.bp)
