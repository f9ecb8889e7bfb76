"""Scores: per-class precision/recall/F1 and token-level F1 of kept text against gold text."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

__all__ = ["tokens", "token_f1", "counter_f1", "class_report", "format_report", "format_confusion"]

# Word tokens as the block datasets define them: letters and digits, lower-cased,
# each CJK character a token of its own.
_TOKEN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|[^\W_]+")


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower())


def counter_f1(p: Counter, g: Counter) -> float:
    return token_f1_counts(p, g)[2]


def token_f1(predicted: str, gold: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall, F1 (1.0 each when both are empty)."""
    return token_f1_counts(Counter(tokens(predicted)), Counter(tokens(gold)))


def token_f1_counts(p: Counter, g: Counter) -> tuple[float, float, float]:
    if not p and not g:
        return 1.0, 1.0, 1.0
    if not p or not g:
        return (0.0 if p else 1.0), (0.0 if g else 1.0), 0.0
    overlap = sum((p & g).values())
    prec, rec = overlap / sum(p.values()), overlap / sum(g.values())
    return prec, rec, (2 * prec * rec / (prec + rec) if overlap else 0.0)


def class_report(y_true: Sequence, y_pred: Sequence, labels: Sequence[str]) -> dict[str, dict]:
    """Per-class precision/recall/F1/support plus accuracy and macro F1."""
    yt, yp = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    out: dict[str, dict] = {}
    for label in labels:
        tp = int(((yt == label) & (yp == label)).sum())
        fp = int(((yt != label) & (yp == label)).sum())
        fn = int(((yt == label) & (yp != label)).sum())
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[str(label)] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    present = [v["f1"] for v in out.values() if v["support"]]
    out["_overall"] = {"accuracy": float((yt == yp).mean()) if len(yt) else 0.0,
                       "macro_f1": float(np.mean(present)) if present else 0.0, "n": len(yt)}
    return out


def format_report(title: str, report: dict[str, dict]) -> str:
    lines = [title, f"  {'class':<14}{'prec':>7}{'rec':>7}{'f1':>7}{'support':>9}"]
    for label, m in report.items():
        if label == "_overall":
            continue
        lines.append(f"  {label:<14}{m['precision']:7.3f}{m['recall']:7.3f}{m['f1']:7.3f}"
                     f"{m['support']:9d}")
    o = report["_overall"]
    lines.append(f"  accuracy {o['accuracy']:.3f}  macro-F1 {o['macro_f1']:.3f}  n={o['n']}")
    return "\n".join(lines)


def format_confusion(title: str, counts: dict[str, dict[str, int]], labels: Sequence[str],
                     top: int = 6) -> str:
    """A confusion matrix (rows: true label, columns: predicted) and its largest
    off-diagonal cells, which say what a model mistakes for what."""
    cols = list(labels) + sorted({p for row in counts.values() for p in row} - set(labels))
    short = {c: c[:7] for c in cols}
    lines = [title, "  " + "true/predicted".ljust(14) + "".join(f"{short[c]:>8}" for c in cols)]
    for t in labels:
        row = counts.get(t, {})
        if row:
            lines.append(f"  {t:<14}" + "".join(f"{row.get(c, 0):8d}" for c in cols))
    off = sorted(((n, t, p) for t, row in counts.items() for p, n in row.items() if p != t),
                 reverse=True)[:top]
    if off:
        lines.append("  most confused: " + ", ".join(f"{t} -> {p} {n}" for n, t, p in off))
    return "\n".join(lines)
