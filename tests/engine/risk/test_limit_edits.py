"""Limit edits (`Engine.set_limit`) on the real engine: the next check uses the new limit (a lowered one blocks
the order just over it, a raised one lets it pass), only `limit_editors` may edit, every bad edit is refused
naming what is wrong and changes nothing, each edit is journaled with its reason, and the edits are in force
after a clean restart (full replay, checkpoint + tail) and after a kill -9 of a real process, on top of the
configuration file's limits."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from engine import commands as cmd
from engine import events as ev
from engine import failpoints
from engine.journal import Journal
from engine.risk.config import RiskConfig, RiskConfigError
from engine.risk.limits import MAX_KEY, MAX_REASON, apply_edits
from tests.engine.risk.conftest import MakeDesk
from tests.engine.risk.harness import Desk, control, killed_after, limits, restarted
from tests.engine.risk.test_ticket_controls import refused

D = Decimal
CONFIG = limits(max_order_qty=control(firm=1000), max_child_qty=control(firm=1000))


def limit_of(d: Desk, name: str) -> tuple[str, Decimal | None, tuple[tuple[str, str, Decimal], ...]]:
    row = next(r for r in d.engine.risk_limits().rows if r.control == name)
    return row.mode, row.firm, row.overrides


def test_a_lowered_child_limit_blocks_the_next_child_just_over_it_and_a_raised_one_lets_it_pass(
        desk: MakeDesk) -> None:
    d = desk(CONFIG)
    pid = d.parent(1000)
    assert d.send(pid, 100, "100.00")
    assert d.engine.set_limit("max_child_qty", "firm", "", D(40), by="trader", reason="calm market").ok
    assert d.send(pid, 41, "100.00") == []
    block = d.blocks()[-1]
    assert (block.rule, block.value, block.limit) == ("max_child_qty", "41", "40")
    assert d.engine.resume(pid).ok
    assert d.send(pid, 40, "100.00")
    assert d.engine.set_limit("max_child_qty", "firm", "", D(45), by="trader", reason="a bit more").ok
    assert d.send(pid, 45, "100.00")
    assert d.send(pid, 46, "100.00") == [] and d.blocks()[-1].limit == "45"
    assert [o.quantity for o in d.sent()] == [100, 40, 45]


def test_a_ticket_limit_per_instrument_set_then_removed(desk: MakeDesk) -> None:
    d = desk(CONFIG)
    assert d.engine.set_limit("max_order_qty", "instrument", "AAPL", D(500), by="trader", reason="news").ok
    refused(d, d.ticket(501), "max_order_qty", "501", "500")
    assert d.ticket(500).accepted and d.ticket(1000, symbol="MSFT").accepted  # only AAPL's
    assert limit_of(d, "max_order_qty") == ("hard", D(1000), (("instrument", "AAPL", D(500)),))
    assert d.engine.set_limit("max_order_qty", "instrument", "AAPL", None, by="trader", reason="news out").ok
    assert d.ticket(1000).accepted  # back to the firm's
    assert limit_of(d, "max_order_qty") == ("hard", D(1000), ())


def test_a_mode_change_turns_a_control_soft_or_off(desk: MakeDesk) -> None:
    d = desk(CONFIG)
    assert d.engine.set_limit("max_order_qty", "firm", "", None, mode="soft", by="trader", reason="warn only").ok
    result = d.ticket(1001)
    assert not result.accepted and result.needs_confirmation
    assert d.engine.set_limit("max_order_qty", "firm", "", D(2000), mode="off", by="trader", reason="off").ok
    assert d.ticket(5000).accepted
    assert limit_of(d, "max_order_qty")[:2] == ("off", D(2000))


def test_the_utilization_uses_the_new_limit_at_once(desk: MakeDesk) -> None:
    d = desk(limits(max_open_tickets=control(firm=10)))
    assert d.ticket(100).accepted and d.ticket(200).accepted
    used = next(u for u in d.engine.risk_snapshot().utilization if u.control == "max_open_tickets")
    assert (used.used, used.limit) == (D(2), D(10))
    assert d.engine.set_limit("max_open_tickets", "firm", "", D(4), by="trader", reason="fewer").ok
    used = next(u for u in d.engine.risk_snapshot().utilization if u.control == "max_open_tickets")
    assert (used.used, used.limit, used.fraction) == (D(2), D(4), 0.5)


def test_each_edit_is_journaled_with_its_reason_and_raised_as_an_alert(desk: MakeDesk) -> None:
    d = desk(CONFIG)
    assert d.engine.set_limit("max_child_qty", "venue", "LIT1", D("250"), mode="soft", by="trader",
                              reason="venue is thin").ok
    [command] = [r for r in d.engine.journal.replay() if isinstance(r, cmd.ChangeRiskLimit)]
    assert (command.control, command.scope, command.key, command.value, command.mode) == \
        ("max_child_qty", "venue", "LIT1", D(250), "soft")
    [changed] = d.journaled(ev.RiskLimitChanged)
    assert (changed.old_value, changed.new_value, changed.old_mode, changed.new_mode, changed.by, changed.reason) == \
        (None, D(250), "hard", "soft", "trader", "venue is thin")
    alert = d.journaled(ev.AlertRaised)[-1]
    assert "limit changed by trader" in alert.text and "venue is thin" in alert.text and "LIT1" in alert.text
    recent = d.engine.risk_snapshot().recent[-1]
    assert (recent.kind, recent.rule, recent.target) == ("limit", "max_child_qty", "venue LIT1")


def test_only_limit_editors_may_edit(desk: MakeDesk) -> None:
    d = desk(replace(CONFIG, limit_editors=frozenset({"alice"})))
    result = d.engine.set_limit("max_order_qty", "firm", "", D(10), by="bob", reason="mine")
    assert not result.ok and "bob may not edit limits" in result.reason
    assert d.journaled(ev.RiskLimitChanged) == [] and limit_of(d, "max_order_qty")[1] == D(1000)
    assert d.ticket(1000).accepted
    assert not d.engine.risk_limits().may_edit("bob") and d.engine.risk_limits().may_edit("alice")
    assert d.engine.set_limit("max_order_qty", "firm", "", D(10), by="alice", reason="mine").ok
    refused(d, d.ticket(11), "max_order_qty")


@pytest.mark.parametrize(("control", "scope", "key", "value", "mode", "reason", "words"), [
    ("max_qty", "firm", "", D(1), None, "r", "'max_qty' is not a risk control"),
    ("max_order_qty", "trader", "X", D(1), None, "r", "scope must be one of firm, instrument"),
    ("max_order_qty", "firm", "AAPL", D(1), None, "r", "the firm scope takes no key"),
    ("max_order_qty", "instrument", "", D(1), None, "r", "names the instrument"),
    ("max_order_qty", "account", " PM1", D(1), None, "r", "no spaces at either end"),
    ("max_order_qty", "instrument", "AAPLX", D(1), None, "r", "unknown instrument 'AAPLX'"),
    ("max_order_qty", "firm", "", D(-1), None, "r", "risk.max_order_qty.firm must be a number from 0"),
    ("max_order_qty", "firm", "", D("1e16"), None, "r", "from 0 to 1,000,000,000,000,000"),
    ("max_order_qty", "firm", "", D("NaN"), None, "r", "must be a number from 0"),
    ("max_order_qty", "firm", "", D("1E-999999999"), None, "r", "at most 8 decimal places"),
    ("max_order_qty", "account", "PM1", D("1" * 40), None, "r", "risk.max_order_qty.account.PM1 must be a number"),
    ("max_order_qty", "firm", "", D(5), "hardest", "r", "mode must be hard, soft or off"),
    ("max_order_qty", "firm", "", D(1000), None, "r", "nothing to change: risk.max_order_qty.firm is already"),
    ("max_order_qty", "firm", "", None, "hard", "r", "nothing to change"),
    ("max_order_qty", "desk", "D1", None, None, "r", "has no value to remove"),
    ("max_order_qty", "firm", "", D(5), None, "  ", "needs a reason"),
    ("max_order_qty", "firm", "", D(5), None, "x" * 201, "needs a reason (1 to 200 characters)"),
])
def test_a_bad_edit_is_refused_naming_what_is_wrong_and_changes_nothing(
        desk: MakeDesk, control: str, scope: str, key: str, value: Decimal | None, mode: str | None, reason: str,
        words: str) -> None:
    d = desk(CONFIG)
    before = d.engine.risk_limits()
    result = d.engine.set_limit(control, scope, key, value, mode=mode, by="trader", reason=reason)
    assert not result.ok and words in result.reason, result.reason
    assert d.engine.risk_limits() == before and d.engine.risk.config == CONFIG
    assert d.journaled(ev.RiskLimitChanged) == [] and d.engine.store.risk.limit_edits == {}
    assert d.journaled(ev.CommandRejected)[-1].reason == result.reason
    assert d.ticket(1000).accepted and not d.ticket(1001).accepted


def test_a_raised_message_storm_limit_still_kills_past_it(desk: MakeDesk) -> None:
    d = desk(limits(message_storm=control(firm=3, window_s=10)))  # its window keeps 5 timestamps per key
    assert d.engine.set_limit("message_storm", "firm", "", D(6), by="trader", reason="busy open").ok
    pid = d.parent(1000)
    for _ in range(6):
        assert d.send(pid, 1, "100.00")
    assert not d.engine.kill_state()[0]
    d.send(pid, 1, "100.00")
    engaged, reason = d.engine.kill_state()
    assert engaged and "7 messages" in reason and "limit 6" in reason


def test_a_limit_is_a_decimal_not_text(desk: MakeDesk) -> None:
    d = desk(CONFIG)
    with pytest.raises(TypeError):
        d.engine.set_limit("max_order_qty", "firm", "", "5", by="trader", reason="r")  # type: ignore[arg-type]
    assert d.engine.set_limit("max_order_qty", "firm", "", 5, by="trader", reason="r").ok  # type: ignore[arg-type]


def test_a_key_and_a_reason_at_their_length_bounds_are_accepted_and_one_past_refused(desk: MakeDesk) -> None:
    d = desk(CONFIG)
    assert d.engine.set_limit("max_order_qty", "account", "A" * MAX_KEY, D(5), by="trader",
                              reason="r" * MAX_REASON).ok
    too_long_key = d.engine.set_limit("max_order_qty", "account", "A" * (MAX_KEY + 1), D(5), by="trader", reason="r")
    assert not too_long_key.ok and f"1 to {MAX_KEY} characters" in too_long_key.reason
    too_long_reason = d.engine.set_limit("max_order_qty", "account", "B", D(5), by="trader",
                                         reason="r" * (MAX_REASON + 1))
    assert not too_long_reason.ok and f"1 to {MAX_REASON} characters" in too_long_reason.reason
    assert [(c.key, len(c.reason)) for c in d.journaled(ev.RiskLimitChanged)] == [("A" * MAX_KEY, MAX_REASON)]


def test_limit_editors_come_from_the_risk_table() -> None:
    assert RiskConfig().may("anyone", "edit_limits")
    config = RiskConfig.from_toml({"limit_editors": ["alice"], "kill_users": ["bob"]})
    assert config.may("alice", "edit_limits") and not config.may("bob", "edit_limits")
    assert config.may("bob", "kill") and not config.may("alice", "unknown action")
    with pytest.raises(RiskConfigError, match=r"risk\.limit_editors must be a list of names"):
        RiskConfig.from_toml({"limit_editors": "alice"})
    with pytest.raises(RiskConfigError, match=r"risk\.max_order_qty\.firm may have at most 8 decimal places"):
        RiskConfig.from_toml({"max_order_qty": {"firm": "1E-999999999"}})


def test_edits_apply_in_order_on_top_of_the_base() -> None:
    base = replace(CONFIG, max_order_qty=control(firm=1000, instrument={"MSFT": 100}))
    edits = {("max_order_qty", "instrument", "AAPL"): D(5), ("max_order_qty", "instrument", "MSFT"): None,
             ("max_order_qty", "mode", ""): "soft", ("max_order_qty", "firm", ""): D(7), ("gone", "firm", ""): D(1)}
    c = apply_edits(base, edits).max_order_qty
    assert (c.mode.value, c.firm, dict(c.instrument), c.hard, c.on) == ("soft", D(7), {"AAPL": D(5)}, False, True)
    assert apply_edits(base, {}) is base


# --- restarts ------------------------------------------------------------------------------------------------


def edit_day(d: Desk) -> None:
    """Three edits (one undone in part): AAPL 500 per order, then the firm's down to 800 and soft child limits."""
    assert d.engine.set_limit("max_order_qty", "instrument", "AAPL", D(500), by="trader", reason="news").ok
    assert d.engine.set_limit("max_order_qty", "firm", "", D(800), by="trader", reason="tighter").ok
    assert d.engine.set_limit("max_child_qty", "firm", "", None, mode="soft", by="trader", reason="warn").ok


