"""bench.fix_fuzz: its journal count sees a leaked row, its answers go to the right message, and a small run
writes the keys ../shared/BENCH.md asks for."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from bench.fix_fuzz import journal_rows, main
from bench.fix_fuzz_client import Sent, _attribute
from bench.fix_mutations import Plan
from engine import commands as cmd
from engine import events as ev
from engine.model import Side, TicketId
from tests.engine.fix.helpers import message


def sent(cl_ord_id: str, outcome: str, *, kind: str = "numbers", msg_type: str = "D", target: str = "",
         order_id: str = "") -> dict[str, object]:
    return {"kind": kind, "msg_type": msg_type, "cl_ord_id": cl_ord_id, "outcome": outcome, "target": target,
            "order_id": order_id}


def submit(cl_ord_id: str) -> cmd.SubmitTicket:
    return cmd.SubmitTicket(0, cl_ord_id, "AAPL", Side.BUY, 100, None, "TWAP", None, 1, (), "fix:OMS1", "OMS1",
                            "MEDIUM", True)


def test_rows_of_a_rejected_message_are_counted_and_a_risk_refusal_apart() -> None:
    result = {"sent": [sent("OK", "accepted"), sent("LEAK", "order_reject"), sent("BIG", "order_reject",
                                                                                   kind="risk_limits")]}
    records = [submit("OK"), submit("LEAK"), submit("BIG"), ev.RiskBlocked(0, "BIG", "max_parent_qty", "too big")]
    rows = journal_rows(result, records)
    assert rows["rows_from_rejected"] == {"numbers": 1}
    assert rows["rows_from_risk_refusals"] == 2


def test_a_change_command_without_an_acknowledged_change_is_a_leaked_row() -> None:
    result = {"sent": [sent("A", "accepted", kind="good", order_id="T1"),
                       sent("X", "order_reject", kind="cancel_replace", msg_type="G", target="A")]}
    records = [cmd.AmendTicket(0, TicketId("T1"), 200, Decimal("1.00"), None)]
    assert journal_rows(result, records)["rows_from_rejected"] == {"cancel_replace": 1}


def test_answers_go_to_their_messages_even_when_a_cl_ord_id_repeats_in_a_batch() -> None:
    first = Sent("mutant", "D", "DUP", 1, True, False, "")
    second = Sent("mutant", "D", "DUP", 2, True, False, "")
    bad_side = Sent("mutant", "D", "", 3, True, False, "")
    answers = [message("8", 1, [(11, "DUP"), (150, "A"), (39, "A")]),
               message("8", 2, [(11, "DUP"), (150, "0"), (39, "0"), (37, "T9")]),
               message("8", 3, [(11, "DUP"), (150, "8"), (39, "8"), (58, "duplicate ClOrdID 'DUP'")]),
               message("3", 4, [(45, 3), (58, "Side (54) is required")])]
    _attribute([first, second, bad_side], answers, Plan(0, 0))
    assert (first.outcome, first.order_id) == ("accepted", "T9")
    assert (second.outcome, second.text) == ("order_reject", "duplicate ClOrdID 'DUP'")
    assert bad_side.outcome == "session_reject"


def test_a_small_run_writes_the_bench_md_keys(tmp_path: Path) -> None:
    out = tmp_path / "fuzz.json"
    assert main(["--messages", "40", "--repeats", "1", "--classes", "numbers,required", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    for key in ("messages", "good_sent", "good_acked", "max_loop_block_ms", "journal_rows_from_rejected", "outcomes"):
        assert key in figures
    assert set(figures["outcomes"]["numbers"]) >= {"session_reject", "business_reject", "order_reject", "accepted"}
    assert figures["good_acked"] == figures["good_sent"] > 0
    assert figures["journal_rows_from_rejected"] == 0 and figures["must_reject_accepted"] == 0
