"""The `[fix]` section and the gateway the app starts from it, over a real loopback socket."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from engine.clock import VirtualClock
from engine.fix.framing import FixFramer, FixMessage
from engine.fix_app.config import FixConfigError, parse_fix_section, start_oms_gateway
from tests.engine.fix.helpers import frame, logon_fields

SESSIONS = [{"sender_comp_id": "EMS", "target_comp_id": "OMS1", "password": "pw"},
            {"sender_comp_id": "EMS", "target_comp_id": "OMS2"}]
TIMEOUT = 5.0


def section(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"enabled": True, "port": 0, "sessions": SESSIONS}
    values.update(overrides)
    return values


def test_a_full_section_parses():
    config = parse_fix_section(section(host="0.0.0.0", port=9999, default_algo="twap", session_close="15:30",
                                       logon_timeout_s=3))
    acceptor = config.acceptor
    assert (acceptor.host, acceptor.port, acceptor.logon_timeout_s) == ("0.0.0.0", 9999, 3.0)
    assert [(s.target_comp_id, s.password) for s in acceptor.sessions] == [("OMS1", "pw"), ("OMS2", None)]
    assert (config.default_algo, config.session_close_s) == ("TWAP", 15 * 3600 + 30 * 60)


def test_defaults_bind_to_loopback_and_stay_disabled():
    config = parse_fix_section({})
    assert not config.enabled and config.acceptor.host == "127.0.0.1" and config.acceptor.sessions == ()


@pytest.mark.parametrize(("values", "text"), [
    ({"enabled": "yes"}, "fix.enabled must be true or false"),
    ({"sessions": []}, "fix.sessions must list at least one session"),
    ({"sessions": [{"sender_comp_id": "EMS"}]}, "fix.sessions[0]"),
    ({"sessions": [{"sender_comp_id": "EMS", "target_comp_id": "O", "pasword": "x"}]}, "unknown key(s) pasword"),
    ({"sessions": SESSIONS + SESSIONS[:1]}, "configured twice"),
    ({"port": 70000}, "port must be 0..65535"),
    ({"port": "9878"}, "fix.port must be a whole number"),
    ({"synchronous": "FULL"}, "fix.synchronous is no longer used: durability is the journal's"),
    ({"store_path": "/tmp/x.db"}, "fix.store_path is no longer used: the FIX stores live in the journal's"),
    ({"session_close": "4pm"}, "fix.session_close"),
    ({"logon_timeout_s": 0}, "fix.logon_timeout_s must be a positive number"),
    ({"prot": 1}, "unknown key(s) prot"),
    ({"host": ""}, "fix.host must be a host name or address, got ''"),
    ({"host": 127}, "fix.host must be a host name or address, got 127"),
    ({"default_algo": 5}, "fix.default_algo must be an algo name, got 5"),
    ({"sessions": {"sender_comp_id": "EMS"}}, "fix.sessions must be a list of tables ([[fix.sessions]])"),
    ({"sessions": ["EMS->OMS1"]}, "fix.sessions[0] must be a table with sender_comp_id and target_comp_id"),
    ({"sessions": [{"sender_comp_id": "EMS", "target_comp_id": "O", "password": ""}]},
     "fix.sessions[0].password must be a non-empty string"),
    ({"sessions": [{"sender_comp_id": "EMS", "target_comp_id": "O", "password": 1234}]},
     "fix.sessions[0].password must be a non-empty string"),
])
def test_bad_values_are_refused_naming_the_key(values, text):
    with pytest.raises(FixConfigError, match=None) as err:
        parse_fix_section(section(**values))
    assert text in str(err.value)


async def test_a_disabled_gateway_is_not_started(engine):
    assert await start_oms_gateway({"enabled": False}, engine) is None


async def test_the_gateway_answers_orders_over_a_loopback_socket(engine, tmp_path: Path):
    gateway = await start_oms_gateway(section(), engine, session_clock=VirtualClock(0))
    assert gateway is not None and gateway.port > 0 and gateway.acceptor.config.host == "127.0.0.1"
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        framer = FixFramer()
        inbox: list[FixMessage] = []

        async def receive(count: int) -> list[FixMessage]:
            async def fill() -> None:
                while len(inbox) < count:
                    data = await reader.read(65536)
                    assert data, f"closed with {len(inbox)}/{count} messages"
                    inbox.extend(framer.feed(data).messages)
            await asyncio.wait_for(fill(), TIMEOUT)
            out = inbox[:count]
            del inbox[:count]
            return out

        writer.write(frame("A", 1, logon_fields(password="pw")))
        [logon] = await receive(1)
        assert logon.msg_type == "A"
        writer.write(frame("D", 2, [(11, "C1"), (55, "AAPL"), (54, "2"), (60, "19700101-09:30:00"), (38, 300),
                                    (40, "1"), (9100, "TWAP"), (126, "19700101-10:00:00")]))
        pending, new = await receive(2)
        assert [(m.get_str(150), m.get_str(39), m.get_str(11)) for m in (pending, new)] == [
            ("A", "A", "C1"), ("0", "0", "C1")]
        writer.close()
    finally:
        await gateway.stop()
    tables = {row[0] for row in engine.journal.ledger.conn.execute("SELECT name FROM sqlite_master")}
    assert {"journal", "fix_sessions", "fix_outbound", "oms_orders", "oms_cl_ord_ids"} <= tables
    assert not list(tmp_path.rglob("*sessions*.db"))  # one database: the journal's


async def test_a_wrong_password_is_refused(engine, tmp_path: Path):
    gateway = await start_oms_gateway(section(), engine,
                                      session_clock=VirtualClock(0))
    assert gateway is not None
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        writer.write(frame("A", 1, logon_fields(password="guess")))
        data = await asyncio.wait_for(reader.read(65536), TIMEOUT)
        [logout] = FixFramer().feed(data).messages
        assert logout.msg_type == "5"
        assert await asyncio.wait_for(reader.read(65536), TIMEOUT) == b""
        writer.close()
    finally:
        await gateway.stop()
