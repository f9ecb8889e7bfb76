"""The promotion gate: a retrained model goes live only if it is not worse.

Pure: metric dictionaries in (higher is better, each measured for both models
on the same data), a decision and its reason out.  Metrics only one side has are
reported but not compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["GateDecision", "decide"]


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str
    compared: dict[str, dict[str, float]] = field(default_factory=dict)


def decide(active: Mapping[str, float] | None, candidate: Mapping[str, float],
           tolerance: float) -> GateDecision:
    """Promote unless some shared metric of ``candidate`` is more than ``tolerance`` below ``active``."""
    if active is None:
        return GateDecision(True, "no active model to compare with")
    shared = sorted(set(active) & set(candidate))
    compared = {m: {"active": float(active[m]), "candidate": float(candidate[m]),
                    "delta": float(candidate[m]) - float(active[m])} for m in shared}
    if not shared:
        return GateDecision(True, "no metric measured on both models; promoted unchecked", compared)
    worse = [m for m in shared if compared[m]["delta"] < -tolerance]
    if worse:
        detail = "; ".join(f"{m} fell from {compared[m]['active']:.3f} to "
                           f"{compared[m]['candidate']:.3f}" for m in worse)
        return GateDecision(False, f"worse than the active model beyond tolerance {tolerance}: "
                                   f"{detail}", compared)
    return GateDecision(True, f"not worse on {', '.join(shared)} (tolerance {tolerance})", compared)
