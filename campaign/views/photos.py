"""Photos: the stored image and its thumbnail, to the unit that uploaded it and its campaign's staff."""
from __future__ import annotations

import io

from flask import Blueprint, abort, send_file
from flask_login import login_required

from ..access import viewable_photo_or_404
from ..services.photos import photo_path

bp = Blueprint("photos", __name__, url_prefix="/photos")


def _send(photo_id: int, *, thumbnail: bool):
    photo = viewable_photo_or_404(photo_id)
    try:
        # Read whole (a photo is at most MAX_PHOTO_BYTES), so no file handle outlives the request.
        with open(photo_path(photo, thumbnail=thumbnail), "rb") as fh:
            content = fh.read()
    except FileNotFoundError:
        abort(404)
    mimetype = "image/jpeg" if thumbnail else photo.content_type
    extension = "jpg" if thumbnail else photo.extension
    response = send_file(io.BytesIO(content), mimetype=mimetype, download_name=f"photo-{photo.id}.{extension}",
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:photo_id>")
@login_required
def show(photo_id: int):
    """The photo as stored (orientation applied)."""
    return _send(photo_id, thumbnail=False)


@bp.route("/<int:photo_id>/thumbnail")
@login_required
def thumbnail(photo_id: int):
    """A small JPEG of the photo for the form and the coordinator's pages."""
    return _send(photo_id, thumbnail=True)
