"""The tqdm bar of a cleaning run; silent unless asked or on a terminal.

When the inputs' size is known (every input a regular file, gzip included) the bar
counts bytes read against it, so it has a total and an ETA; documents and documents/s
go beside it.  Otherwise (stdin, a pipe) it counts documents, with MB/s of text.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "progress_wanted"]


def progress_wanted(enabled: bool | None) -> bool:
    """--progress/--no-progress when given, else only on a terminal."""
    return sys.stderr.isatty() if enabled is None else enabled


class Progress:
    def __init__(self, enabled: bool | None = None, total_bytes: int | None = None) -> None:
        from tqdm import tqdm

        self.total_bytes = total_bytes
        by_bytes = {"total": total_bytes, "unit": "B", "unit_scale": True, "unit_divisor": 1024}
        self._bar = tqdm(desc="cleaning", disable=not progress_wanted(enabled), file=sys.stderr,
                         dynamic_ncols=True, smoothing=0.1,
                         **(by_bytes if total_bytes is not None else {"unit": " docs"}))
        self._start = time.perf_counter()
        self._bytes = 0
        self._documents = 0

    def update(self, documents: int, text_bytes: int, read_bytes: int | None = None) -> None:
        """A chunk is done: its documents, their text, and how far into the inputs it reached."""
        self._bytes += text_bytes
        self._documents += documents
        elapsed = time.perf_counter() - self._start
        if self.total_bytes is None:
            if elapsed > 0:
                self._bar.set_postfix_str(f"{self._bytes / 1e6 / elapsed:.2f} MB/s", refresh=False)
            self._bar.update(documents)
            return
        rate = f", {self._documents / elapsed:.0f} docs/s" if elapsed > 0 else ""
        self._bar.set_postfix_str(f"{self._documents} docs{rate}", refresh=False)
        if read_bytes is not None and read_bytes > self._bar.n:
            self._bar.update(read_bytes - self._bar.n)

    def finish(self) -> None:
        """Every input is read: the bar ends at its total (bad records after the last chunk)."""
        if self.total_bytes is not None and self._bar.n < self.total_bytes:
            self._bar.update(self.total_bytes - self._bar.n)

    def close(self) -> None:
        self._bar.close()
