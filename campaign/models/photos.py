"""Photos uploaded into a submission's photos field; the files live under UPLOAD_DIR."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .submissions import Submission
from .types import UTCDateTime, utcnow
from .users import User


class Photo(db.Model):
    """One uploaded image. The file name on disk is random; the name the user gave is only shown."""

    __tablename__ = "photos"
    __table_args__ = (
        sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name="known_content_type"),
        sa.CheckConstraint("state IN ('pending', 'ready', 'failed')", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # The form field (type photos) the photo belongs to.
    field_key: Mapped[str] = mapped_column(sa.String(40))
    storage_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(200), default="")
    content_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # A worker decodes the upload and writes the stored photo and its thumbnail (services/photos.py):
    # pending until then, ready after, failed (with the reason in Chinese) when the file is not a photo.
    state: Mapped[str] = mapped_column(sa.String(10), default="ready", server_default="ready")
    error: Mapped[str | None] = mapped_column(sa.String(500))
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    @property
    def extension(self) -> str:
        return "png" if self.content_type == "image/png" else "jpg"

    def __repr__(self) -> str:
        return f"<Photo {self.id} {self.storage_name}>"
