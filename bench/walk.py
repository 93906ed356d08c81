"""The team's walk from departure to arrival, as the benchmarks replay it, with what each step must carry."""

from __future__ import annotations

WALK = ["en_route_out", "on_site", "cannulating", "on_ecmo", "en_route_back", "arrived"]

# Departures name the vehicle; flow names the ECMO configuration (docs/states.md).
FACTS = {
    "en_route_out": {"transport_mode": "road"},
    "on_ecmo": {"support_mode": "va"},
    "en_route_back": {"transport_mode": "road"},
}


def transition_body(to: str) -> dict[str, str]:
    return {"to": to, **FACTS.get(to, {})}
