"""Interval metrics, the quality page and its charts, and the list of closed missions."""
