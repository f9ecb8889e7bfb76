"""Bytes from users to text: the one decoding rule every edge (CLI, service) applies."""

from __future__ import annotations

from newssift.classifier.errors import InvalidInput

__all__ = ["decode_utf8"]

_BOM = b"\xef\xbb\xbf"


def decode_utf8(data: bytes, name: str) -> str:
    """Strict UTF-8, a leading BOM dropped; NUL bytes mean binary data, not text.

    ``name`` says what the bytes were (a file, ``stdin``, ``body``) in the error message.
    """
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if b"\x00" in data:
        raise InvalidInput(f"{name}: binary data (NUL bytes); expected UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: not valid UTF-8 (byte {exc.start}); re-encode it as UTF-8") from None
