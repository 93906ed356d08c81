"""Activation drills: the real team paged through the real escalation, never counted as a mission."""
