"""With production settings (DEBUG off, secrets from the environment), Django's deployment checklist
finds nothing, and responses carry the headers and cookie flags a browser needs to keep users safe.

Each check runs in a subprocess: settings are read once per process, from the environment."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.checks import Tags, run_checks

from common.transparency import generate_signer_key

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="esurety.example.jp",
        KEY_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        KEY_DIGEST_SECRETS=f"v2:{secrets.token_urlsafe(32)},v1:{secrets.token_urlsafe(32)}",
        EMAIL_URL="smtp://mailpit:1025",
        DATABASE_URL=f"sqlite:///{tmp_path / 'check.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        SEAL_KEY_PASSWORD=secrets.token_urlsafe(32),
        SEAL_PKI_DIR=str(tmp_path / "pki"),
        TRANSPARENCY_LOG_KEY=generate_signer_key("d-sure.example.jp/log"),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_finds_nothing_with_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "KEY_ENCRYPTION_KEY",
        "KEY_DIGEST_SECRETS",
        "SEAL_KEY_PASSWORD",
        "TRANSPARENCY_LOG_KEY",
    ],
)
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    result = manage(production_env(tmp_path, **{missing: None}), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


# The repository's development values (config/dev_secrets.py), copied here on purpose: a deployment
# that pasted them from the repository must be refused, whatever the module says today.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-for-the-simulator-0123456789abcdefghijklmnop"
DEV_KEY_ENCRYPTION_KEY = "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE="
DEV_TRANSPARENCY_LOG_KEY = (
    "PRIVATE+KEY+d-sure.simulator.invalid/log+2c9907bc+AUsr0ZpdJCSvizYf2zZBzagFawZZbwbq4UgxitXXF1bX"
)
GOOD_FERNET = Fernet.generate_key().decode()
GOOD_DIGEST = secrets.token_urlsafe(32)


BAD_SECRETS = [
    ("SECRET_KEY", DEV_SECRET_KEY, "esurety.E001"),
    ("KEY_ENCRYPTION_KEY", DEV_KEY_ENCRYPTION_KEY, "esurety.E002"),
    ("KEY_ENCRYPTION_KEY", f"{GOOD_FERNET},{DEV_KEY_ENCRYPTION_KEY}", "esurety.E002"),
    ("KEY_ENCRYPTION_KEY", "not-a-fernet-key", "esurety.E003"),
    ("KEY_ENCRYPTION_KEY", f"{GOOD_FERNET},{GOOD_FERNET[:-2]}", "esurety.E003"),
    ("KEY_DIGEST_SECRETS", ["v1:dev-only-digest-secret"], "esurety.E004"),
    ("KEY_DIGEST_SECRETS", ["v1:"], "esurety.E005"),
    ("KEY_DIGEST_SECRETS", [f"v2:{GOOD_DIGEST}", "v1:"], "esurety.E005"),
    ("KEY_DIGEST_SECRETS", ["v1:short"], "esurety.E005"),
    ("KEY_DIGEST_SECRETS", [GOOD_DIGEST], "esurety.E006"),  # no "version:"
    ("KEY_DIGEST_SECRETS", [f":{GOOD_DIGEST}"], "esurety.E006"),
    ("KEY_DIGEST_SECRETS", [f"v1:{GOOD_DIGEST}", f"v1:{secrets.token_urlsafe(32)}"], "esurety.E006"),
    ("SEAL_KEY_PASSWORD", "dev-only-seal-key-password", "esurety.E007"),
    ("TRANSPARENCY_LOG_KEY", DEV_TRANSPARENCY_LOG_KEY, "esurety.E008"),
    ("DSURE_URL", "http://d-sure.example.jp", "esurety.E009"),  # plain HTTP to D-Sure, and no token
    ("DSURE_URL", "https://d-sure.example.jp", "esurety.E010"),  # no DSURE_ISSUER_TOKEN
    ("DSURE_ISSUER_TOKENS", ["surety-x:short"], "esurety.E011"),
    ("DSURE_ISSUER_TOKENS", [GOOD_DIGEST], "esurety.E011"),  # no "issuer:"
]


@pytest.mark.parametrize(("setting", "value", "check"), BAD_SECRETS)
def test_the_deploy_checks_refuse_development_empty_and_unparsable_secrets(settings, setting, value, check):
    settings.SECRET_KEY = secrets.token_urlsafe(64)
    settings.KEY_ENCRYPTION_KEY = GOOD_FERNET
    settings.KEY_DIGEST_SECRETS = [f"v1:{GOOD_DIGEST}"]
    settings.SEAL_KEY_PASSWORD = secrets.token_urlsafe(32)
    settings.TRANSPARENCY_LOG_KEY = generate_signer_key("d-sure.example.jp/log")
    assert not [
        m
        for m in run_checks(tags=[Tags.security], include_deployment_checks=True)
        if m.id.startswith("esurety.")
    ]
    setattr(settings, setting, value)
    found = [
        m
        for m in run_checks(tags=[Tags.security], include_deployment_checks=True)
        if m.id.startswith("esurety.")
    ]
    assert check in [m.id for m in found]  # the development digest secret is also too short: two errors
    assert all(m.is_serious() for m in found if m.id.startswith("esurety.E"))
    parts = [entry.partition(":")[2] for entry in value] if isinstance(value, list) else value.split(",")
    assert not [
        part for part in parts if len(part) >= 8 and part in "".join(map(str, found))
    ]  # never the value


def test_check_deploy_with_production_settings_refuses_the_repositorys_secret_key(tmp_path):
    result = manage(production_env(tmp_path, SECRET_KEY=DEV_SECRET_KEY), "check", "--deploy")
    assert result.returncode != 0
    assert "esurety.E001" in result.stderr
    assert DEV_SECRET_KEY not in result.stderr + result.stdout


PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client()
secure = client.get("/healthz", secure=True, HTTP_HOST="esurety.example.jp")
plain = client.get("/healthz", HTTP_HOST="esurety.example.jp")
print(json.dumps({
    "status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure.get("Content-Security-Policy"),
    "nosniff": secure.get("X-Content-Type-Options"),
    "frame": secure.get("X-Frame-Options"),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "password_validators": len(settings.AUTH_PASSWORD_VALIDATORS),
    "debug": settings.DEBUG,
}))
"""


