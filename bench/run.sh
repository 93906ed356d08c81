#!/usr/bin/env bash
# Benchmarks on the real stack: `bash bench/run.sh [alerts|board|api|travel ...] [--quick]`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt
exec .venv/bin/python -m bench "$@"
