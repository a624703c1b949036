"""What a file really is, from its first bytes (magic numbers), never from its name.

Only the types the evidence store accepts are recognised; anything else is ``None``. Pure
functions: no I/O. ``HEAD_BYTES`` is how much of the start of a file :func:`sniff` needs.
"""

from __future__ import annotations

from dataclasses import dataclass

HEAD_BYTES = 64


@dataclass(frozen=True)
class MediaType:
    name: (
        str  # short name used in settings: jpeg, png, heic, mp4, mov, avi, mp3, m4a, wav, amr, pdf
    )
    mime: str
    kind: str  # Evidence.Kind value: photo, audio, video, document
    extension: str


TYPES: dict[str, MediaType] = {
    t.name: t
    for t in (
        MediaType("jpeg", "image/jpeg", "photo", "jpg"),
        MediaType("png", "image/png", "photo", "png"),
        MediaType("heic", "image/heic", "photo", "heic"),
        MediaType("mp4", "video/mp4", "video", "mp4"),
        MediaType("mov", "video/quicktime", "video", "mov"),
        MediaType("avi", "video/x-msvideo", "video", "avi"),
        MediaType("mp3", "audio/mpeg", "audio", "mp3"),
        MediaType("m4a", "audio/mp4", "audio", "m4a"),
        MediaType("wav", "audio/wav", "audio", "wav"),
        MediaType("amr", "audio/amr", "audio", "amr"),
        MediaType("pdf", "application/pdf", "document", "pdf"),
    )
}

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_MOV_BRANDS = {b"qt  "}
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"M4V ",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"3g2a",
    b"MSNV",
    b"XAVC",
}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def _ftyp(head: bytes) -> str | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in _HEIC_BRANDS:
        return "heic"
    if brand in _M4A_BRANDS:
        return "m4a"
    if brand in _MOV_BRANDS:
        return "mov"
    if brand in _MP4_BRANDS:
        return "mp4"
    return None


def _mp3(head: bytes) -> bool:
    if head.startswith(b"ID3") and len(head) >= 10:
        return True
    # MPEG audio frame sync: 11 set bits, version not reserved (01), layer III (01).
    if len(head) >= 4 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        version = (head[1] >> 3) & 0x03
        layer = (head[1] >> 1) & 0x03
        bitrate = head[2] >> 4
        return version != 0x01 and layer == 0x01 and bitrate not in (0x00, 0x0F)
    return False


def sniff(head: bytes) -> MediaType | None:
    """The accepted type whose signature ``head`` (the file's first bytes) carries, or ``None``."""
    name: str | None = None
    if head.startswith(b"\xff\xd8\xff"):
        name = "jpeg"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        name = "png"
    elif head.startswith(b"%PDF-"):
        name = "pdf"
    elif head.startswith(b"#!AMR\n") or head.startswith(b"#!AMR-WB\n"):
        name = "amr"
    elif head.startswith(b"RIFF") and len(head) >= 12 and head[8:12] in (b"AVI ", b"WAVE"):
        name = "avi" if head[8:12] == b"AVI " else "wav"
    elif (ftyp := _ftyp(head)) is not None:
        name = ftyp
    elif len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        name = "mov"
    elif _mp3(head):
        name = "mp3"
    return TYPES[name] if name else None