def test_production_responses_carry_hsts_csp_and_redirect_to_https(tmp_path):
    result = manage(production_env(tmp_path), "shell", "--no-imports", "-c", PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    assert seen["status"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in seen["csp"]
    assert "frame-ancestors 'none'" in seen["csp"]
    assert seen["nosniff"] == "nosniff"
    assert seen["frame"] == "DENY"
    assert seen["plain_status"] == 301
    assert seen["plain_location"] == "https://esurety.example.jp/healthz"
    assert (
        seen["session_cookie_secure"] is seen["csrf_cookie_secure"] is seen["session_cookie_httponly"] is True
    )
    assert seen["password_validators"] == 4


def test_production_logs_are_json_lines(tmp_path):
    result = manage(production_env(tmp_path), "shell", "--no-imports", "-c", PROBE)
    request_lines = [json.loads(line) for line in result.stderr.splitlines() if '"esurety.request"' in line]
    assert [(line["path"], line["status"]) for line in request_lines] == [
        ("/healthz", 200),
        ("/healthz", 301),
    ]


def _compose_command():
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_the_compose_file_is_accepted_by_docker_compose(tmp_path):
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    env = production_env(tmp_path, POSTGRES_PASSWORD=secrets.token_urlsafe(16))
    result = subprocess.run(
        [*command, "-f", str(BASE_DIR / "docker-compose.yml"), "config", "-q"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_d_sure_apart_with_tasks_run_in_the_request_is_warned(settings):
    # Each posting would be tried in the clerk's request: a bulk 発行 against a D-Sure that is down
    # waits the client's timeout once per contract.
    settings.DSURE_URL = "https://d-sure.example.jp"
    settings.DSURE_ISSUER_TOKEN = GOOD_DIGEST
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    found = [m.id for m in run_checks(tags=[Tags.security], include_deployment_checks=True)]
    assert "esurety.W001" in found
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    found = [m.id for m in run_checks(tags=[Tags.security], include_deployment_checks=True)]
    assert "esurety.W001" not in found
