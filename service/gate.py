"""The promotion gate: a retrained model goes live only if it is not worse.

Pure: metric dictionaries in (higher is better, each measured for both models
on the same data), a decision and its reason out.  Metrics only one side has are
reported but not compared.  The checks that could not run (no training data for
the held-out check, too few stored labels to cross-validate) are named in the
reason, so that a promotion never reads as more checked than it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["GateDecision", "decide", "unchecked_text"]


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str
    compared: dict[str, dict[str, float]] = field(default_factory=dict)
    unchecked: dict[str, str] = field(default_factory=dict)  # check -> why it did not run


def unchecked_text(unchecked: Mapping[str, str]) -> str:
    """``"; not checked: held-out data (no training data found), ..."``, or "" when all ran."""
    if not unchecked:
        return ""
    return "; not checked: " + ", ".join(f"{check} ({why})" for check, why in unchecked.items())


def decide(active: Mapping[str, float] | None, candidate: Mapping[str, float],
           tolerance: float, unchecked: Mapping[str, str] | None = None) -> GateDecision:
    """Promote unless some shared metric of ``candidate`` is more than ``tolerance`` below ``active``.

    ``unchecked`` names the checks that could not run and why; the reason ends with them."""
    unchecked = dict(unchecked or {})
    tail = unchecked_text(unchecked)
    if active is None:
        return GateDecision(True, "no active model to compare with" + tail, unchecked=unchecked)
    shared = sorted(set(active) & set(candidate))
    compared = {m: {"active": float(active[m]), "candidate": float(candidate[m]),
                    "delta": float(candidate[m]) - float(active[m])} for m in shared}
    if not shared:
        return GateDecision(True, "no metric measured on both models; promoted unchecked" + tail,
                            compared, unchecked)
    worse = [m for m in shared if compared[m]["delta"] < -tolerance]
    if worse:
        detail = "; ".join(f"{m} fell from {compared[m]['active']:.3f} to "
                           f"{compared[m]['candidate']:.3f}" for m in worse)
        return GateDecision(False, f"worse than the active model beyond tolerance {tolerance}: "
                                   f"{detail}{tail}", compared, unchecked)
    return GateDecision(True, f"not worse on {', '.join(shared)} (tolerance {tolerance}){tail}",
                        compared, unchecked)
