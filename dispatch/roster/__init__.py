"""Roster self-service: the week view, swaps approved by a coordinator, calendar feeds, test pages."""
