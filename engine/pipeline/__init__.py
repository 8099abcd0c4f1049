"""The child-order path, one stage per module: algo intent -> router -> pre-trade risk -> venue gateway.

`ChildPipeline.send(intent)` is where a child is born: `intent.py` says what the algo wants and why,
`routing.py` decides where (engine/router.py's pure functions), `engine/risk/` may block it, and
`venue_gateway.py` journals it and hands it to the venue once the turn has committed.
"""
