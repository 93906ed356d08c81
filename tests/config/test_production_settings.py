"""Production settings come from the environment; `check --deploy` is clean under the documented set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[2]

# The production environment the README documents (besides DATABASE_URL, REDIS_URL, Twilio).
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "ecmo.example.org",
    "HTTPS": "true",
    "TRUST_X_FORWARDED_PROTO": "true",
}


def _check_deploy(extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "HTTPS", "ALLOWED_HOSTS"}}
    return subprocess.run(
        # Every check, the schema's enum naming included: clean means no warning at all.
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env | extra, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_under_the_documented_production_environment():
    result = _check_deploy(PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_without_https_names_the_missing_protections():
    result = _check_deploy({k: v for k, v in PRODUCTION.items() if k != "HTTPS"})

    assert result.returncode != 0
    for warning in ("W004", "W008", "W012", "W016"):
        assert warning in result.stdout + result.stderr


@pytest.mark.django_db
def test_the_api_schema_is_for_logged_in_users_only():
    assert APIClient().get("/api/schema/").status_code == 401


@pytest.mark.django_db
def test_the_api_docs_send_an_anonymous_browser_to_log_in():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get("/login/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
