"""Files a unit (or its coordinator on its behalf) uploaded into a submission: kept as sent, with what became of them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow
from .users import User


class UploadedFile(db.Model):
    __tablename__ = "uploaded_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))  # as the user's file was called; display only
    storage_name: Mapped[str] = mapped_column(sa.String(64), unique=True)  # random, on disk
    size: Mapped[int] = mapped_column()
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    on_behalf: Mapped[bool] = mapped_column(default=False)  # 代报: taken in by the coordinator
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was put into the draft
    # "import": a filled form read into the draft; "attachment": sent along as it is (a level's own rollup)
    purpose: Mapped[str] = mapped_column(sa.String(20), default="import", server_default="import")

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_attachment(self) -> bool:
        return self.purpose == "attachment"

    @property
    def extension(self) -> str:
        return self.filename.rsplit(".", 1)[-1].lower() if "." in self.filename else ""
