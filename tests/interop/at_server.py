"""Our session layer (engine/fix) playing QuickFIX's acceptance-test server, for ../shared/fix_at/run_at.py.

Configured as QuickFIX's test server is for its fix44 server scripts (see that runner's README): one
session, we are ISLD and the initiator TW44, FIX.4.4, ResetOnLogon, dictionary validation with
user-defined tags checked, CheckLatency with MaxLatency 120 s, LogonTimeout 10 s, LogoutTimeout 2 s.
The application does what QuickFIX's `at_application.h` does: it echoes NewOrderSingle (D),
SecurityDefinition (d) and Email (C) back (body fields in ascending tag order, groups kept whole), drops
a D with PossResend=Y whose ClOrdID it saw since logon, and answers every other application message with
BusinessMessageReject 380=3 "Unsupported Message Type".

Run: `python tests/interop/at_server.py --port N [--store DIR] [-v]`; it stops on SIGTERM or SIGINT.
Used only by tests/interop/test_fix_at.py and bench/fix_at.py, as a subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from engine.clock import RealClock  # noqa: E402
from engine.fix.acceptor import FixAcceptor  # noqa: E402
from engine.fix.codec import FieldValue  # noqa: E402
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId, SessionSettings  # noqa: E402
from engine.fix.dictionary import fix44  # noqa: E402
from engine.fix.framing import FixMessage  # noqa: E402
from engine.fix.validation import Node, split_sections  # noqa: E402

ECHOED = frozenset({"D", "d", "C"})
# What the session writes itself on every message; the rest of an inbound header is echoed as it came.
_OWN_HEADER = frozenset({8, 9, 35, 34, 43, 49, 52, 56, 122})
UNSUPPORTED_MESSAGE_TYPE = 3


def at_config(port: int) -> AcceptorConfig:
    settings = SessionSettings(reset_on_logon=True, validate_user_defined_fields=True, check_latency=True,
                               max_latency_s=120)
    return AcceptorConfig(sessions=(SessionConfig("ISLD", "TW44"),), host="127.0.0.1", port=port,
                          logon_timeout_s=10.0, logout_timeout_s=2.0, settings=settings)


def _flatten(nodes: list[Node]) -> list[tuple[int, FieldValue]]:
    out: list[tuple[int, FieldValue]] = []
    for tag, value, instances in nodes:
        out.append((tag, value))
        for instance in instances or ():
            out.extend(_flatten(instance))
    return out


class AtApplication:
    """QuickFIX's acceptance-test application on top of `FixAcceptor`."""

    def __init__(self) -> None:
        self.acceptor: FixAcceptor | None = None
        self._seen: dict[SessionId, set[bytes]] = {}

    def on_logon(self, session_id: SessionId) -> None:
        self._seen.setdefault(session_id, set())

    def on_logout(self, session_id: SessionId) -> None:
        self._seen.pop(session_id, None)

    def on_message(self, session_id: SessionId, message: FixMessage) -> None:
        assert self.acceptor is not None
        msg_type = message.msg_type
        if msg_type == "D":
            cl_ord_id = message.get(11) or b""
            seen = self._seen.setdefault(session_id, set())
            if message.get(97) == b"Y" and cl_ord_id in seen:
                return
            seen.add(cl_ord_id)
        if msg_type in ECHOED:
            sections = split_sections(message, fix44())
            header = [(tag, value) for tag, value, _ in sections.header if tag not in _OWN_HEADER]
            body = sorted(sections.body, key=lambda node: node[0])
            self.acceptor.send(session_id, msg_type, _flatten(body), header=header)
            return
        reject: list[tuple[int, FieldValue]] = [
            (45, message.get(34) or b""), (58, "Unsupported Message Type"), (372, msg_type),
            (380, UNSUPPORTED_MESSAGE_TYPE),
        ]
        self.acceptor.send(session_id, "j", reject)


async def serve(port: int, store_dir: Path) -> None:
    loop = asyncio.get_running_loop()
    application = AtApplication()
    acceptor = FixAcceptor(at_config(port), store_dir / "at.db", RealClock(loop), application,
                           wall_time_ns=time.time_ns)
    application.acceptor = acceptor
    await acceptor.start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"at_server: FIX.4.4 ISLD<-TW44 on 127.0.0.1:{acceptor.port}", flush=True)
    await stop.wait()
    await acceptor.stop(timeout_s=1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", type=Path, default=None, help="directory for the session store (default: temp)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log the session layer's warnings")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.store is not None:
        args.store.mkdir(parents=True, exist_ok=True)
        asyncio.run(serve(args.port, args.store))
    else:
        with tempfile.TemporaryDirectory(prefix="fix_at_") as scratch:
            asyncio.run(serve(args.port, Path(scratch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
