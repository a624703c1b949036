"""Pure rules of the public portal: what a search box and a link may carry.

The status of a certificate is ``org``'s rule (``zhifa.org.rules.certificate_status_on``).
"""

from __future__ import annotations


def clean_search_text(raw: str, *, max_length: int = 50) -> str:
    """Free-text search input with control characters removed and the length bounded."""
    kept = "".join(char for char in raw if ord(char) >= 32 and ord(char) != 127)
    return kept.strip()[:max_length]


def web_link(value: str) -> str | None:
    """``value`` if it is an http(s) address that may be shown as a link, otherwise None (rows
    written past form validation could hold ``javascript:`` or worse)."""
    candidate = value.strip()
    if candidate.lower().startswith(("https://", "http://")) and not any(
        ord(char) < 33 or char in "\"'<>`" for char in candidate
    ):
        return candidate
    return None
