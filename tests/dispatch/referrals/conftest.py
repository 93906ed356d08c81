import pytest
from celery import current_app

from dispatch import scheduling
from tests.dispatch.notifications.conftest import fake_twilio, twilio  # noqa: F401 — the decision SMS tests


@pytest.fixture
def send_now(monkeypatch):
    """Run enqueued tasks in-process at once instead of through the broker (no worker in these tests)."""
    monkeypatch.setattr(scheduling, "enqueue", lambda name, args, **_options: current_app.tasks[name].run(*args))


VV_REFERRAL = {
    "support": "vv",
    "patient_age": 45,
    "patient_sex": "male",
    "patient_weight_kg": "80.0",
    "referring_physician": "Dr. Novak",
    "callback_phone": "+38641555111",
    "note": "Influenza A, worsening despite prone.",
    "height_cm": 180,
    "vv_cause": "viral_pneumonia",
    "gas_unit": "mmHg",
    "pao2": 54,
    "fio2": 0.6,
    "peep_cmh2o": 14,
    "compliance_ml_cmh2o": 25,
    "cxr_quadrants": 4,
}


@pytest.fixture
def vv_referral():
    return dict(VV_REFERRAL)
