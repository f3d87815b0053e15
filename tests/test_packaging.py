"""The package's setuptools configuration: what an install ships, and that it does not warn."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parent.parent


def _setuptools_config() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["setuptools"]


def test_every_folder_of_shipped_files_is_a_package_setuptools_finds() -> None:
    """A folder holding package data (templates, styles, fonts) that is not a package makes
    every `pip install` print a screen of "Package ... is absent" warnings, as the first run
    of scripts/demo.sh did."""
    config = _setuptools_config()
    found = set(find_namespace_packages(where=str(ROOT), **config["packages"]["find"]))
    folders = set()
    for package, patterns in config["package-data"].items():
        base = ROOT.joinpath(*package.split("."))
        for pattern in patterns:
            folders |= {p.parent for p in base.glob(pattern) if p.is_file()}
    assert folders, "no package data found"
    missing = sorted(
        ".".join(f.relative_to(ROOT).parts)
        for f in folders
        if ".".join(f.relative_to(ROOT).parts) not in found
    )
    assert missing == []


def test_the_python_packages_are_found_and_the_tests_are_not_shipped() -> None:
    """Every folder of Python modules is a package of the install; tests and benchmarks stay
    out."""
    config = _setuptools_config()
    found = set(find_namespace_packages(where=str(ROOT), **config["packages"]["find"]))
    for expected in ("routing", "data.services", "data.migrations.versions", "api.routes"):
        assert expected in found
    for module_folder in ("api/pages", "scheduler", "nightcare/demo"):
        assert module_folder.replace("/", ".") in found
    assert not any(p.startswith(("tests", "bench")) for p in found)
