"""The FIX 4.4 application layer for OMS clients: orders in as engine tickets, ExecutionReports out.

Public API: `start_oms_gateway` (what the app calls) returning an `OmsGateway`; `parse_fix_section`
for the `[fix]` config table; `OmsApplication` (the `FixApplication` on top of `engine.fix`).
"""

from engine.fix_app.config import FixConfigError, GatewayConfig, OmsGateway, parse_fix_section, start_oms_gateway
from engine.fix_app.oms import OmsApplication
from engine.fix_app.orders import OmsOrder, OmsOrderStore
from engine.fix_app.outbox import OmsWire

__all__ = [
    "FixConfigError",
    "GatewayConfig",
    "OmsApplication",
    "OmsGateway",
    "OmsOrder",
    "OmsOrderStore",
    "OmsWire",
    "parse_fix_section",
    "start_oms_gateway",
]
