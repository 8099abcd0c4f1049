"""FIX 4.4 session layer: the acceptor for OMS clients and the initiator for venues (applications on top).

Public API: `FixAcceptor`, `FixInitiator` / `InitiatorConfig` (we connect: engine/venues/fix_venue.py),
`AcceptorConfig`, `SessionConfig`, `SessionSettings` (QuickFIX-named session settings), `SessionId`,
`FixApplication`, `FixMessage`; `Tag`/`MsgType` name session tags; `FixFramer`, `encode`/`encode_body`
and `MessageValidator` (FIX 4.4 dictionary validation) are reusable. See docs/fix.md.
"""

from engine.fix.acceptor import FixAcceptor, UnknownSession
from engine.fix.codec import FieldValue, MsgType, SessionRejectReason, Tag, encode, encode_body
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId, SessionSettings
from engine.fix.framing import FieldFormatError, FixFramer, FixMessage, FramingError
from engine.fix.initiator import FixInitiator, InitiatorConfig
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
    "FixInitiator",
    "FixMessage",
    "FixSession",
    "FramingError",
    "InitiatorConfig",
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
