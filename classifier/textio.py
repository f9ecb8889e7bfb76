"""Bytes from users to text: the one decoding rule every edge (CLI, service) applies,
and the one reader of a corrections file (the ``GET /v1/labels`` export)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newssift.classifier.errors import InvalidInput

if TYPE_CHECKING:
    from newssift.classifier.corrections import CorrectionMemory

__all__ = ["decode_utf8", "utf8_problem", "read_corrections", "read_input"]

_BOM = b"\xef\xbb\xbf"


def utf8_problem(data: bytes) -> str | None:
    """Why ``data`` is not UTF-8 (``not valid UTF-8 (byte N); re-encode it as UTF-8``), or None.

    The one wording for every input read as UTF-8: a text file, a JSONL line (N counts
    from the start of the line), a request body.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte {exc.start}); re-encode it as UTF-8"
    return None


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
    except UnicodeDecodeError:
        raise InvalidInput(f"{name}: {utf8_problem(data)}") from None


def read_input(path: str | Path, what: str, max_bytes: int | None = None) -> bytes:
    """The bytes of a file the user named (``-``: stdin), read at most ``max_bytes + 1`` of
    them; a missing, unreadable or folder path is :class:`InvalidInput` saying so (``what``:
    "a text file", "a corrections file (JSONL)")."""
    name = "stdin" if str(path) == "-" else str(path)
    limit = -1 if max_bytes is None else max_bytes + 1
    try:
        if str(path) == "-":
            return sys.stdin.buffer.read(limit)
        with open(path, "rb") as handle:
            return handle.read(limit)
    except FileNotFoundError:
        raise InvalidInput(f"{name}: no such file, expected {what}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{name}: is a directory, expected {what}") from None
    except PermissionError:
        raise InvalidInput(f"{name}: permission denied") from None


def read_corrections(path: str | Path) -> CorrectionMemory:
    """A correction memory from a labels JSONL file (one ``{"text", "site"?, "labels"}``
    object per line, oldest first), with the file and line of anything malformed."""
    from newssift.classifier.corrections import CorrectionMemory

    name = str(path)
    data = read_input(path, "a corrections file (JSONL, the GET /v1/labels export)")
    records = []
    # Lines end at "\n" only: str.splitlines() also breaks at U+2028, U+2029 and U+0085,
    # which JSON strings (the export's texts) hold unescaped.
    for n, line in enumerate(decode_utf8(data, name).split("\n"), 1):
        if not line.strip():
            continue
        try:
            records.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{name}: line {n}: malformed JSON ({exc.msg}); expected the "
                               "labels export (GET /v1/labels)") from None
    return CorrectionMemory.from_records((f"{name}: line {n}", rec) for n, rec in records)
