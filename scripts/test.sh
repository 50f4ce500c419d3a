#!/usr/bin/env bash
# make test: the whole suite on SQLite, then on a throwaway PostgreSQL, browser tests included.
# Exits non-zero on any failure, and when a run collected no test.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test || exit 1
scripts/system_packages.sh || exit 1

pgdir=$(mktemp -d /tmp/dxnet-pg.XXXXXX)
trap 'scripts/pg_throwaway.sh stop "$pgdir"' EXIT
pg_url=$(scripts/pg_throwaway.sh start "$pgdir") || { echo "could not start PostgreSQL" >&2; exit 1; }

status=0
run() {  # run NAME [env...] -- pytest args
  local name=$1; shift
  echo; echo "==> tests on $name"
  env DXNET_TESTING=1 "$@" .venv/bin/python -m pytest -p no:cacheprovider ${PYTEST_ARGS:-}
  local rc=$?
  if [ $rc -eq 5 ]; then echo "no test ran on $name: failing" >&2; rc=1; fi
  [ $rc -ne 0 ] && status=1
}
run SQLite DXNET_DATABASE_URL=
run PostgreSQL DXNET_DATABASE_URL="$pg_url"
echo
if [ $status -eq 0 ]; then echo "==> all tests passed on SQLite and PostgreSQL"; else echo "==> TESTS FAILED" >&2; fi
exit $status
