"""A page's site, from its address: what site-scoped corrections and a corpus's site line
counts (:mod:`newssift.classifier.site_lines`) group pages by.  No numpy here: the record
readers use it on every command's start-up path."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["site_of_url"]

_ARCHIVED = re.compile(r"^https?://(?:web|web-beta|wayback)\.archive\.org/web/[^/]+/(.+)$", re.I)
_WWW = re.compile(r"^www\d*\.")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def site_of_url(url: str) -> str | None:
    """The site of a page address: its host, lower case, without ``www.``; an archived
    copy's (web.archive.org) original host.  None when the address has no host."""
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    archived = _ARCHIVED.match(url)
    if archived:
        url = archived.group(1)
    if not _SCHEME.match(url):
        url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return _WWW.sub("", host.lower()) if host else None
