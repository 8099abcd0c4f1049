"""A QuickFIX acceptor acting as a venue, run as a subprocess by tests/interop/test_fix_venue_quickfix.py.

Usage: `python qf_venue.py PORT WORK_DIR [COMP_ID [COMMANDS_JSON]]`; session FIX.4.4 COMP_ID (default VENUE)
<- EMS (COMMANDS_JSON: commands run before it accepts connections), file store in WORK_DIR (sequence
numbers and sent messages survive a kill -9, and so does the order book: WORK_DIR/orders.json is rewritten
on every change). What it does with an order depends on its Symbol:

    FILL  accept, then fill everything (LastPx = the limit, 10 for a market order)
    PART  accept, then fill half (rounded down to 100-share lots), the rest rests
    SLOW  accept and rest; a cancel is answered Pending Cancel, a fill of half, then Canceled
    SREJ  a session Reject (373=5 on Symbol);  BREJ  a BusinessMessageReject (380=3) naming only RefSeqNum
    REJ   reject
    other accept and rest

OrderCancelRequest cancels a resting order (else OrderCancelReject 434=1); OrderCancelReplaceRequest
changes quantity/price of a resting order (else 434=2); OrderStatusRequest answers ExecType=I (unknown
order: OrdStatus=8 with OrdRejReason=5). Commands, one JSON object per stdin line:
    {"op": "fill", "child": "C1", "qty": 100}   unsolicited fill of a resting order
    {"op": "cancel", "child": "C1"}              unsolicited cancel
    {"op": "gap", "skip": 3}                     skip sender sequence numbers (a forced gap)
    {"op": "raw", "msg_type": "8", "fields": [[150, "Z"]]}  send a message of these fields only
    {"op": "state"}                              print the order book
Events go to stdout as JSON lines: ready, logon, logout, from_app, state. QuickFIX aborts its process on
any C++ exception, so fields are read from the message text, never with getField.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from decimal import Decimal
from typing import Any

import quickfix as fix

SOH = "\x01"
COMP_ID = sys.argv[3] if len(sys.argv) > 3 else "VENUE"
SESSION = fix.SessionID("FIX.4.4", COMP_ID, "EMS")
LOT = 100


def emit(event: str, **fields: Any) -> None:
    with _print_lock:
        print(json.dumps({"event": event, "t": round(time.monotonic(), 3), **fields}), flush=True)


_print_lock = threading.Lock()


def fields_of(message: fix.Message) -> dict[int, str]:
    out: dict[int, str] = {}
    for field in message.toString().split(SOH):
        tag, sep, value = field.partition("=")
        if sep and tag.isdigit():
            out.setdefault(int(tag), value)
    return out


class Venue(fix.Application):  # type: ignore[misc]
    def __init__(self, work_dir: str) -> None:
        super().__init__()
        self.path = os.path.join(work_dir, "orders.json")
        self.lock = threading.RLock()
        self.orders: dict[str, dict[str, Any]] = {}
        self.next_id = 1
        if os.path.exists(self.path):
            with open(self.path) as handle:
                saved = json.load(handle)
            self.orders, self.next_id = saved["orders"], saved["next_id"]

    # ----- QuickFIX callbacks -------------------------------------------------------------------------

    def onCreate(self, session_id: fix.SessionID) -> None:
        pass

    def onLogon(self, session_id: fix.SessionID) -> None:
        emit("logon")

    def onLogout(self, session_id: fix.SessionID) -> None:
        emit("logout")

    def toAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:
        pass

    def fromAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:
        f = fields_of(message)
        if f.get(35) in ("2", "3", "4"):
            emit("from_admin", msg=f)

    def toApp(self, message: fix.Message, session_id: fix.SessionID) -> None:
        pass

    def fromApp(self, message: fix.Message, session_id: fix.SessionID) -> None:
        f = fields_of(message)
        emit("from_app", msg=f)
        # The rejects QuickFIX itself would send for a bad Symbol (raising its exceptions from Python aborts it)
        if f.get(55) == "SREJ":
            send("3", [(45, f.get(34, "0")), (371, 55), (372, f.get(35, "")), (373, 5), (58, "bad Symbol")])
            return
        if f.get(55) == "BREJ":
            send("j", [(45, f.get(34, "0")), (372, f.get(35, "")), (380, 3), (58, "not here")])
            return
        with self.lock:
            handler = {"D": self.new_order, "F": self.cancel, "G": self.replace, "H": self.status}.get(f.get(35, ""))
            if handler is not None:
                handler(f)
                self.save()

    # ----- order handling -----------------------------------------------------------------------------

    def new_order(self, f: dict[int, str]) -> None:
        child = f[11]
        order: dict[str, Any] = {"child": child, "cl": child, "order_id": f"V{self.next_id}", "symbol": f.get(55, ""),
                 "side": f.get(54, "1"), "qty": int(Decimal(f.get(38, "0"))), "px": f.get(44, "10"),
                 "cum": 0, "status": "0", "execs": 0}
        self.next_id += 1
        if order["symbol"] == "REJ" or child in self.orders:
            order["status"] = "8"
            self.report(order, "8", text="rejected by the QuickFIX venue")
            self.orders.setdefault(child, order)
            return
        self.orders[child] = order
        self.report(order, "0")
        if order["symbol"] == "FILL":
            self.fill(order, order["qty"])
        elif order["symbol"] == "PART":
            self.fill(order, order["qty"] // 2 // LOT * LOT)

    def cancel(self, f: dict[int, str]) -> None:
        order = self.find(f.get(41, ""))
        if order is None or order["status"] not in ("0", "1"):
            self.cancel_reject(f, "1", "too late to cancel" if order else "unknown order")
            return
        if order["symbol"] == "SLOW":  # Pending Cancel, a fill that crosses the cancel, then Canceled
            order["status"] = "6"
            self.report(order, "6", cl=f[11], orig=order["cl"])
            order["status"] = "0"
            self.fill(order, order["qty"] // 2 // LOT * LOT)
        order["status"] = "4"
        self.report(order, "4", cl=f[11], orig=order["cl"], text="canceled on request")
        order["cl"] = f[11]

    def replace(self, f: dict[int, str]) -> None:
        order = self.find(f.get(41, ""))
        qty = int(Decimal(f.get(38, "0")))
        if order is None or order["status"] not in ("0", "1") or qty <= order["cum"]:
            self.cancel_reject(f, "2", "cannot replace")
            return
        orig, order["cl"], order["qty"] = order["cl"], f[11], qty
        order["px"] = f.get(44, order["px"])
        self.report(order, "5", orig=orig)

    def status(self, f: dict[int, str]) -> None:
        order = self.find(f.get(11, ""))
        if order is None:
            unknown = {"child": f.get(11, ""), "cl": f.get(11, ""), "order_id": "NONE", "symbol": f.get(55, ""),
                       "side": f.get(54, "1"), "qty": 0, "px": "0", "cum": 0, "status": "8", "execs": 0}
            self.report(unknown, "I", text="unknown order", extra=[(103, "5")])
            return
        self.report(order, "I", text="status")

    def find(self, cl_ord_id: str) -> dict[str, Any] | None:
        return self.orders.get(cl_ord_id.split(".", 1)[0])

    def fill(self, order: dict[str, Any], qty: int) -> None:
        if qty <= 0 or order["status"] not in ("0", "1"):
            return
        qty = min(qty, order["qty"] - order["cum"])
        order["cum"] += qty
        order["status"] = "2" if order["cum"] == order["qty"] else "1"
        self.report(order, "F", last=(qty, order["px"]))
        order.setdefault("fills", []).append([f"{order['order_id']}-E{order['execs']}", qty, order["px"]])

    def take_back(self, order: dict[str, Any], corrected: tuple[int, str] | None) -> None:
        """Bust the order's last execution (ExecType H), or correct it to `corrected` (ExecType G)."""
        exec_id, qty, px = order["fills"].pop()
        order["cum"] -= qty
        if corrected is None:
            if order["status"] == "1" and order["cum"] == 0:
                order["status"] = "0"
            self.report(order, "H", last=(qty, px), text="trade busted", extra=[(19, exec_id)])
            return
        order["cum"] += corrected[0]
        self.report(order, "G", last=corrected, text="trade corrected", extra=[(19, exec_id)])
        order["fills"].append([f"{order['order_id']}-E{order['execs']}", corrected[0], corrected[1]])

    def report(self, order: dict[str, Any], exec_type: str, *, cl: str | None = None, orig: str | None = None,
               text: str | None = None, last: tuple[int, str] | None = None,
               extra: list[tuple[int, str]] | None = None) -> None:
        order["execs"] += 1
        fields: list[tuple[int, Any]] = [
            (11, cl or order["cl"]), (37, order["order_id"]), (17, f"{order['order_id']}-E{order['execs']}"),
            (150, exec_type), (39, order["status"]), (55, order["symbol"]), (54, order["side"]),
            (38, order["qty"]), (44, order["px"]), (14, order["cum"]),
            (151, 0 if order["status"] in ("2", "4", "8", "C") else order["qty"] - order["cum"]),
            (6, order["px"] if order["cum"] else 0),
        ]
        if orig:
            fields.append((41, orig))
        if last:
            fields += [(32, last[0]), (31, last[1]), (12, "0.30"), (13, "3"), (851, "2")]
        if text:
            fields.append((58, text))
        fields += extra or []
        send("8", fields)

    def cancel_reject(self, f: dict[int, str], response_to: str, text: str) -> None:
        order = self.find(f.get(41, ""))
        send("9", [(11, f.get(11, "")), (41, f.get(41, "")), (37, order["order_id"] if order else "NONE"),
                   (39, order["status"] if order else "8"), (434, response_to), (58, text)])

    def save(self) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump({"orders": self.orders, "next_id": self.next_id}, handle)
        os.replace(tmp, self.path)

    def command(self, cmd: dict[str, Any]) -> None:
        with self.lock:
            op = cmd["op"]
            if op == "fill":
                self.fill(self.orders[cmd["child"]], int(cmd["qty"]))
            elif op == "cancel":
                order = self.orders[cmd["child"]]
                if order["status"] in ("0", "1"):
                    order["status"] = "4"
                    self.report(order, "4", text="canceled by the venue")
            elif op in ("bust", "correct"):
                corrected = (int(cmd["qty"]), str(cmd["px"])) if op == "correct" else None
                self.take_back(self.orders[cmd["child"]], corrected)
            elif op == "gap":
                session = fix.Session.lookupSession(SESSION)
                session.setNextSenderMsgSeqNum(session.getExpectedSenderNum() + int(cmd["skip"]))
            elif op == "raw":
                send(cmd.get("msg_type", "8"), [(int(tag), value) for tag, value in cmd["fields"]])
            elif op == "state":
                session = fix.Session.lookupSession(SESSION)
                emit("state", orders=self.orders, next_sender=session.getExpectedSenderNum(),
                     next_target=session.getExpectedTargetNum())
            self.save()


