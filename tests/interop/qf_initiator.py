"""A scripted QuickFIX initiator acting as an OMS, run as a subprocess by the interop tests.

Reads one JSON object on stdin:
    {"port": 5001, "sender": "OMS1", "target": "EMS", "password": "pw" | null, "heartbeat": 1,
     "work_dir": "/tmp/x", "reset_on_logon": false, "next_sender_seq": null, "next_target_seq": null,
     "steps": [{"op": "wait_logon", "timeout": 5},
               {"op": "send", "msg_type": "D", "fields": [[11, "C1"], [55, "AAPL"]]},
               {"op": "wait", "msg_type": "8", "count": 1, "timeout": 5},  # admin or app type
               {"op": "wait_match", "match": {"35": "8", "11": "C1", "39": ["2", "4"]}, "count": 1,
                "timeout": 5},  # messages whose fields match (a list: any of these values)
               {"op": "sleep", "seconds": 1.5},
               {"op": "logout", "text": "bye", "timeout": 5},
               {"op": "wait_logout", "timeout": 5}]}
and prints one JSON line per event on stdout: {"event": "logon"|"logout"|"from_admin"|"from_app"|
"to_admin"|"to_app"|"timeout"|"seq"|"done", ...}; messages as {"msg": [[tag, "value"], ...]}.

QuickFIX aborts the whole process on any C++ exception, so this never calls getField: messages are
read from their wire text. The work_dir keeps QuickFIX's file store, so sequence numbers persist
between runs that use the same directory.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

import quickfix as fix

SOH = "\x01"


def emit(event: str, **fields: Any) -> None:
    with _print_lock:
        print(json.dumps({"event": event, "t": round(time.monotonic(), 3), **fields}), flush=True)


_print_lock = threading.Lock()


def pairs(message: fix.Message) -> list[list[Any]]:
    out: list[list[Any]] = []
    for field in message.toString().split(SOH):
        tag, sep, value = field.partition("=")
        if sep and tag.isdigit():
            out.append([int(tag), value])
    return out


def msg_type(message: fix.Message) -> str:
    for tag, value in pairs(message):
        if tag == 35:
            return str(value)
    return ""


class Oms(fix.Application):  # type: ignore[misc]
    def __init__(self, password: str | None) -> None:
        super().__init__()
        self.password = password
        self.cond = threading.Condition()
        self.logged_on = False
        self.logouts = 0
        self.received: list[str] = []
        self.fields: list[dict[int, str]] = []

    def onCreate(self, session_id: fix.SessionID) -> None:
        emit("create", session=session_id.toString())

    def onLogon(self, session_id: fix.SessionID) -> None:
        emit("logon")
        with self.cond:
            self.logged_on = True
            self.cond.notify_all()

    def onLogout(self, session_id: fix.SessionID) -> None:
        emit("logout")
        with self.cond:
            self.logged_on = False
            self.logouts += 1
            self.cond.notify_all()

    def toAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:
        if self.password is not None and msg_type(message) == "A":
            message.setField(fix.StringField(554, self.password))
        emit("to_admin", msg=pairs(message))

    def fromAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:
        emit("from_admin", msg=pairs(message))
        self._record(message)

    def toApp(self, message: fix.Message, session_id: fix.SessionID) -> None:
        emit("to_app", msg=pairs(message))

    def fromApp(self, message: fix.Message, session_id: fix.SessionID) -> None:
        emit("from_app", msg=pairs(message))
        self._record(message)

    def _record(self, message: fix.Message) -> None:
        fields: dict[int, str] = {}
        for tag, value in pairs(message):
            fields.setdefault(int(tag), str(value))
        with self.cond:
            self.received.append(fields.get(35, ""))
            self.fields.append(fields)
            self.cond.notify_all()

    def matching(self, match: dict[str, Any]) -> int:
        wanted = {int(tag): value if isinstance(value, list) else [value] for tag, value in match.items()}
        return sum(all(f.get(tag) in values for tag, values in wanted.items()) for f in self.fields)

    def wait(self, predicate: Any, timeout: float) -> bool:
        with self.cond:
            return bool(self.cond.wait_for(predicate, timeout))


def settings_text(spec: dict[str, Any]) -> str:
    work = spec["work_dir"]
    dictionary = os.path.join(sys.prefix, "share", "quickfix", "FIX44.xml")
    if os.path.exists(dictionary):
        dictionary_lines = f"UseDataDictionary=Y\nDataDictionary={dictionary}\n"
    else:
        emit("no_data_dictionary")
        dictionary_lines = "UseDataDictionary=N\n"
    reset = "Y" if spec.get("reset_on_logon") else "N"
    return (
        "[DEFAULT]\nConnectionType=initiator\nReconnectInterval=60\n"
        f"FileStorePath={work}/store\nFileLogPath={work}/log\nNonStopSession=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
        f"HeartBtInt={spec.get('heartbeat', 30)}\nSocketConnectHost={spec.get('host', '127.0.0.1')}\n"
        f"SocketConnectPort={spec['port']}\n{dictionary_lines}"
        f"ResetOnLogon={reset}\nResetOnLogout=N\nResetOnDisconnect=N\nLogonTimeout=5\nLogoutTimeout=2\n"
        "[SESSION]\nBeginString=FIX.4.4\n"
        f"SenderCompID={spec['sender']}\nTargetCompID={spec.get('target', 'EMS')}\n"
    )


def build(msg_type_value: str, fields: list[list[Any]]) -> fix.Message:
    message = fix.Message()
    message.getHeader().setField(fix.MsgType(msg_type_value))
    for tag, value in fields:
        message.setField(fix.StringField(int(tag), str(value)))
    return message


def run(spec: dict[str, Any]) -> None:
    os.makedirs(spec["work_dir"], exist_ok=True)
    cfg_path = os.path.join(spec["work_dir"], "initiator.cfg")
    with open(cfg_path, "w") as handle:
        handle.write(settings_text(spec))
    settings = fix.SessionSettings(cfg_path)
    app = Oms(spec.get("password"))
    initiator = fix.SocketInitiator(app, fix.FileStoreFactory(settings), settings, fix.FileLogFactory(settings))
    session_id = fix.SessionID("FIX.4.4", spec["sender"], spec.get("target", "EMS"))
    session = fix.Session.lookupSession(session_id)
    if spec.get("next_sender_seq"):
        session.setNextSenderMsgSeqNum(int(spec["next_sender_seq"]))
    if spec.get("next_target_seq"):
        session.setNextTargetMsgSeqNum(int(spec["next_target_seq"]))
    initiator.start()
    try:
        for step in spec.get("steps", []):
            op = step["op"]
            timeout = float(step.get("timeout", 5))
            if op == "wait_logon":
                if not app.wait(lambda: app.logged_on, timeout):
                    emit("timeout", op=op)
            elif op == "send":
                fix.Session.sendToTarget(build(step["msg_type"], step.get("fields", [])), session_id)
            elif op == "wait":
                want, count = step["msg_type"], int(step.get("count", 1))
                if not app.wait(lambda w=want, c=count: app.received.count(w) >= c, timeout):
                    emit("timeout", op=op, msg_type=want)
            elif op == "wait_match":
                match, count = step["match"], int(step.get("count", 1))
                if not app.wait(lambda m=match, c=count: app.matching(m) >= c, timeout):
                    emit("timeout", op=op, match=match)
            elif op == "sleep":
                time.sleep(float(step["seconds"]))
            elif op == "logout":
                before = app.logouts
                session.logout(step.get("text", ""))
                if not app.wait(lambda b=before: app.logouts > b, timeout):
                    emit("timeout", op=op)
            elif op == "wait_logout":
                if not app.wait(lambda: app.logouts > 0, timeout):
                    emit("timeout", op=op)
            else:
                emit("error", text=f"unknown op {op}")
    finally:
        emit("seq", next_sender=session.getExpectedSenderNum(), next_target=session.getExpectedTargetNum())
        if app.logged_on:
            initiator.stop()  # logs out, waits for the answer
    emit("done")
    # Already logged out: skip stop()'s one-second socket poll. QuickFIX's file store flushes on every
    # write, so the sequence numbers are on disk.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    run(json.loads(sys.stdin.read()))
