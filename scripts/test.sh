#!/usr/bin/env bash
# Run the checks CI runs: ruff, the import contracts (lint-imports), then pytest against
# real PostgreSQL and Redis (and Chromium).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/dispatch -x`.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt
ensure_pdf_libraries required

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

pg_answers() { .venv/bin/python -c 'import psycopg; psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=2).close()' 2>/dev/null; }
redis_answers() { .venv/bin/python -c 'import redis; redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()' 2>/dev/null; }

if ! pg_answers; then
    echo "PostgreSQL is down: starting it"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    for _ in $(seq 1 60); do pg_answers && break; sleep 0.5; done
    pg_answers || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
fi
if ! redis_answers; then
    echo "Redis is down: starting it"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 50); do redis_answers && break; sleep 0.2; done
    redis_answers || { echo "Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }
fi
if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    command -v chromium >/dev/null 2>&1 || { echo "chromium could not be installed" >&2; exit 1; }
fi

export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ecmo_dispatch}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/1}"
export CHANNEL_LAYER_PREFIX="ecmo-test-$$"
unset PUBLIC_BASE_URL TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN NOTIFICATION_BACKEND

.venv/bin/ruff check . || exit 1
.venv/bin/lint-imports --no-logo --no-cache || exit 1
# The deployment checks under the production environment the README documents (a throwaway key).
env DEBUG=false HTTPS=true TRUST_X_FORWARDED_PROTO=true ALLOWED_HOSTS=ecmo.example.org \
    SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    .venv/bin/python manage.py check --deploy --fail-level WARNING || exit 1
exec .venv/bin/python -m pytest "$@"
