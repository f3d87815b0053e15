"""Tests for the `nightcare` command line: solve, check, and how bad input is reported."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from nightcare.cli import ProgressLines, main
from routing.model import Night
from routing.plan import BreakSlot, Plan, PlanStats, Route, Visit
from routing.plan_file import plan_to_json, read_plan
from routing.problem_file import read_problem
from routing.solver import Progress, workers_for_now
from routing.validate import check_plan

DATA = Path(__file__).parent.parent / "data"
TWO_CALLS = DATA / "two-calls.json"
REPO = Path(__file__).parent.parent.parent


def hand_plan(night: Night, *, second_start: int = 4 * 3600) -> Plan:
    """Car 1 takes v-1 at 23:00 and v-2 at `second_start`, resting 00:30-01:00 between.

    Every time follows from the night's own travel matrix, so the plan is feasible for any
    drive times short enough to fit (the test night's are a few minutes).
    """
    crew = night.crew("car-1")
    first, second = night.call("v-1"), night.call("v-2")
    to_first = night.travel(crew.start_place, first.place)
    between = night.travel(first.place, second.place)
    home = night.travel(second.place, crew.end_place)
    depart = first.earliest - to_first
    visits = (
        Visit("v-1", first.earliest, first.earliest, first.earliest + first.duration),
        Visit("v-2", 3 * 3600 + between, second_start, second_start + second.duration),
    )
    return Plan(
        problem=night.name,
        routes=(
            Route(
                "car-1",
                depart=depart,
                return_at=visits[1].end + home,
                visits=visits,
                rest_break=BreakSlot(2 * 3600 + 1800, 3 * 3600),
            ),
        ),
        unassigned=(),
        stats=PlanStats(travel_seconds=to_first + between + home, solve_seconds=0.0),
    )


def write_plan(path: Path, plan: Plan, night: Night) -> Path:
    """Write `plan` as a plan file at `path`."""
    path.write_text(json.dumps(plan_to_json(plan, night)), encoding="utf-8")
    return path


def test_check_says_feasible_and_exits_0_for_a_plan_that_keeps_every_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hand-built feasible plan passes the check."""
    night = read_problem(TWO_CALLS)
    plan = hand_plan(night)
    assert check_plan(night, plan) == []
    plan_path = write_plan(tmp_path / "plan.json", plan, night)
    assert main(["check", str(TWO_CALLS), str(plan_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("feasible: planned 2 of 2 calls")


def test_check_lists_each_broken_rule_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Care starting after v-2's window closes is reported with the call and crew."""
    night = read_problem(TWO_CALLS)
    late = hand_plan(night, second_start=5 * 3600 + 60)
    plan_path = write_plan(tmp_path / "late.json", late, night)
    assert main(["check", str(TWO_CALLS), str(plan_path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("infeasible:")
    assert "crew car-1, call v-2:" in out


def test_a_missing_problem_file_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2 with one `nightcare: error:` line naming the file."""
    missing = tmp_path / "absent.json"
    assert main(["check", str(missing), str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"nightcare: error: {missing}: cannot read the file: No such file or directory\n"


def test_a_bad_problem_value_is_reported_with_file_and_key_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused clock time names the file, the key path and the reason."""
    document: dict[str, Any] = json.loads(TWO_CALLS.read_text(encoding="utf-8"))
    document["calls"][1]["earliest"] = "25:00"
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(document), encoding="utf-8")
    assert main(["solve", str(problem)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"nightcare: error: {problem}: calls[1] (v-2).earliest: '25:00' is not a clock time HH:MM"
    )


def test_a_call_before_a_shift_start_clocks_skip_says_what_to_give_instead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The night of 2027-03-28 from 01:30, which clocks skip (01:00 GMT becomes 02:00 BST), is
    read from 02:30 BST, so v-2 at 02:00 comes before it: the one error line says why and what
    to give instead, exit 2."""
    document: dict[str, Any] = json.loads(TWO_CALLS.read_text(encoding="utf-8"))
    document["night"] = "2027-03-28"
    document["shift"] = {"start": "01:30", "end": "09:30"}
    del document["crews"][0]["break"]
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(document), encoding="utf-8")
    assert main(["solve", str(problem)]) == 2
    assert capsys.readouterr().err == (
        f"nightcare: error: {problem}: calls[1] (v-2).earliest: 02:00 is before the night "
        "starts: shift.start 01:30 does not exist on 2027-03-28 in Europe/London (clocks go "
        "forward at 01:00 to 02:00), so the night is read as starting at 02:30; give "
        "shift.start as 02:00 or before 01:00, or this time as 02:30 or later\n"
    )


def test_a_call_in_the_hour_clocks_skip_is_planned_and_noted_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """v-2 at 01:30 on the night of 2027-03-27 (clocks go forward at 01:00 the next morning) is
    read as 02:30 BST, as the spec says: the night is planned and stderr says so."""
    document: dict[str, Any] = json.loads(TWO_CALLS.read_text(encoding="utf-8"))
    document["night"] = "2027-03-27"
    document["calls"][1]["earliest"] = "01:30"
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(document), encoding="utf-8")
    assert main(["solve", str(problem), "--seconds", "1"]) == 0
    err = capsys.readouterr().err
    assert (
        f"nightcare: note: {problem}: calls[1] (v-2).earliest: 01:30 does not exist on "
        "2027-03-28 in Europe/London (the clocks go forward), so it is read as 02:30 BST\n"
    ) in err


@pytest.mark.parametrize(
    ("literal", "key_path", "reason"),
    [
        ('"minutes": 1' + "0" * 400, "calls[1] (v-2).minutes", "is too large a number"),
        ('"minutes": 1e308', "calls[1] (v-2).minutes", "1e+308 minutes is too large a number"),
        ('"speed_kmh": 1e-300', "travel", "speed_kmh and circuity make a drive of"),
    ],
    ids=["400 digits", "1e308 minutes", "a speed of 1e-300"],
)
def test_a_huge_number_is_one_line_of_bad_input_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], literal: str, key_path: str, reason: str
) -> None:
    """Numbers JSON allows but no night can count are refused with their key path, exit 2."""
    document: dict[str, Any] = json.loads(TWO_CALLS.read_text(encoding="utf-8"))
    key = literal.split(":")[0].strip('"')
    if key == "minutes":
        document["calls"][1]["minutes"] = "HUGE"
    else:
        document["travel"][key] = "HUGE"
    problem = tmp_path / "problem.json"
    text = json.dumps(document).replace(f'"{key}": "HUGE"', literal)
    problem.write_text(text, encoding="utf-8")
    assert main(["check", str(problem), str(problem)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"nightcare: error: {problem}: {key_path}: {reason}"), err


def test_bad_json_in_a_plan_file_is_reported_with_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken plan file is bad input, exit 2."""
    plan_path = tmp_path / "plan.json"
    plan_path.write_text('{"format": "nightcare-plan/1",\n "routes": [}', encoding="utf-8")
    assert main(["check", str(TWO_CALLS), str(plan_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nightcare: error: {plan_path}: invalid JSON at line 2 column")


def test_a_plan_naming_an_unknown_call_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown call id in a plan file names its key path, exit 2."""
    night = read_problem(TWO_CALLS)
    document = plan_to_json(hand_plan(night), night)
    document["routes"][0]["visits"][1]["call"] = "v-9"
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["check", str(TWO_CALLS), str(plan_path)]) == 2
    assert "routes[0] (car-1).visits[1] (v-9).call: no call has id 'v-9'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["solve"], "the following arguments are required: PROBLEM.json"),
        (["solve", "x.json", "--seconds", "0"], "argument --seconds: '0' must be a number"),
        (["solve", "x.json", "--workers", "two"], "argument --workers: 'two' is not a whole"),
        (["solve", "x.json", "--seed", "1.5"], "argument --seed: invalid int value"),
        (["plan", "x.json"], "invalid choice: 'plan'"),
        (["check", "a.json"], "the following arguments are required: PLAN.json"),
    ],
)
def test_bad_arguments_are_bad_input(
    argv: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Argument errors print one `nightcare: error:` line and exit 2."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("nightcare: error: ") and reason in err
    assert err.count("\n") == 1


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Bare `nightcare` shows the commands."""
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "solve" in err and "check" in err


def test_the_help_lists_each_command_on_one_line_and_names_the_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every command's name has its summary beside it, and the database setting is named."""
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("solve", "check", "serve", "users", "db", "demo", "scheduler"):
        assert re.search(rf"^    {command} +\S", out, re.M), f"{command} has no line:\n{out}"
    assert "NIGHTCARE_DATABASE_URL" in out


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """--help is not an error."""
    assert main(["solve", "--help"]) == 0
    assert "--seconds" in capsys.readouterr().out


def test_solve_writes_a_feasible_plan_file_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """solve -o writes a plan file that reads back and passes the check."""
    plan_path = tmp_path / "plan.json"
    argv = ["solve", str(TWO_CALLS), "-o", str(plan_path), "--seconds", "1", "--stall", "0.2"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("nightcare: planned ") and str(plan_path) in captured.err
    night = read_problem(TWO_CALLS)
    plan = read_plan(plan_path, night)
    assert check_plan(night, plan) == []
    assert sorted(plan.assigned_call_ids() + plan.unassigned_call_ids()) == ["v-1", "v-2"]
    assert main(["check", str(TWO_CALLS), str(plan_path)]) == 0


def test_solve_accepts_a_hint_plan(tmp_path: Path) -> None:
    """--hint reads a plan file of the same night and solves from it."""
    night = read_problem(TWO_CALLS)
    hint = write_plan(tmp_path / "hint.json", hand_plan(night), night)
    out = tmp_path / "plan.json"
    argv = ["solve", str(TWO_CALLS), "--hint", str(hint), "-o", str(out), "--seconds", "0.5"]
    assert main(argv) == 0
    assert check_plan(night, read_plan(out, night)) == []


def test_solve_starts_from_last_nights_plan_without_the_calls_tonight_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--hint takes a plan of another night (another problem name, other dates) and uses its
    rounds; a call tonight does not have is left out of the hint and named on stderr."""
    night = read_problem(TWO_CALLS)
    last_night = plan_to_json(hand_plan(night), night)
    last_night["problem"] = "last-night"
    last_night["routes"][0]["visits"].append(
        {
            "call": "v-cancelled",
            "arrive": "2026-11-30T05:00:00+00:00",
            "start": "2026-11-30T05:00:00+00:00",
            "end": "2026-11-30T05:20:00+00:00",
        }
    )
    hint = tmp_path / "last-night.json"
    hint.write_text(json.dumps(last_night), encoding="utf-8")
    out = tmp_path / "plan.json"
    argv = ["solve", str(TWO_CALLS), "--hint", str(hint), "-o", str(out), "--seconds", "0.5"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"{hint}: not in this night, left out of the hint: calls v-cancelled" in err
    plan = read_plan(out, night)
    assert check_plan(night, plan) == []
    assert [v.call_id for v in plan.routes[0].visits] == ["v-1", "v-2"]


def test_solve_without_output_prints_the_route_sheets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without -o the crews' route sheets and the totals go to stdout."""
    assert main(["solve", str(TWO_CALLS), "--seconds", "0.5", "--stall", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "Crew car-1: k-anne (F; medication), k-beth (F)" in out
    assert "break 00:" in out or "break 01:" in out
    assert "Totals: planned" in out


def test_solve_will_not_write_its_plan_over_the_problem_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-o night.json` on night.json is a slip of the keyboard: refused, the problem kept."""
    problem = tmp_path / "night.json"
    problem.write_bytes(TWO_CALLS.read_bytes())
    alias = tmp_path / "sub" / ".." / "night.json"
    (tmp_path / "sub").mkdir()
    assert main(["solve", str(problem), "-o", str(alias), "--seconds", "0.2"]) == 2
    assert capsys.readouterr().err == (
        f"nightcare: error: {alias}: -o would write the plan over the problem file\n"
    )
    assert problem.read_bytes() == TWO_CALLS.read_bytes()


def test_solve_cannot_write_into_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unwritable output path is bad input, not a traceback."""
    target = tmp_path / "no-such-folder" / "plan.json"
    assert main(["solve", str(TWO_CALLS), "-o", str(target), "--seconds", "0.2"]) == 2
    assert capsys.readouterr().err.startswith(f"nightcare: error: {target}: cannot write")


def test_progress_lines_start_after_a_second_and_come_at_most_once_a_second() -> None:
    """Quiet for short solves, then one line per second of elapsed time at most."""
    stream = io.StringIO()
    report = ProgressLines(stream)
    for elapsed in (0.1, 0.9, 1.05, 1.5, 1.99, 2.1, 2.2, 3.5):
        report(Progress(elapsed=elapsed, unassigned=3, travel_seconds=600))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0] == "nightcare:   1.1 s  unassigned 3  travel 10.0 min"


def test_the_heartbeat_repeats_the_best_plan_each_second_while_the_search_is_silent() -> None:
    """A search that settles early still shows a line each interval, with the time going on;
    before any plan there is nothing to show."""
    stream = io.StringIO()
    report = ProgressLines(stream, every=0.05)
    with report.heartbeat():
        time.sleep(0.15)
        assert stream.getvalue() == ""
        report(Progress(elapsed=0.01, unassigned=3, travel_seconds=600))
        time.sleep(0.3)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 3, lines
    assert all(line.endswith("unassigned 3  travel 10.0 min") for line in lines), lines
    seconds = [float(line.split()[1]) for line in lines]
    assert seconds == sorted(seconds) and seconds[-1] >= 0.3


def test_the_heartbeat_leaves_the_solve_its_two_searches() -> None:
    """No thread before the first report: a solve counts its process's threads to choose
    one search or two (and forks the second), so a heartbeat thread started up front made
    every solve shown with progress, as in a terminal, search alone."""

    def beating() -> bool:
        return any(t.name == "progress-heartbeat" for t in threading.enumerate())

    report = ProgressLines(io.StringIO(), every=0.05)
    alone = workers_for_now()
    with report.heartbeat():
        assert not beating()
        assert workers_for_now() == alone
        report(Progress(elapsed=0.01, unassigned=3, travel_seconds=600))
        assert beating()
        time.sleep(0.1)
    assert not beating()


def test_solve_with_progress_shows_lines_after_the_plan_has_settled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The two-call night is solved within milliseconds; a 1.5 s solve still says it is working."""
    out = tmp_path / "plan.json"
    argv = ["solve", str(TWO_CALLS), "-o", str(out), "--seconds", "1.5", "--workers", "1"]
    assert main([*argv, "--progress"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^nightcare: +1\.\d s  unassigned 0  travel \d+\.\d min$", err, re.M), err


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a real `nightcare` process from the repository."""
    return subprocess.run(
        list(args), capture_output=True, text=True, timeout=60, cwd=REPO, check=False
    )


def test_the_installed_script_and_python_m_exit_with_the_right_codes(tmp_path: Path) -> None:
    """Real processes exit 1 for an infeasible plan and 2 for bad input, with no traceback."""
    night = read_problem(TWO_CALLS)
    late = write_plan(tmp_path / "late.json", hand_plan(night, second_start=5 * 3600 + 60), night)
    script = Path(sys.executable).parent / "nightcare"
    infeasible = run_cli(str(script), "check", str(TWO_CALLS), str(late))
    assert (infeasible.returncode, infeasible.stdout[:11]) == (1, "infeasible:")
    bad = run_cli(sys.executable, "-m", "nightcare", "check", str(tmp_path / "x.json"), str(late))
    assert bad.returncode == 2
    assert bad.stderr.startswith("nightcare: error: ") and "Traceback" not in bad.stderr


@pytest.mark.parametrize("second_start", [4 * 3600, 5 * 3600 + 60], ids=["feasible", "late"])
def test_check_into_a_closed_pipe_keeps_its_exit_code_and_prints_no_traceback(
    tmp_path: Path, second_start: int
) -> None:
    """`nightcare check ... | grep -q x` closes the pipe early: the verdict must survive it."""
    night = read_problem(TWO_CALLS)
    plan = write_plan(tmp_path / "plan.json", hand_plan(night, second_start=second_start), night)
    script = Path(sys.executable).parent / "nightcare"
    process = subprocess.Popen(
        [str(script), "check", str(TWO_CALLS), str(plan)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the command writes a word
    err = process.stderr.read()
    assert process.wait(timeout=60) == (0 if second_start == 4 * 3600 else 1), err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
