"""QuickFIX's FIX 4.4 server acceptance scripts (../shared/fix_at) against our session layer.

CI runs every script but 6_SendTestRequest (it waits ~35 s for heartbeat timeouts; `python -m bench.fix_at`
runs all 59) in QuickFIX's strict mode: its header order and Text wording, which implies the relaxed
`--any-order --any-value 58` verdicts too. 4a_NoDataSentDuringHeartBtInt (~12 s) runs beside the others.
"""

from __future__ import annotations

import pytest

from bench.fix_at import AT_DIR, MODES, run_mode, script_names

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not (AT_DIR / "run_at.py").exists(), reason=f"QuickFIX acceptance suite not found in {AT_DIR}"),
]

CI_SKIPS = {"6_SendTestRequest"}


def test_quickfix_acceptance_scripts_pass_strictly():
    names = [name for name in script_names() if name not in CI_SKIPS]
    assert len(names) == 58
    result = run_mode(names, MODES["strict"], timeout_s=10.0)
    failures = [f"{t['test']} line {t.get('line')}: {t.get('reason')}\n  expected {t.get('expected')}\n"
                f"  received {t.get('received')}" for t in result["tests"] if t["status"] != "PASS"]
    assert not failures, "\n".join(failures)
    assert result["passed"] == len(names)
