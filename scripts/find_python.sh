#!/usr/bin/env bash
# Prints the path of a Python >= 3.12, or explains how to get one and exits 1.
# Looks on PATH first, then in pyenv's versions (the machines' system python3 is 3.11).
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
candidates=()
[ -n "${DXNET_PYTHON:-}" ] && candidates+=("$DXNET_PYTHON")
for name in python3.12 python3.13 python3.14 python3; do
  p=$(command -v "$name" 2>/dev/null) && candidates+=("$p")
done
for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv /opt/pyenv; do
  [ -n "$root" ] && [ -d "$root/versions" ] || continue
  for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V -r); do candidates+=("$p"); done
done
for p in "${candidates[@]}"; do
  if ok "$p"; then
    # A pyenv shim may resolve to 3.11: report the real interpreter.
    "$p" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "dxnet needs Python 3.12 or newer, and none was found (looked on PATH and in pyenv's versions)." >&2
echo "Install one, e.g. 'pyenv install 3.12' or your system's python3.12 package, or set DXNET_PYTHON=/path/to/python3.12." >&2
exit 1
