"""Recorded market data: LOBSTER message + order book files (discovery, loading, tape statistics)."""
