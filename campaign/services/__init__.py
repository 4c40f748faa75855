"""The workflow as plain functions. Services change objects and flush; callers commit."""


class WorkflowError(Exception):
    """An action the current state does not allow; the message is shown to the user."""
