"""The demo night: a typical Shropshire Hills night of 50 calls for 3 crews (synthetic people).

Regenerate it with:

    python -m routing.rural_night --calls 50 --crews 3 --seed 7 --base "Church Stretton" \
        --name shropshire-hills-2027-01-14-demo > nightcare/demo/demo-night.json
"""

from __future__ import annotations

from pathlib import Path

DEMO_NIGHT_FILE = "demo-night.json"


def demo_night_path() -> Path:
    """Where the demo night's problem file is installed (package data of `nightcare`)."""
    return Path(__file__).with_name(DEMO_NIGHT_FILE)
