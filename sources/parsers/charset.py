"""Decode Korean pages from bytes: HTTP header, then ``<meta charset>``, then detection.

EUC-KR labels are decoded as CP949, its superset: sites that say euc-kr use CP949-only
syllables (such as 똠) that strict EUC-KR turns into U+FFFD.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

ALIASES = {"euc-kr": "cp949", "euckr": "cp949", "ks_c_5601-1987": "cp949", "x-windows-949": "cp949"}
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


def _normalise(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def detect_encoding(body: bytes, content_type: str | None, override: str | None = None) -> str:
    """The encoding to decode ``body`` with."""
    if override:
        return _normalise(override) or override
    header = _HEADER.search(content_type or "")
    from_header = _normalise(header.group(1) if header else None)
    meta = _META.search(body[:4096])
    from_meta = _normalise(meta.group(1).decode("ascii") if meta else None)
    for candidate in (from_header, from_meta):
        if candidate:
            try:
                body.decode(candidate)
                return candidate
            except UnicodeDecodeError:
                continue
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body).best()
    return _normalise(best.encoding) if best else "cp949"


def decode(body: bytes, content_type: str | None, override: str | None = None) -> str:
    return body.decode(detect_encoding(body, content_type, override), errors="replace")