def send(msg_type: str, fields: list[tuple[int, Any]]) -> None:
    message = fix.Message()
    message.getHeader().setField(fix.MsgType(msg_type))
    for tag, value in fields:
        message.setField(fix.StringField(int(tag), str(value)))
    fix.Session.sendToTarget(message, SESSION)


def settings_text(port: int, work: str) -> str:
    dictionary = os.path.join(sys.prefix, "share", "quickfix", "FIX44.xml")
    dictionary_lines = f"UseDataDictionary=Y\nDataDictionary={dictionary}\n" if os.path.exists(dictionary) else \
        "UseDataDictionary=N\n"
    return (
        "[DEFAULT]\nConnectionType=acceptor\n"
        f"SocketAcceptPort={port}\nSocketReuseAddress=Y\nFileStorePath={work}/store\n"
        "NonStopSession=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
        f"{dictionary_lines}ResetOnLogon=N\nResetOnLogout=N\nResetOnDisconnect=N\nLogonTimeout=5\nLogoutTimeout=1\n"
        f"[SESSION]\nBeginString=FIX.4.4\nSenderCompID={COMP_ID}\nTargetCompID=EMS\n"
    )


def main() -> None:
    port, work = int(sys.argv[1]), sys.argv[2]
    os.makedirs(work, exist_ok=True)
    cfg_path = os.path.join(work, "venue.cfg")
    with open(cfg_path, "w") as handle:
        handle.write(settings_text(port, work))
    settings = fix.SessionSettings(cfg_path)
    app = Venue(work)
    acceptor = fix.SocketAcceptor(app, fix.FileStoreFactory(settings), settings, fix.ScreenLogFactory(False, False,
                                                                                                      False))
    for cmd in json.loads(sys.argv[4]) if len(sys.argv) > 4 else []:  # before anyone can connect
        app.command(cmd)
    acceptor.start()
    emit("ready")
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd["op"] == "quit":
            break
        app.command(cmd)
    # No acceptor.stop(): it polls its sockets for a second; QuickFIX's file store is written on every
    # message, so exiting here loses nothing (and the EMS has logged out already, or sees a drop).
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
