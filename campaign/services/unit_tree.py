"""The unit tree as nested nodes in display order, for choosing recipients."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import Unit


@dataclass
class UnitNode:
    id: int
    name: str
    children: list[UnitNode] = field(default_factory=list)

    @property
    def size(self) -> int:
        """How many units are below this one."""
        return sum(1 + child.size for child in self.children)


def build_tree(rows) -> list[UnitNode]:
    """Nodes from (id, parent_id, name) rows already in display order; returns the roots.

    A unit whose parent is missing from the rows is shown as a root rather than lost.
    """
    nodes = {unit_id: UnitNode(unit_id, name) for unit_id, _, name in rows}
    roots = []
    for unit_id, parent_id, _ in rows:
        parent = nodes.get(parent_id)
        (parent.children if parent is not None else roots).append(nodes[unit_id])
    return roots


def unit_parents() -> list[tuple[int, int | None]]:
    """(id, parent_id) of every unit, in one query."""
    return [tuple(row) for row in db.session.execute(sa.select(Unit.id, Unit.parent_id))]


def unit_tree() -> list[UnitNode]:
    """Every unit as a tree, in display order (one query)."""
    rows = db.session.execute(sa.select(Unit.id, Unit.parent_id, Unit.name).order_by(Unit.sort_order, Unit.id)).all()
    return build_tree(rows)


def find_node(roots: list[UnitNode], unit_id: int) -> UnitNode | None:
    """The node of `unit_id` anywhere in the tree."""
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node.id == unit_id:
            return node
        stack.extend(node.children)
    return None
