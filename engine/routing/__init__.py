"""Smart order routing: pure decisions (policies, venue ranking, the Cont–Kukanov split) and the stateful
trackers beside them (venue scorecard, queue outflows, sweep chains, parallel groups).

`SmartRouter` (router.py) is what the child pipeline calls; every decision comes back as the
`engine.router.RouteDecision` record the pipeline journals with the children. See docs/routing.md.
"""

from pathlib import Path

from engine.native import select_implementation

IMPLEMENTATION = select_implementation(__name__, Path(__file__).parent)
"""The Cont-Kukanov solver: compiled by mypyc or its Python source (see `engine.native`)."""
