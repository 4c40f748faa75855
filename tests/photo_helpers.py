"""Image files for photo tests, made with Pillow (and one crafted by hand)."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def jpeg_bytes(size=(40, 20), color=(200, 30, 30), *, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if orientation is None:
        image.save(out, "JPEG")
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bytes(size=(30, 30), color=(0, 120, 200, 128)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, color).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A few hundred bytes claiming a 10-gigapixel greyscale image (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")
