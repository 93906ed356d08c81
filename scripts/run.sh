#!/usr/bin/env bash
# Run ECMO Dispatch: venv, migrations, demo data, then Daphne + Celery worker + beat.
# No configuration needed: SQLite, console notifications, and Redis on 127.0.0.1:6379
# (a private redis-server is started if none answers; without any Redis: single-process mode).
# DEBUG stays off (no debug page with settings in it); WhiteNoise serves the static files.
# A random SECRET_KEY is kept in .run/secret_key unless SECRET_KEY is set.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements.txt
ensure_pdf_libraries

export PORT="${PORT:-8000}"
export HOST="${HOST:-127.0.0.1}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
export DEBUG="${DEBUG:-false}"
mkdir -p .run
if [ -z "${SECRET_KEY:-}" ]; then
    if [ ! -s .run/secret_key ]; then
        (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' >.run/secret_key)
    fi
    SECRET_KEY="$(cat .run/secret_key)"
    export SECRET_KEY
fi

redis_answers() {
    .venv/bin/python - "$1" <<'PY' 2>/dev/null
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()
PY
}

private_redis_pid=""
cleanup() {
    if [ -n "$private_redis_pid" ]; then kill "$private_redis_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

if [ -z "${REDIS_URL+set}" ]; then
    if redis_answers redis://127.0.0.1:6379/0; then
        export REDIS_URL=redis://127.0.0.1:6379/0
    elif command -v redis-server >/dev/null 2>&1; then
        echo "No Redis answers on 127.0.0.1:6379: starting a private redis-server (no persistence)"
        redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir .run >.run/redis.log 2>&1 &
        private_redis_pid=$!
        for _ in $(seq 1 50); do redis_answers redis://127.0.0.1:6379/0 && break; sleep 0.1; done
        export REDIS_URL=redis://127.0.0.1:6379/0
    else
        export REDIS_URL=""
    fi
fi

# Unsafe configurations (dev key without DEBUG, demo users on a non-loopback HOST) stop here.
.venv/bin/python manage.py preflight --host "$HOST" || exit 1
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
case "$HOST" in
    127.*|localhost|::1|"[::1]") .venv/bin/python manage.py load_demo ;;
    *) echo "HOST=$HOST is not loopback: no demo users are created." ;;
esac

daphne_cmd=".venv/bin/daphne -b $HOST -p $PORT config.asgi:application"
echo
echo "ECMO Dispatch on $PUBLIC_BASE_URL  (board: /board/  API docs: /api/docs/  admin: /admin/)"
if [ -z "$REDIS_URL" ]; then
    echo "No Redis available: single-process mode (in-memory channel layer, tasks run in-process with their delays)."
    exec $daphne_cmd
fi
# honcho stops everything when one process ends: a worker or beat that dies is restarted in
# place instead, so Daphne keeps taking Twilio's callbacks (Ctrl-C still stops them all).
respawn() { echo "while :; do $2; echo \"$1 exited (\$?): restarting in 2 s\"; sleep 2; done"; }
cat >.run/Procfile <<PROCFILE
web: $daphne_cmd
worker: $(respawn worker ".venv/bin/celery -A config worker -Q critical,default --loglevel INFO")
beat: $(respawn beat ".venv/bin/celery -A config beat --schedule .run/celerybeat-schedule --loglevel INFO")
PROCFILE
.venv/bin/honcho -f .run/Procfile -d . start
