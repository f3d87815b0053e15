#!/usr/bin/env bash
# Creates .venv (if missing) and installs nightcare with its development tools into it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
# The pages' htmx, Leaflet and Leaflet-Geoman, from the npm registry into api/static/vendor/.
bash web/vendor.sh
