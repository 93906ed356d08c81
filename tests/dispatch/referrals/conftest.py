import pytest

from dispatch.referrals import hooks
from dispatch.services import missions


@pytest.fixture
def decision_hook(monkeypatch):
    """The referral hook on the state machine, whether or not the lead has wired it into missions.py yet.

    The hook is idempotent (one DecisionSms per decision event), so running it twice is harmless.
    """
    original = missions._after_transition

    def after_transition(*, mission, event):
        original(mission=mission, event=event)
        hooks.on_transition(mission=mission, event=event)

    monkeypatch.setattr(missions, "_after_transition", after_transition)


@pytest.fixture
def send_now(monkeypatch):
    """Run the send task in-process instead of through the broker (no worker in these tests)."""
    from dispatch.referrals import notify

    monkeypatch.setattr(notify, "enqueue_send", lambda sms_id: notify.send_decision_sms(decision_sms_id=sms_id))


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
