"""A tqdm bar with documents/s and MB/s; silent unless asked or on a terminal."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    def __init__(self, enabled: bool | None = None) -> None:
        from tqdm import tqdm

        if enabled is None:
            enabled = sys.stderr.isatty()
        self._bar = tqdm(desc="cleaning", unit=" docs", disable=not enabled, file=sys.stderr,
                         dynamic_ncols=True, smoothing=0.1)
        self._start = time.perf_counter()
        self._bytes = 0

    def update(self, documents: int, text_bytes: int) -> None:
        self._bytes += text_bytes
        elapsed = time.perf_counter() - self._start
        if elapsed > 0:
            self._bar.set_postfix_str(f"{self._bytes / 1e6 / elapsed:.2f} MB/s", refresh=False)
        self._bar.update(documents)

    def close(self) -> None:
        self._bar.close()
