#!/usr/bin/env bash
# Sets everything up, then plans the demo night and prints each crew's route sheet.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/nightcare solve "$(.venv/bin/python -c 'from nightcare.demo import demo_night_path; print(demo_night_path())')" --seconds "${SECONDS_LIMIT:-5}" "$@"
