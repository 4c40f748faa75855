"""Built-in presets: the notices a coordinator can turn into a campaign in one step."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time

from ..timefmt import DEFAULT_ZONE
from .deliverables import parse_deadline
from .schema import DefinitionError, InvalidDefinition, parse_yaml, validate_form

PRESET_DIR = os.path.join(os.path.dirname(__file__), "presets")


@dataclass(frozen=True)
class PresetDeliverable:
    key: str
    short_title: str
    title: str
    deadline: datetime  # local wall time in the preset's zone
    form: dict


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    doc_number: str
    issuer: str
    issued_on: date | None
    contact: dict
    timezone: str
    office_hours_end: time
    late_policy: str
    deliverables: list[PresetDeliverable] = field(default_factory=list)


def load_preset(key: str) -> Preset:
    """Load and validate one built-in preset by key."""
    path = os.path.join(PRESET_DIR, f"{key}.yaml")
    if not os.path.isfile(path):
        raise KeyError(key)
    with open(path, encoding="utf-8") as fh:
        return parse_preset(fh.read(), where=key)


def parse_preset(text: str, *, where: str = "") -> Preset:
    """A whole campaign written in the preset format (as `flask propose-campaign` prints one)."""
    raw = parse_yaml(text)
    office_end = time.fromisoformat(str(raw.get("office_hours_end") or "18:00"))
    prefix = f"{where}: " if where else ""
    deliverables = []
    for item in raw["deliverables"]:
        try:
            form = validate_form({"title": item["title"], "fields": item["fields"], "limits": item.get("limits")})
        except InvalidDefinition as exc:
            raise InvalidDefinition([DefinitionError(e.line, prefix + e.message) for e in exc.errors]) from None
        deliverables.append(PresetDeliverable(
            key=item["key"], short_title=item.get("short_title", ""), title=item["title"],
            deadline=parse_deadline(item["deadline"], office_end), form=form,
        ))
    return Preset(
        key=raw["key"], title=raw["title"], doc_number=raw.get("doc_number") or "", issuer=raw["issuer"],
        issued_on=raw.get("issued_on"), contact=dict(raw["contact"]), timezone=raw.get("timezone", DEFAULT_ZONE),
        office_hours_end=office_end, late_policy=raw.get("late_policy", "flag"), deliverables=deliverables,
    )


def preset_keys() -> list[str]:
    """Keys of every built-in preset, in a stable order."""
    return sorted(name[:-5] for name in os.listdir(PRESET_DIR) if name.endswith(".yaml"))
