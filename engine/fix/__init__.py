"""FIX 4.4 session layer and acceptor for OMS clients (the application layer lives on top of it).

Public API: `FixAcceptor`, `AcceptorConfig`, `SessionConfig`, `SessionId`, `FixApplication`,
`FixMessage`; `Tag`/`MsgType` name session tags; `FixFramer` and `encode`/`encode_body` are reusable.
"""

from engine.fix.acceptor import FixAcceptor, UnknownSession
from engine.fix.codec import FieldValue, MsgType, SessionRejectReason, Tag, encode, encode_body
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId
from engine.fix.framing import FieldFormatError, FixFramer, FixMessage, FramingError
from engine.fix.protocols import FixApplication
from engine.fix.session import FixSession, SessionState

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
    "MsgType",
    "SessionConfig",
    "SessionId",
    "SessionRejectReason",
    "SessionState",
    "Tag",
    "UnknownSession",
    "encode",
    "encode_body",
]
