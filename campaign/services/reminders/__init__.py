"""Reminders (催报): the schedule (schedule.py), the ledger that makes each message go once (ledger.py),
what a message says (messages.py), the runner that plans, claims and sends (runner.py) and the
coordinator's 催报 page (overview.py). Who owes what comes from the standing model (services/standing.py).
"""
from .runner import (Due, Outcome, PassReport, Recipient, change_schedule, manual_kind, message_for,
                     owing_recipients, plan, queue_manual, run_leased_pass, run_pass, send_planned,
                     send_queued)

__all__ = ["Due", "Outcome", "PassReport", "Recipient", "change_schedule", "manual_kind", "message_for",
           "owing_recipients", "plan", "queue_manual", "run_leased_pass", "run_pass", "send_planned", "send_queued"]
