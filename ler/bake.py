"""Baked badges: put a credential into a PNG (iTXt) or SVG, and take it out again safely.

Reading never decodes pixels and never executes anything: PNG chunks are walked with bounds
checks (a file cannot make us allocate what it merely declares), SVG is parsed with defusedxml
(no entity expansion, no external fetches), and an SVG with a script is refused outright.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ler.errors import UnsafeFile

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB3_KEYWORD = b"openbadgecredential"
OB2_KEYWORD = b"openbadges"
OB3_SVG_NS = "https://purl.imsglobal.org/ob/v3p0"
OB2_SVG_NS = "http://openbadges.org"
MAX_TEXT = 2_000_000  # bytes of credential text we accept from one chunk (inflated)
MAX_PIXELS = 100_000_000  # a PNG declaring more than this is refused (decompression bombs)


@dataclass(frozen=True, slots=True)
class BakedPayload:
    """A credential found inside an image: its text and which Open Badges version baked it."""

    text: str
    version: str  # "ob3" | "ob2"
    container: str  # "png" | "svg"


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _walk_png(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    chunks: list[tuple[bytes, bytes]] = []
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise UnsafeFile("This PNG is cut short, so UTP will not open it.")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise UnsafeFile("This PNG declares more data than it holds, so UTP will not open it.")
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos = end
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) < 8:
        raise UnsafeFile("This PNG has no valid header, so UTP will not open it.")
    width, height = struct.unpack(">II", chunks[0][1][:8])
    if width * height > MAX_PIXELS:
        raise UnsafeFile(f"This PNG declares {width}x{height} pixels, too large to open safely.")
    return chunks


def _inflate(body: bytes) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(body, MAX_TEXT + 1)
    if len(out) > MAX_TEXT or inflater.unconsumed_tail:
        raise UnsafeFile("The badge text in this PNG inflates to more than UTP will read.")
    return out


def _itxt_text(body: bytes) -> tuple[bytes, str]:
    keyword, _, rest = body.partition(b"\0")
    if len(rest) < 2:
        raise ValueError("short iTXt")
    compressed, _method = rest[0], rest[1]
    rest = rest[2:]
    _lang, _, rest = rest.partition(b"\0")
    _translated, _, text = rest.partition(b"\0")
    if compressed:
        text = _inflate(text)
    return keyword, text.decode("utf-8")


def unbake_png(data: bytes) -> BakedPayload | None:
    """The credential baked into a PNG, or None when it holds none. UnsafeFile if hostile."""
    for kind, body in _walk_png(data):
        try:
            if kind == b"iTXt":
                keyword, text = _itxt_text(body)
            elif kind == b"tEXt":
                keyword, _, raw = body.partition(b"\0")
                text = raw.decode("latin-1")
            else:
                continue
        except (ValueError, UnicodeDecodeError):
            continue
        if keyword == OB3_KEYWORD:
            return BakedPayload(text.strip(), "ob3", "png")
        if keyword == OB2_KEYWORD:
            return BakedPayload(text.strip(), "ob2", "png")
    return None


def bake_png(image: bytes, credential: str) -> bytes:
    """A copy of a PNG with `credential` (JSON or JWT) in one iTXt `openbadgecredential` chunk."""
    chunks = [
        (k, b)
        for k, b in _walk_png(image)
        if not (k == b"iTXt" and b.startswith(OB3_KEYWORD + b"\0"))
    ]
    body = OB3_KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + credential.encode("utf-8")
    out = [PNG_SIGNATURE]
    for kind, chunk_body in chunks:
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", body))
        out.append(_chunk(kind, chunk_body))
    return b"".join(out)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _refuse_scripts(root: SafeET.Element) -> None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if _local(el.tag) in ("script", "foreignobject", "handler"):
            raise UnsafeFile("This SVG contains a script, so UTP will not open or keep it.")
        for name, value in el.attrib.items():
            lname = _local(name)
            if lname.startswith("on") or (
                lname == "href" and value.strip().lower().startswith("javascript:")
            ):
                raise UnsafeFile("This SVG contains a script, so UTP will not open or keep it.")


def unbake_svg(data: bytes) -> BakedPayload | None:
    """The credential inside an SVG, or None. UnsafeFile for scripts or entity declarations."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True)
    except DefusedXmlException as exc:
        raise UnsafeFile("This SVG declares XML entities, so UTP will not open it.") from exc
    except SafeET.ParseError:
        return None
    if _local(root.tag) != "svg":
        return None
    _refuse_scripts(root)
    for ns, tag, version in (
        (OB3_SVG_NS, "credential", "ob3"),
        (OB2_SVG_NS, "assertion", "ob2"),
    ):
        el = root.find(f".//{{{ns}}}{tag}")
        if el is None:
            continue
        text = el.get("verify") or (el.text or "")
        if len(text) > MAX_TEXT:
            raise UnsafeFile("The badge text in this SVG is larger than UTP will read.")
        if text.strip():
            return BakedPayload(text.strip(), version, "svg")
    return None


def bake_svg(svg: str, credential: str, *, jwt: bool) -> str:
    """An SVG with `credential` in an `openbadges:credential` element (JWT in `verify`)."""
    from xml.sax.saxutils import quoteattr

    if jwt:
        element = f"<openbadges:credential verify={quoteattr(credential)}/>"
    else:
        safe = credential.replace("]]>", "]]]]><![CDATA[>")
        element = f"<openbadges:credential><![CDATA[{safe}]]></openbadges:credential>"
    head, sep, rest = svg.partition("<svg")
    tag_end = rest.index(">")
    opening = rest[:tag_end]
    if "xmlns:openbadges" not in opening:
        opening += f' xmlns:openbadges="{OB3_SVG_NS}"'
    return f"{head}{sep}{opening}>{element}{rest[tag_end + 1 :]}"
