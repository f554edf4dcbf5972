"""The apps depend one way: netdesk → issuers → dsure, all of them on audit, accounts, common and seals,
and those on none of the three. Imports and foreign keys that point the other way fail here. D-Sure is
a separate service in all but deployment: issuers reaches it only through its client's one import of
dsure.entry, and no foreign key or migration crosses to it."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
APPS = ["netdesk", "issuers", "dsure", "audit", "accounts", "common", "seals"]
# What each app may import or point a foreign key at, besides itself and Django.
ALLOWED = {
    "netdesk": {"issuers", "audit", "accounts", "common", "seals", "config"},
    "issuers": {"dsure", "audit", "accounts", "common", "seals", "config"},  # dsure: see below
    "dsure": {"audit", "accounts", "common", "seals", "config"},
    "audit": {"common", "config"},
    "accounts": {"audit", "common", "config"},
    "common": {"config"},
    # The e-seal: the demo PKI, sealing rendered bytes, checking an uploaded PDF. Knows no app's models.
    "seals": {"common", "config"},
}
# Demo data spans every portal, so the one command that loads it may reach D-Sure's officials directly.
EXCEPTIONS = {"netdesk/management/commands/seed_demo.py": {"dsure"}}
# The one module of issuers that talks to D-Sure, and the one D-Sure module it may import.
DSURE_CLIENT = "issuers/dsure_client.py"
DSURE_ENTRY = "dsure.entry"
# Services apart: no foreign key or migration dependency reaches into another's database.
SEPARATE = {"issuers": {"dsure"}}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & (set(APPS) | {"config"})


@pytest.mark.parametrize("app", APPS)
def test_imports_point_along_the_arrows(app):
    wrong = {
        str(path.relative_to(ROOT)): sorted(
            imported_apps(path) - ALLOWED[app] - {app} - EXCEPTIONS.get(str(path.relative_to(ROOT)), set())
        )
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def imported_modules(path: Path, app: str) -> set[str]:
    """The modules of `app` that `path` imports (`from app import x` names app.x)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names if alias.name.split(".")[0] == app}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == app:
                names |= {f"{app}.{alias.name}" for alias in node.names}
            elif node.module.split(".")[0] == app:
                names.add(node.module)
    return names


def test_issuers_reach_dsure_only_through_its_client_and_entry():
    imports = {
        str(path.relative_to(ROOT)): imported_modules(path, "dsure")
        for app in ["issuers", "netdesk"]
        for path in (ROOT / app).rglob("*.py")
        if str(path.relative_to(ROOT)) not in EXCEPTIONS
    }
    assert {path: names for path, names in imports.items() if names} == {DSURE_CLIENT: {DSURE_ENTRY}}


@pytest.mark.parametrize("app", ["netdesk", "issuers", "dsure", "audit", "accounts"])
def test_foreign_keys_point_along_the_arrows(app):
    wrong = [
        f"{model.__name__}.{field.name} → {field.related_model._meta.app_label}"
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if field.is_relation
        and field.concrete
        and field.related_model._meta.app_label
        not in (ALLOWED[app] - SEPARATE.get(app, set())) | {app, "accounts", "auth", "contenttypes"}
    ]
    assert wrong == []


@pytest.mark.parametrize("app", ["netdesk", "issuers", "dsure", "audit", "accounts"])
def test_migrations_depend_along_the_arrows(app):
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    wrong = sorted(
        f"{name} → {dependency}"
        for (label, name), migration in loader.disk_migrations.items()
        if label == app
        for dependency, _ in migration.dependencies
        if dependency
        not in (ALLOWED[app] - SEPARATE.get(app, set()))
        | {app, "accounts", "auth", "contenttypes", "__setting__"}
    )
    assert wrong == []
