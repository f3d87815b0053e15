"""Builds the compiled search, routing/_ruin_and_recreate.c; the rest is in pyproject.toml.

setuptools takes extension modules from setup.py as settled configuration; its pyproject.toml
table for them is still marked experimental (a warning at every install).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "routing._ruin_and_recreate",
            sources=["routing/_ruin_and_recreate.c"],
            extra_compile_args=["-O2", "-std=c11"],
            libraries=["m"],
        )
    ]
)
