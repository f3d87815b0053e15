#!/usr/bin/env bash
# Sets everything up, loads the demo county into the default SQLite database (nightcare.db here,
# or NIGHTCARE_DATABASE_URL), plans and publishes tonight in each of its areas, and says how to start the
# service and sign in. On the first load it also publishes the 7 nights before tonight (for the
# commissioner's charts). Arguments go to `nightcare demo` (--night YYYY-MM-DD, --seconds N,
# --history N, --password P). Running it again keeps the county and plans tonight again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/nightcare demo --seconds "${SECONDS_LIMIT:-3}" "$@"
cat <<'TEXT'

Start the service (it serves the same database):
  .venv/bin/nightcare serve                  # http://127.0.0.1:8000, API documents at /docs
Open http://127.0.0.1:8000/ in a browser and sign in as a user above: the commissioner sees the
areas, a coordinator tonight's plan, a carer (carer-north, ...) their crew's route sheet.
For the API, sign in with a username and password printed above, then send the token on every request:
  curl -s -X POST http://127.0.0.1:8000/auth/token -d username=coordinator-north -d password=PASSWORD
  curl -s -H "Authorization: Bearer TOKEN" http://127.0.0.1:8000/areas
TEXT