def in_force(d: Desk) -> None:
    refused(d, d.ticket(501), "max_order_qty", "501", "500")
    assert d.ticket(500).accepted
    refused(d, d.ticket(801, symbol="MSFT"), "max_order_qty", "801", "800")
    assert d.ticket(800, symbol="MSFT").accepted
    mode, firm, overrides = limit_of(d, "max_order_qty")
    assert (mode, firm, overrides) == ("hard", D(800), (("instrument", "AAPL", D(500)),))
    assert limit_of(d, "max_child_qty")[:2] == ("soft", D(1000))


def reopened(path: Path, config: RiskConfig = CONFIG) -> Desk:
    end = Journal(path).last_ts_ns()
    assert end is not None
    return restarted(path, config, end)[0]


def test_edits_are_in_force_after_a_clean_restart_by_replay_and_from_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "day.db"
    d = Desk(path, CONFIG)
    edit_day(d)
    d.close()
    replayed = reopened(path)
    in_force(replayed)
    assert replayed.engine.checkpoint() > 0  # the edits are before it: the tail does not hold them
    replayed.close()
    restored = Desk(path, CONFIG, start=False)
    assert restored.engine.recover().from_checkpoint
    restored.start()
    in_force(restored)
    restored.close()


def test_the_file_stays_the_base_and_the_edits_apply_on_top(tmp_path: Path) -> None:
    path = tmp_path / "day.db"
    d = Desk(path, CONFIG)
    edit_day(d)
    d.close()
    new_file = replace(CONFIG, max_order_qty=control(firm=2000, instrument={"MSFT": 300}, account={"PM2": 50}))
    e = reopened(path, new_file)
    _, firm, overrides = limit_of(e, "max_order_qty")
    assert firm == D(800)  # edited
    assert overrides == (("instrument", "AAPL", D(500)), ("instrument", "MSFT", D(300)), ("account", "PM2", D(50)))
    e.close()


