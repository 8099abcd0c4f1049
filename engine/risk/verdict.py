"""A control's answer when it does not simply pass: the rule, why (naming the value and the limit), where it
applies and whether it blocks (hard) or warns (soft)."""

from __future__ import annotations

from dataclasses import dataclass

from engine import events as ev


@dataclass(frozen=True, slots=True)
class RiskVerdict:
    rule: str
    reason: str
    scope: str = "firm"
    key: str = ""
    value: str = ""
    limit: str = ""
    hard: bool = True

    def blocked(self, ts_ns: int, target: str) -> ev.RiskBlocked:
        """The journal record of this block."""
        return ev.RiskBlocked(ts_ns, target, self.rule, self.reason, self.scope, self.key, self.value, self.limit)

    def warned(self, ts_ns: int, target: str, outcome: str) -> ev.RiskWarned:
        """The journal record of this warning and what became of the order."""
        return ev.RiskWarned(ts_ns, target, self.rule, self.scope, self.key, self.value, self.limit, self.reason,
                             outcome)
