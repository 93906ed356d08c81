"""Reference hospitals shipped with the service (see hospitals/data/README.md for sources)."""

import json
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "hospitals.json"


def load_reference_hospitals(hospital_model) -> int:
    """Create or update the shipped hospitals by code; takes the model so migrations can use it."""
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for row in rows:
        row = dict(row)
        code = row.pop("code")
        hospital_model.objects.update_or_create(code=code, defaults=row)
    return len(rows)
