"""Command-line argument types shared by the subcommands: each refuses a bad value with a
message naming it, which argparse turns into a usage error and exit code 2."""

from __future__ import annotations

import argparse
from collections.abc import Callable

LONGEST_SOLVE_SECONDS = 600


def solve_seconds(text: str) -> float:
    """A solver time limit: a number of seconds, more than 0 and at most 600."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= LONGEST_SOLVE_SECONDS:
        raise argparse.ArgumentTypeError(
            f"{text!r} must be more than 0 and at most {LONGEST_SOLVE_SECONDS}"
        )
    return value


def whole_number(lowest: int, highest: int) -> Callable[[str], int]:
    """An argument type for a whole number from `lowest` to `highest`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not lowest <= value <= highest:
            raise argparse.ArgumentTypeError(f"{text!r} must be from {lowest} to {highest}")
        return value

    return parse
