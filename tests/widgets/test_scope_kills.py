"""Kills of one scope from where the trader looks: "Kill SYMBOL" on the market panel (instrument) and
"Kill account ACC" in the parent blotter's menu. Both confirm, then ask why; nothing goes without both."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.widgets.fakes import Parent
from widgets.blotters import ParentBlotter
from widgets.book_ladder import BookLadder
from widgets.kill_switch import MAX_REASON_CHARS
from widgets.market_panel import MarketPanel
from widgets.scope_kill import ScopeKillPrompt


class Script:
    """Answers the confirmation and the reason prompt from a script; records what was asked and told."""

    def __init__(self, confirm: bool, reason: str | None) -> None:
        self.answer, self.reason = confirm, reason
        self.asked: list[str] = []
        self.told: list[str] = []

    def prompt(self) -> ScopeKillPrompt:
        return ScopeKillPrompt(self.confirm, self.ask_reason, self.tell)

    def confirm(self, parent: QWidget, title: str, question: str) -> bool:
        self.asked.append(f"confirm {title}")
        return self.answer

    def ask_reason(self, parent: QWidget, title: str, prompt: str) -> str | None:
        self.asked.append(f"reason {title}")
        return self.reason

    def tell(self, parent: QWidget, title: str, message: str) -> None:
        self.told.append(message)


def market(qtbot: QtBot, script: Script) -> MarketPanel:
    panel = MarketPanel(BookLadder(["AAPL", "MSFT"]))
    qtbot.addWidget(panel)
    panel.set_symbol("MSFT")
    panel.kill_prompt = script.prompt()
    return panel


def test_kill_symbol_names_the_shown_symbol_and_sends_it_with_the_reason(qtbot: QtBot) -> None:
    script = Script(True, " bad prints on MSFT ")
    panel = market(qtbot, script)
    assert panel.kill_button.text() == "Kill MSFT"
    with qtbot.waitSignal(panel.kill_requested, timeout=1_000) as blocker:
        panel.kill_button.click()
    assert blocker.args == ["MSFT", "bad prints on MSFT"]
    assert script.asked == ["confirm Kill MSFT", "reason Kill MSFT"] and script.told == []


def test_kill_symbol_declined_or_canceled_sends_nothing(qtbot: QtBot) -> None:
    for script, asked in ((Script(False, "x"), ["confirm Kill MSFT"]),
                          (Script(True, None), ["confirm Kill MSFT", "reason Kill MSFT"])):
        panel = market(qtbot, script)
        with qtbot.assertNotEmitted(panel.kill_requested):
            panel.kill_button.click()
        assert script.asked == asked and script.told == []


def test_kill_symbol_without_a_reason_is_refused_with_a_message(qtbot: QtBot) -> None:
    too_long = "r" * (MAX_REASON_CHARS + 1)
    for reason, said in (("  ", "Kill MSFT needs a reason"), (too_long, f"at most {MAX_REASON_CHARS}")):
        script = Script(True, reason)
        panel = market(qtbot, script)
        with qtbot.assertNotEmitted(panel.kill_requested):
            panel.kill_button.click()
        assert len(script.told) == 1 and said in script.told[0] and "nothing was sent" in script.told[0]


def parents(qtbot: QtBot, accounts: dict[str, list[str]], script: Script) -> ParentBlotter:
    blotter = ParentBlotter()
    qtbot.addWidget(blotter)
    blotter.set_parent_accounts(lambda parent_id: accounts.get(parent_id, []))
    blotter.upsert_many([Parent("P-1", symbol="AAPL"), Parent("P-2", symbol="MSFT")])
    blotter.flush()
    blotter.kill_prompt = script.prompt()
    return blotter


def menu_texts(blotter: ParentBlotter, row: int) -> list[str]:
    return [a.text() for a in blotter.actions_menu(row).actions() if not a.isSeparator()]


def test_parent_menu_offers_kill_account_for_each_known_account_only(qtbot: QtBot) -> None:
    blotter = parents(qtbot, {"P-1": ["FUND-B", "FUND-A"]}, Script(True, "x"))
    row_of = {blotter.model.row_at(r).parent_id: r for r in range(2)}
    assert [t for t in menu_texts(blotter, row_of["P-1"]) if t.startswith("Kill account")] == [
        "Kill account FUND-A…", "Kill account FUND-B…"]
    assert not [t for t in menu_texts(blotter, row_of["P-2"]) if t.startswith("Kill account")]  # account unknown


def test_kill_account_confirms_asks_why_and_sends_account_and_reason(qtbot: QtBot) -> None:
    script = Script(True, "client called: stop FUND-A")
    blotter = parents(qtbot, {"P-1": ["FUND-A"], "P-2": ["FUND-A"]}, script)
    action = next(a for a in blotter.actions_menu(0).actions() if a.text() == "Kill account FUND-A…")
    with qtbot.waitSignal(blotter.account_kill_requested, timeout=1_000) as blocker:
        action.trigger()
    assert blocker.args == ["FUND-A", "client called: stop FUND-A"]
    assert script.asked == ["confirm Kill account FUND-A", "reason Kill account FUND-A"]
    refused = Script(True, "")
    blotter.kill_prompt = refused.prompt()
    with qtbot.assertNotEmitted(blotter.account_kill_requested):
        blotter.request_account_kill("FUND-A")
    assert refused.told == ["Kill account FUND-A needs a reason: nothing was sent"]