def edit_then_die(path: Path) -> None:
    """In a child process: the day's edits, then SIGKILL with the engine open."""
    edit_day(Desk(path, CONFIG))
    os.kill(os.getpid(), signal.SIGKILL)


def test_edits_are_in_force_after_a_kill_9_of_a_real_process(tmp_path: Path) -> None:
    end = killed_after("tests.engine.risk.test_limit_edits:edit_then_die", tmp_path / "killed.db")
    d = restarted(tmp_path / "killed.db", CONFIG, end)[0]
    in_force(d)
    d.close()


def edit_then_die_before_commit(path: Path) -> None:
    """In a child process: one edit committed, then a second killed with its rows written and not committed."""
    d = Desk(path, CONFIG)
    assert d.engine.set_limit("max_order_qty", "instrument", "AAPL", Decimal(500), by="trader", reason="news").ok
    failpoints.arm("ledger.before_commit:1")
    d.engine.set_limit("max_order_qty", "firm", "", Decimal(800), by="trader", reason="never committed")


def test_an_edit_killed_before_its_commit_is_not_in_force_and_the_one_before_is(tmp_path: Path) -> None:
    path = tmp_path / "torn.db"
    d = restarted(path, CONFIG, killed_after("tests.engine.risk.test_limit_edits:edit_then_die_before_commit",
                                             path))[0]
    assert limit_of(d, "max_order_qty") == ("hard", D(1000), (("instrument", "AAPL", D(500)),))
    assert [c.reason for c in d.journaled(ev.RiskLimitChanged)] == ["news"]
    refused(d, d.ticket(501), "max_order_qty", "501", "500")
    assert d.ticket(1000, symbol="MSFT").accepted
    d.close()
