#!/usr/bin/env bash
# Creates .venv with a Python >= 3.12 and installs dxnet into it.
# Usage: scripts/setup.sh [run|test]   — "test" adds the test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  py=$(scripts/find_python.sh)
  echo "==> creating .venv with $py"
  rm -rf .venv
  "$py" -m venv .venv
fi
extras=""; [ "$mode" = test ] && extras="[test]"
stamp=".venv/.installed-$mode-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing dxnet$extras"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras" 2>&1 | grep -v "is ignored" || true
  # Fail here, not later, if the install did not work.
  .venv/bin/python -c "import django, django_htmx, django_tasks_db, vietnamadminunits, dj_database_url"
  touch "$stamp"
fi
