"""Telling a file's type from its bytes (never its name) and sizing images before decoding."""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from io import BytesIO

MAX_IMAGE_PIXELS = 50_000_000  # a 50-megapixel photo is fine; a decompression bomb is not


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What a file really is."""

    mime: str
    kind: str  # image | document | text | audio | credential
    extension: str


def sniff(data: bytes) -> Sniffed | None:
    """The type of `data` from its first bytes; None for types UTP does not keep."""
    head = data[:512]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", "image", "png")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", "image", "jpg")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image/gif", "image", "gif")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed("image/webp", "image", "webp")
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf", "document", "pdf")
    if head.startswith(b"OggS"):
        return Sniffed("audio/ogg", "audio", "ogg")
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return Sniffed("audio/mpeg", "audio", "mp3")
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"M4B ", b"mp42", b"isom"):
        return Sniffed("audio/mp4", "audio", "m4a")
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    return _sniff_text(data)


def _sniff_zip(data: bytes) -> Sniffed | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            names = zf.namelist()
            if any(n.startswith("/") or ".." in n.split("/") for n in names):
                return None
            if "word/document.xml" in names:
                info = zf.getinfo("word/document.xml")
                # A document part that inflates 100x past the file size is a zip bomb.
                if info.file_size > max(50 * len(data), 20_000_000):
                    return None
                return Sniffed(
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "document",
                    "docx",
                )
    except (zipfile.BadZipFile, KeyError, ValueError):
        return None
    return None


def _sniff_text(data: bytes) -> Sniffed | None:
    sample = data[:4096]
    if b"\x00" in sample:
        return None
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # only a cut multi-byte char at the end is forgiven
            return None
        text = sample[: exc.start].decode("utf-8")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<svg") or (stripped.startswith("<?xml") and "<svg" in text):
        return Sniffed("image/svg+xml", "credential", "svg")
    if stripped.startswith(("{", "[")):
        return Sniffed("application/json", "credential", "json")
    if stripped.startswith("ey") and stripped.count(".") == 2 and " " not in stripped.strip():
        return Sniffed("application/jwt", "credential", "jwt")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > len(text) // 20:
        return None
    return Sniffed("text/plain", "text", "txt")


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from PNG / JPEG / GIF / WebP headers, without decoding pixels."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            w = int.from_bytes(data[24:27], "little") + 1
            h = int.from_bytes(data[27:30], "little") + 1
            return w, h
        if chunk == b"VP8 " and len(data) >= 30:
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (
            0xC0,
            0xC1,
            0xC2,
            0xC3,
            0xC5,
            0xC6,
            0xC7,
            0xC9,
            0xCA,
            0xCB,
            0xCD,
            0xCE,
            0xCF,
        ):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + length
    return None


def image_is_safe(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> bool:
    """False when an image's declared pixel count is too large (or its header is unreadable)."""
    size = image_size(data)
    if size is None:
        return False
    width, height = size
    return 0 < width * height <= max_pixels
