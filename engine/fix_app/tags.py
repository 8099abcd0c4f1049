"""FIX 4.4 application tags and values the OMS gateway reads and writes, plus our custom tags.

Custom tags (user-defined range 5000-9999), all optional on a NewOrderSingle:

- 9100 `AlgoName`     the algo by name (VWAP, TWAP, POV, IS); wins over TargetStrategy (847).
- 9101 `Urgency`      LOW, MEDIUM (default) or HIGH.
- 9102 `AllowCross`   Y (default) or N: N keeps the ticket out of internal crossing.

Standard tags used for the mandate: TargetStrategy (847: 1 VWAP, 2 POV, and our 1000 TWAP, 1001 IS),
TargetStrategyParameters (848: `key=value;key=value`), EffectiveTime (168: start) and ExpireTime
(126: end), both UTC timestamps read in the engine's market time.
"""

from __future__ import annotations

from typing import Final


class AppTag:
    ACCOUNT: Final = 1
    AVG_PX: Final = 6
    BEGIN_STRING: Final = 8
    CL_ORD_ID: Final = 11
    HANDL_INST: Final = 21
    CUM_QTY: Final = 14
    EXEC_ID: Final = 17
    LAST_PX: Final = 31
    LAST_QTY: Final = 32
    MSG_SEQ_NUM: Final = 34
    MSG_TYPE: Final = 35
    ORDER_ID: Final = 37
    ORDER_QTY: Final = 38
    ORD_STATUS: Final = 39
    ORD_TYPE: Final = 40
    ORIG_CL_ORD_ID: Final = 41
    POSS_DUP_FLAG: Final = 43
    PRICE: Final = 44
    REF_SEQ_NUM: Final = 45
    SIDE: Final = 54
    SYMBOL: Final = 55
    TEXT: Final = 58
    TIME_IN_FORCE: Final = 59
    TRANSACT_TIME: Final = 60
    ORD_REJ_REASON: Final = 103
    CXL_REJ_REASON: Final = 102
    EXPIRE_TIME: Final = 126
    EXEC_TYPE: Final = 150
    LEAVES_QTY: Final = 151
    EFFECTIVE_TIME: Final = 168
    REF_MSG_TYPE: Final = 372
    EXEC_RESTATEMENT_REASON: Final = 378
    BUSINESS_REJECT_REF_ID: Final = 379
    BUSINESS_REJECT_REASON: Final = 380
    CXL_REJ_RESPONSE_TO: Final = 434
    TARGET_STRATEGY: Final = 847
    TARGET_STRATEGY_PARAMETERS: Final = 848
    # ours
    ALGO_NAME: Final = 9100
    URGENCY: Final = 9101
    ALLOW_CROSS: Final = 9102


class AppMsgType:
    EXECUTION_REPORT: Final = "8"
    ORDER_CANCEL_REJECT: Final = "9"
    NEW_ORDER_SINGLE: Final = "D"
    ORDER_CANCEL_REQUEST: Final = "F"
    ORDER_CANCEL_REPLACE_REQUEST: Final = "G"
    BUSINESS_MESSAGE_REJECT: Final = "j"


class ExecType:
    """ExecType (150), FIX 4.4."""

    NEW: Final = "0"
    CANCELED: Final = "4"
    REPLACED: Final = "5"
    PENDING_CANCEL: Final = "6"
    REJECTED: Final = "8"
    PENDING_NEW: Final = "A"
    CALCULATED: Final = "B"
    EXPIRED: Final = "C"
    RESTATED: Final = "D"
    PENDING_REPLACE: Final = "E"
    TRADE: Final = "F"
    ORDER_STATUS: Final = "I"


class OrdRejReason:
    """OrdRejReason (103)."""

    UNKNOWN_SYMBOL: Final = 1
    DUPLICATE_ORDER: Final = 6
    INCORRECT_QUANTITY: Final = 13
    OTHER: Final = 99


class CxlRejReason:
    """CxlRejReason (102)."""

    TOO_LATE: Final = 0
    UNKNOWN_ORDER: Final = 1
    DUPLICATE_CL_ORD_ID: Final = 6
    OTHER: Final = 99


class CxlRejResponseTo:
    """CxlRejResponseTo (434)."""

    CANCEL: Final = "1"
    REPLACE: Final = "2"


class BusinessRejectReason:
    """BusinessRejectReason (380)."""

    OTHER: Final = 0
    UNSUPPORTED_MESSAGE_TYPE: Final = 3
    APPLICATION_NOT_AVAILABLE: Final = 4


RESTATED_BY_BROKER: Final = 4  # ExecRestatementReason (378) "broker option": the desk changed the order

# TargetStrategy (847): FIX 4.4 values 1 and 2, and our own in the user-defined range (>= 1000).
TARGET_STRATEGIES: Final = {1: "VWAP", 2: "POV", 1000: "TWAP", 1001: "IS"}

# Side (54) values FIX 4.4 defines; only buy and sell are traded here.
FIX_SIDES: Final = frozenset("123456789ABCDEFG")

# HandlInst (21): 1 automated private, 2 automated public, 3 manual; every one is worked by an algo here.
HANDL_INSTS: Final = frozenset("123")
