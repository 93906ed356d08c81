"""Schemathesis against the API's own OpenAPI schema, as each role: zero 5xx, responses match it."""

import itertools

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks
from schemathesis.generation.meta import TestPhase

from dispatch.models import MissionStatus
from tests.support import factories

# What the drill asks: no 5xx, and every answer is one the schema documents.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]

# The same document /api/schema/ serves, generated in-process; requests go to the WSGI app.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()
# The coverage phase walks the edges of every field: thousands of cases for the referral form's
# sixty values, the same for every role. Each such case goes to one role, the roles taking turns.
_coverage_turn = itertools.count()


@pytest.fixture
def role_tokens(db):
    """One token per role, and missions each role relates to differently."""
    # Like Django's test client: keep the test's connection (and its transaction) open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    coordinator = factories.make_coordinator()
    referrer = factories.make_referrer(factories.regional_hospital("SBMS"))
    member = factories.make_team_member()
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)
    factories.assign(mission, member)
    factories.MissionFactory(status=MissionStatus.REQUESTED, referring_hospital=factories.regional_hospital("SBIZ"))
    yield {
        role: Token.objects.create(user=user).key
        for role, user in (("coordinator", coordinator), ("referrer", referrer), ("team_member", member))
    }
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@pytest.mark.timeout(360)  # an operation's coverage cases run back to back; a busy machine needs the room
def test_api_never_answers_5xx_and_matches_its_schema(case, role_tokens):
    tokens = list(role_tokens.values())
    if case.meta is not None and case.meta.phase.name == TestPhase.COVERAGE:
        tokens = [tokens[next(_coverage_turn) % len(tokens)]]
    for token in tokens:
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
