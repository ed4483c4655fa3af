"""Pulling plain text out of the documents people send (PDF, DOCX, plain text)."""

from __future__ import annotations

import io
import logging
import zipfile
from xml.etree import ElementTree

logger = logging.getLogger(__name__)

MAX_TEXT = 50_000
MAX_PDF_PAGES = 30
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def document_text(content: bytes, mime: str) -> str:
    """The readable text of a document, capped; "" when there is none or it can't be read."""
    try:
        if mime == "application/pdf":
            return _pdf_text(content)
        if mime.endswith("wordprocessingml.document"):
            return _docx_text(content)
        if mime.startswith("text/"):
            return content.decode("utf-8", errors="replace")[:MAX_TEXT]
    except Exception:  # noqa: BLE001 - a broken document must never fail the job for good
        logger.warning("could not read a %s document", mime, exc_info=True)
    return ""


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted:
        return ""
    parts: list[str] = []
    size = 0
    for page in reader.pages[:MAX_PDF_PAGES]:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size >= MAX_TEXT:
            break
    return "\n".join(parts)[:MAX_TEXT]


def _docx_text(content: bytes) -> str:
    # Read word/document.xml directly: bounded, and no macro or external part is touched.
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        info = zf.getinfo("word/document.xml")
        if info.file_size > 20_000_000:
            return ""
        xml = zf.read(info)
    if b"<!DOCTYPE" in xml[:2000] or b"<!ENTITY" in xml[:5000]:
        return ""
    root = ElementTree.fromstring(xml)
    paragraphs = []
    for para in root.iter(f"{_W}p"):
        words = "".join(t.text or "" for t in para.iter(f"{_W}t"))
        if words.strip():
            paragraphs.append(words)
    return "\n".join(paragraphs)[:MAX_TEXT]
