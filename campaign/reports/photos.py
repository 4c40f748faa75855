"""Photos in rollups: a print-sized copy for Word, and every original in a .zip named by unit."""
from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from ..timefmt import local
from .data import Rollup, UnitEntry
from .text import Cleaner

MAX_PIXELS = 1600  # enough for a 14 cm wide print at about 290 dpi
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def photo_items(entry: UnitEntry, form: dict) -> Iterator[tuple[str, str]]:
    """(photo id, caption) for every photo the unit attached, in order."""
    for spec in form["fields"]:
        if spec["type"] != "photos":
            continue
        for item in entry.data.get(spec["key"]) or []:
            if isinstance(item, dict) and item.get("id"):
                yield str(item["id"]), str(item.get("caption") or "")


def print_copy(path: str) -> tuple[io.BytesIO, int, int] | None:
    """A JPEG no larger than needed for print, upright, with its pixel size; None if unreadable."""
    try:
        with Image.open(path) as image:
            # A JPEG decodes straight at a fraction of its size (draft), not whole and then shrunk.
            image.draft("RGB", (MAX_PIXELS, MAX_PIXELS))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_PIXELS, MAX_PIXELS))
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, "white")
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.split()[-1])
                image = background
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
            out.seek(0)
            return out, image.width, image.height
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None


def _extension(path: str) -> str:
    """The file's extension from its content (stored names may have none)."""
    try:
        with Image.open(path) as image:
            kind = image.format
    except (OSError, UnidentifiedImageError):
        kind = None
    return {"JPEG": ".jpg", "PNG": ".png"}.get(kind or "", os.path.splitext(path)[1].lower() or ".bin")


def safe_name(text: str, limit: int = 40) -> str:
    """Text usable as a file name on Windows and Linux."""
    return _UNSAFE.sub("_", text).strip(" .")[:limit] or "照片"


def _text_file(lines: list[str]) -> bytes:
    """A text file Notepad on any Windows reads: UTF-8 with a byte-order mark, CRLF line ends."""
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def build_photos_zip(rollup: Rollup, out: BinaryIO) -> Cleaner:
    """Every photo of every reported unit: 01_单位/01_说明.jpg, with a 照片说明.txt per unit and the
    counts and missing units in 汇总说明.txt. Every entry is dated with the compile time in the
    campaign's zone (zip times have no zone; an unpacked file shows them as local time)."""
    cleaner = Cleaner()
    stamp = local(rollup.generated_at, rollup.zone).timetuple()[:6]

    def member(name: str, compress: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = compress
        info.external_attr = 0o644 << 16
        return info

    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        summary = [rollup.campaign_title, rollup.head_line, rollup.missing_line()]
        archive.writestr(member("汇总说明.txt", zipfile.ZIP_DEFLATED), _text_file([line for line in summary if line]))
        for number, entry in enumerate(rollup.reported(), start=1):
            items = list(photo_items(entry, rollup.form))
            if not items:
                continue
            folder = f"{number:02d}_{safe_name(cleaner(entry.unit_name, entry.unit_name), 60)}"
            lines = []
            for index, (photo_id, caption) in enumerate(items, start=1):
                caption = cleaner(caption, entry.unit_name)
                path = rollup.photo_file(photo_id)
                if path is None:
                    lines.append(f"{index:02d}　（照片文件缺失）{caption}")
                    continue
                ext = _extension(path)
                name = f"{folder}/{index:02d}_{safe_name(caption)}{ext}"
                with open(path, "rb") as source, archive.open(member(name, zipfile.ZIP_STORED), "w") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
                lines.append(f"{index:02d}　{os.path.basename(name)}　{caption}")
            archive.writestr(member(f"{folder}/照片说明.txt", zipfile.ZIP_DEFLATED), _text_file(lines))
    return cleaner
