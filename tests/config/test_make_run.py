"""`make run PORT=8300`: the links the app writes (the e-mail's, the key notice's QR code) follow the
port it serves, unless SITE_URL is set."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make_run(tmp_path, *args, site_url=None) -> str:
    """`make run` with a stand-in Python that prints what it was asked to run and with which SITE_URL."""
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".installed").touch()  # newer than pyproject.toml: make does not rebuild the venv
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\necho "SITE_URL=${SITE_URL:-unset} $*"\n')
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "MAKEFLAGS")}
    if site_url:
        env["SITE_URL"] = site_url
    result = subprocess.run(
        ["make", "-s", "run", f"VENV={venv}", f"PY={python}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_on_another_port_links_to_that_port(tmp_path):
    out = make_run(tmp_path, "PORT=8300")
    assert "SITE_URL=http://127.0.0.1:8300 manage.py runserver 127.0.0.1:8300" in out


def test_a_site_url_that_is_set_wins(tmp_path):
    out = make_run(tmp_path, "PORT=8300", site_url="https://esurety.example")
    assert "SITE_URL=https://esurety.example manage.py runserver 127.0.0.1:8300" in out
