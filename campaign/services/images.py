"""Checking an uploaded image by its content, and writing it back without EXIF, with a thumbnail.

Pillow decodes the bytes; the file's name and declared type play no part. Images over the pixel
limit are refused before they are decoded, since a small file can hold a huge image.
"""
from __future__ import annotations

import io
import unicodedata
import warnings
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

THUMBNAIL_SIZE = (320, 320)
# Photos are kept at most this long on their longer side: ample for print (an A4 page at 300 dpi is
# 3508 px), and a JPEG is decoded straight at a reduced scale instead of whole.
STORED_EDGE = 3600
# A PNG cannot be decoded at a reduced scale; one of more pixels is refused (photos are JPEGs; PNGs are
# screenshots and drawings).
MAX_PNG_PIXELS = 16_000_000
# Pillow reports phone pictures carrying several images (MPO) as their own format; they are JPEGs.
FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}


class PhotoRejected(ValueError):
    """The upload is not a photo the system accepts; the message says what to do."""


def display_name(filename: str | None) -> str:
    """The file's own name without any folder part or control characters, for messages only."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "照片"


def size_label(size: int) -> str:
    """A byte count as people write it: 10 MB, 1.5 MB, 200 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, size // 1024)} KB"


def read_limited(stream: BinaryIO, limit: int, name: str) -> bytes:
    """The upload's bytes, refused when over the limit or empty."""
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise PhotoRejected(f"“{name}”超过 {size_label(limit)}，请压缩或缩小后重新上传。")
    if not raw:
        raise PhotoRejected(f"“{name}”是空文件，请重新选择照片。")
    return raw


def _open(raw: bytes, name: str, max_pixels: int) -> tuple[Image.Image, str]:
    """The image opened from its header (nothing decoded yet) and its content type; PhotoRejected if
    it is not a JPEG or PNG within the pixel limits."""
    not_a_photo = f"“{name}”不是 JPG 或 PNG 格式的照片（按文件内容判断），请选择照片文件后重新上传。"
    try:
        image = Image.open(io.BytesIO(raw), formats=("JPEG", "PNG"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_too_large(name, max_pixels)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(not_a_photo) from None
    if image.format not in FORMATS:
        raise PhotoRejected(not_a_photo)
    if image.width * image.height > max_pixels:
        raise PhotoRejected(_too_large(name, max_pixels))
    content_type = FORMATS[image.format]
    if content_type == "image/png" and image.width * image.height > MAX_PNG_PIXELS:
        raise PhotoRejected(f"“{name}”是像素很多的 PNG 图片，请另存为 JPG，或缩小到 "
                            f"{MAX_PNG_PIXELS // 1_000_000} 百万像素以内后重新上传。")
    return image, content_type


def _too_large(name: str, max_pixels: int) -> str:
    return f"“{name}”像素过多，请将图片缩小到 {max_pixels // 1_000_000} 百万像素以内后重新上传。"


def inspect_image(raw: bytes, name: str, *, max_pixels: int) -> tuple[str, int, int]:
    """Content type, width and height read from the header alone, with the checks decode_image makes
    before decoding: what an upload request may do without decoding any pixels."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image, content_type = _open(raw, name, max_pixels)
        with image:
            return content_type, image.width, image.height


def decode_image(raw: bytes, name: str, *, max_pixels: int) -> tuple[Image.Image, str]:
    """The decoded image, at most STORED_EDGE on its longer side, with its orientation applied, and its
    content type; PhotoRejected if it is not a JPEG or PNG within the pixel limits."""
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice its limit; refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image, content_type = _open(raw, name, max_pixels)
        try:
            if content_type == "image/jpeg":
                image.draft("RGB", (STORED_EDGE, STORED_EDGE))  # decode at 1/2, 1/4 or 1/8 scale when it suffices
            image.load()
            if max(image.size) > STORED_EDGE:
                image.thumbnail((STORED_EDGE, STORED_EDGE))
            return ImageOps.exif_transpose(image), content_type
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(_too_large(name, max_pixels)) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise PhotoRejected(f"“{name}”已损坏或不完整，无法读取，请删除后重新导出、上传。") from None


def encode(image: Image.Image, content_type: str) -> bytes:
    """The image as stored: JPEG or PNG, without EXIF."""
    out = io.BytesIO()
    if content_type == "image/png":
        image.save(out, "PNG")
    else:
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90, icc_profile=image.info.get("icc_profile"))
    return out.getvalue()


def make_thumbnail(image: Image.Image) -> bytes:
    """A small JPEG of the image; transparency shows as white."""
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    if thumb.mode in ("RGBA", "LA", "P", "PA"):
        thumb = thumb.convert("RGBA")
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()
