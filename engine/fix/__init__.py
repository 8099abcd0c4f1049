"""FIX 4.4 session layer and acceptor for OMS clients (the application layer lives on top of it).

Public API: `FixAcceptor`, `AcceptorConfig`, `SessionConfig`, `SessionSettings` (QuickFIX-named session
settings), `SessionId`, `FixApplication`, `FixMessage`; `Tag`/`MsgType` name session tags; `FixFramer`,
`encode`/`encode_body` and `MessageValidator` (FIX 4.4 dictionary validation) are reusable. See docs/fix.md.
"""

from engine.fix.acceptor import FixAcceptor, UnknownSession
from engine.fix.codec import FieldValue, MsgType, SessionRejectReason, Tag, encode, encode_body
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId, SessionSettings
from engine.fix.framing import FieldFormatError, FixFramer, FixMessage, FramingError
from engine.fix.protocols import FixApplication
from engine.fix.session import FixSession, SessionState
from engine.fix.validation import MessageValidator, SessionProblem

__all__ = [
    "AcceptorConfig",
    "FieldFormatError",
    "FieldValue",
    "FixAcceptor",
    "FixApplication",
    "FixFramer",
    "FixMessage",
    "FixSession",
    "FramingError",
    "MessageValidator",
    "MsgType",
    "SessionConfig",
    "SessionId",
    "SessionProblem",
    "SessionRejectReason",
    "SessionSettings",
    "SessionState",
    "Tag",
    "UnknownSession",
    "encode",
    "encode_body",
]
