#!/usr/bin/env bash
# make run: a development dxnet on SQLite with the demo data, the web server and the worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
export DXNET_DEBUG=${DXNET_DEBUG:-1}
db_new=0
if [ -z "${DXNET_DATABASE_URL:-}" ] && [ ! -f var/dxnet.sqlite3 ]; then db_new=1; fi
mkdir -p var
.venv/bin/python manage.py migrate --no-input -v0
if [ "$db_new" = 1 ] || [ "${DXNET_LOAD_DEMO:-0}" = 1 ]; then
  echo "==> new database: loading the real units, the demo cast and two years of generated reports (1–2 minutes)"
  .venv/bin/python manage.py load_demo
else
  # A database made before the documents existed gets the demo corpus (idempotent, quick).
  .venv/bin/python manage.py load_demo_documents -v0
fi
echo "==> starting the background worker (manage.py db_worker)"
.venv/bin/python manage.py db_worker --queue-name '*' > var/worker.log 2>&1 &
worker=$!
# Daily reminders and digests at DXNET_DAILY_AT (07:00), queued for the worker.
.venv/bin/python manage.py run_scheduler > var/scheduler.log 2>&1 &
scheduler=$!
trap 'kill $worker $scheduler 2>/dev/null || true' EXIT INT TERM
echo; echo "  dxnet is starting on http://127.0.0.1:${DXNET_PORT:-8000}   (stop with Ctrl-C)"
.venv/bin/python manage.py load_demo --print-logins
echo
.venv/bin/python manage.py runserver 127.0.0.1:${DXNET_PORT:-8000}
