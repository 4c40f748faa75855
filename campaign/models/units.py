"""Units (单位): a tree in display order, each with its contacts."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(100), default="")
    code: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    # Rollups and lists follow this order (provinces in the standard order, not by pinyin).
    sort_order: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.sort_order")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="Contact.id"
    )

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name}>"


class Contact(db.Model):
    """A person at a unit who receives notices and reminders."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    phone: Mapped[str] = mapped_column(sa.String(100), default="")
    mobile: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    position: Mapped[str] = mapped_column(sa.String(100), default="")

    unit: Mapped[Unit] = relationship(back_populates="contacts")
