"""Mission words that read in a sentence."""

import pytest
from django.utils import translation

from dispatch.models import Mission, Sex


@pytest.mark.parametrize(
    ("sex", "word"), [(Sex.FEMALE, "ženska"), (Sex.MALE, "moški"), (Sex.UNKNOWN, "spol neznan")]
)
def test_the_patient_line_names_a_person_not_the_forms_adjective(sex, word):
    with translation.override("sl"):
        assert Mission(patient_sex=sex).patient_sex_word() == word
