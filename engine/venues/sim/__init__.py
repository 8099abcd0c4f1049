"""The embedded simulated market: lit price-time-priority venues with background flow, a dark
midpoint pool, and `build_sim_market` to put them together."""
