"""FIX 4.4 session layer: the acceptor for OMS clients and the initiator for venues (applications on top).

Public API: `FixAcceptor`, `FixInitiator` / `InitiatorConfig` (we connect: engine/venues/fix_venue.py),
`AcceptorConfig`, `SessionConfig`, `SessionSettings` (QuickFIX-named session settings), `SessionId`,
`FixApplication`, `FixMessage`; `Tag`/`MsgType` name session tags; `FixFramer`, `encode`/`encode_body`
and `MessageValidator` (FIX 4.4 dictionary validation) are reusable. See docs/fix.md.
"""

from pathlib import Path

from engine.native import select_implementation

IMPLEMENTATION = select_implementation(__name__, Path(__file__).parent)
"""The framer, codec and validator: compiled by mypyc or their Python source (see `engine.native`)."""

from engine.fix.acceptor import FixAcceptor, UnknownSession  # noqa: E402 (after the choice above)
from engine.fix.codec import FieldValue, MsgType, SessionRejectReason, Tag, encode, encode_body  # noqa: E402
from engine.fix.config import AcceptorConfig, SessionConfig, SessionId, SessionSettings  # noqa: E402
from engine.fix.framing import FieldFormatError, FixFramer, FixMessage, FramingError  # noqa: E402
from engine.fix.initiator import FixInitiator, InitiatorConfig  # noqa: E402
from engine.fix.protocols import FixApplication  # noqa: E402
from engine.fix.session import FixSession, SessionState  # noqa: E402
from engine.fix.validation import MessageValidator, SessionProblem  # noqa: E402

__all__ = [
    "IMPLEMENTATION",
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
