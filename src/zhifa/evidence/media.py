"""Photo derivatives with Pillow: a small preview, and a published copy without GPS and camera
metadata (EXIF, XMP, comments). The original blob is only ever read."""

from __future__ import annotations

from typing import IO

from PIL import Image, ImageOps

PREVIEW_SIZE = (640, 640)
# Decoding is bounded: a photo larger than this many pixels is refused rather than expanded.
Image.MAX_IMAGE_PIXELS = 120_000_000


def preview(source: IO[bytes], out: IO[bytes]) -> None:
    """A JPEG preview at most 640 px on its longer side, upright, with no metadata."""
    with Image.open(source) as image:
        if image.format == "JPEG":
            image.draft("RGB", PREVIEW_SIZE)
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail(PREVIEW_SIZE)
        upright.convert("RGB").save(out, format="JPEG", quality=80)


def published_copy(source: IO[bytes], out: IO[bytes]) -> None:
    """The photo for publication: same pixels (turned upright), same format, without EXIF (GPS,
    camera make, model, serial, time), XMP or comments. The colour profile is kept."""
    with Image.open(source) as image:
        fmt = image.format or "JPEG"
        icc = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        params: dict[str, object] = {}
        if icc:
            params["icc_profile"] = icc
        if fmt == "JPEG":
            params["quality"] = 95
            params["subsampling"] = "keep" if upright is image else 0
            upright = (
                upright.convert("RGB") if upright.mode not in ("RGB", "L", "CMYK") else upright
            )
        elif fmt != "PNG":
            fmt = "PNG"
        upright.save(out, format=fmt, **params)
