"""Decision support for ECMO referrals: pure Python, no Django, so it is easy to test and reuse.

Scores and criteria support the decision; they never make it.
"""

from .criteria import assess, contraindications, eolia_criteria, fields_for_support, missing_for_decision
from .inputs import ClinicalInputs, highest_pao2_mmhg, kpa_to_mmhg, normalise_fio2
from .scores import ScoreResult, murray, preserve, resp, save

__all__ = [
    "ClinicalInputs",
    "ScoreResult",
    "assess",
    "contraindications",
    "eolia_criteria",
    "fields_for_support",
    "highest_pao2_mmhg",
    "kpa_to_mmhg",
    "missing_for_decision",
    "murray",
    "normalise_fio2",
    "preserve",
    "resp",
    "save",
]
