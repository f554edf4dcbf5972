"""The authorization matrix: every URL pattern of the project, with every persona, answers as RULES say.

The URLs come from the resolver itself (recursively, the admin site's included), so a URL added later
without a rule fails `test_every_url_has_exactly_one_rule` and the matrix with "new URL without an
authorization rule: …". Portal URLs are keyed by name in RULES; the admin's model URLs
(changelist/add/change/delete/history and the bare-id redirect) follow from ADMIN_MODELS, a short
table of what clerks may view or change and which models are scoped to their branch.

Every persona GETs every URL with kwargs filled from one world (tests/security/world.py): contractor A's
objects, so A gets 200, contractor B 404, clerk Y 404 on branch X's rows, official Q 404 on 小谷村's
certificate. Wherever a persona is refused (302 to a login, 403, 404), it then POSTs a plausible
payload to the same URL: it must be refused again, and nothing in the database may change. Every page
a persona may see is also searched for the other side's work names and contract numbers (leaks).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.utils import timezone

from audit.models import ArchivedSegment
from dsure.events import certificate_event_raise
from dsure.models import Delivery
from dsure.services import api_client_create
from dsure.webhooks import webhook_endpoint_create
from issuers.models import FeeRate, GuaranteeContract
from tests.netdesk.application_data import valid_post
from tests.security.world import (
    A_DRAFT_WORK,
    A_ISSUED_WORK,
    A_SUBMITTED_WORK,
    B_WORK,
    PERSONAS,
    World,
    log_in,
)

pytestmark = pytest.mark.django_db

# -- outcomes ----------------------------------------------------------------------------------------

LOGIN = "302 to the login"  # a redirect to the area's own login page, with ?next=
REDIRECT = "302 elsewhere"  # any other redirect (back to the review page, to the admin index, …)
LOGIN_URLS = {"netdesk": "/netdesk/login/", "dsure": "/dsure/login/", "admin": "/admin/login/"}

ANONYMOUS, CONTRACTOR_A, CONTRACTOR_B = "anonymous", "contractor_a", "contractor_b"
CLERK_X, CLERK_Y, OFFICIAL_P, OFFICIAL_Q, SUPERUSER = (
    "clerk_x",
    "clerk_y",
    "official_p",
    "official_q",
    "superuser",
)
STAFF = (CLERK_X, CLERK_Y, SUPERUSER)


def everyone(outcome) -> dict:
    return dict.fromkeys(PERSONAS, outcome)


def netdesk(a=200, b=None) -> dict:
    """A Net Desk page: contractors only; anonymous to the Net Desk login, everyone else the portal's 403."""
    return {**everyone(403), ANONYMOUS: LOGIN, CONTRACTOR_A: a, CONTRACTOR_B: a if b is None else b}


def dsure(p=200, q=None) -> dict:
    """A D-Sure page: officials only; anonymous to the D-Sure login, everyone else the portal's 403."""
    return {**everyone(403), ANONYMOUS: LOGIN, OFFICIAL_P: p, OFFICIAL_Q: p if q is None else q}


def staff(x=200, y=None, superuser=None) -> dict:
    """An admin page: whoever is not staff is sent to the admin login. Clerk Y and the superuser get
    what clerk X gets unless told otherwise."""
    return {
        **everyone(LOGIN),
        CLERK_X: x,
        CLERK_Y: x if y is None else y,
        SUPERUSER: x if superuser is None else superuser,
    }


# -- rules of the named URLs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    expect: dict | Callable[[dict], dict]
    kwargs: Callable[[World], dict | list[dict]] = lambda world: {}
    query: dict = field(default_factory=dict)


def contract(world):
    return {"pk": world.contract.pk}


def contract_version(world):
    return {"pk": world.contract.pk, "version_pk": world.version.pk}


def certificate(world):
    return {"public_id": world.certificate.public_id}


def notice(world):
    """A 変更's notice for 小谷村 (P's body looked the certificate up), raised once."""
    return world.certificate.events.first() or certificate_event_raise(
        certificate=world.certificate, kind="changed", dedup_key="version:99"
    )


def delivery(world):
    event = notice(world)
    official = world.users[OFFICIAL_P].official
    return Delivery.objects.get_or_create(event=event, official=official)[0]


def archived_segment(world):
    """A segment of the audit trail that audit_archive moved to a file (its record only)."""
    segment = ArchivedSegment.objects.first()
    if segment is None:
        segment = ArchivedSegment(
            first_position=1, last_position=1, previous_chain_hash="0" * 64, last_chain_hash="1" * 64,
            file_name="audit-trail-000000000001-000000000001.jsonl", file_sha256="2" * 64,
            archived_at=timezone.now(), seal="3" * 64,
        )  # fmt: skip
        segment.save()
    return segment


def certificate_version(world):
    return {"public_id": world.certificate.public_id, "sequence": world.posted_version.sequence}


# Clerks see the admin apps whose models they have a permission on; any other app label is a 404.
CLERK_APPS = {"netdesk", "issuers", "dsure"}
ADMIN_APPS = ["auth", "django_tasks_database", "accounts", "audit", "dsure", "issuers", "netdesk"]

RULES: dict[str, Rule] = {
    # Public pages.
    "home": Rule(everyone(200)),
    "ordering_body_list": Rule(everyone(200), query={"q": "小谷"}),
    "healthz": Rule(everyone(200)),
    "trust": Rule(everyone(200)),
    "trust_root_pem": Rule(everyone(200)),
    "trust_root_crl": Rule(everyone(200)),
    # Net Desk (contractors).
    "netdesk:login": Rule(everyone(200)),
    "netdesk:logout": Rule(everyone(405)),  # POST only
    "netdesk:home": Rule(netdesk()),
    "netdesk:help": Rule(netdesk()),
    "netdesk:application_list": Rule(netdesk()),
    "netdesk:application_new": Rule(netdesk()),
    "netdesk:application_detail": Rule(netdesk(200, 404), lambda w: {"pk": w.issued.pk}),
    "netdesk:application_edit": Rule(netdesk(200, 404), lambda w: {"pk": w.draft.pk}),
    "netdesk:application_confirm": Rule(netdesk(200, 404), lambda w: {"pk": w.draft.pk}),
    "netdesk:application_done": Rule(netdesk(200, 404), lambda w: {"pk": w.submitted.pk}),
    "netdesk:application_withdraw": Rule(netdesk(200, 404), lambda w: {"pk": w.submitted.pk}),
    "netdesk:intermediate_withdraw": Rule(netdesk(200, 404), lambda w: {"pk": w.submitted.pk}),
    "netdesk:application_delete": Rule(netdesk(200, 404), lambda w: {"pk": w.draft.pk}),
    "netdesk:contract_list": Rule(netdesk()),
    "netdesk:contract_detail": Rule(netdesk(200, 404), contract),
    "netdesk:key_notice_pdf": Rule(netdesk(200, 404), contract),
    "netdesk:certificate_window": Rule(netdesk(200, 404), contract_version),
    "netdesk:certificate_pdf": Rule(netdesk(200, 404), contract_version),
    "netdesk:certificate_proof": Rule(netdesk(200, 404), contract),
    "netdesk:amendment_new": Rule(netdesk(200, 404), contract),
    "netdesk:intermediate_new": Rule(netdesk(200, 404), contract),
    "netdesk:fee_statement_list": Rule(netdesk()),
    "netdesk:authenticity": Rule(netdesk()),  # an upload form; what an upload finds is tests/netdesk
    "netdesk:fee_statement_pdf": Rule(netdesk(200, 404), lambda w: {"pk": w.fee_statement.pk}),
    # D-Sure (officials). Q is an official too, but 小谷村's certificate is not his body's.
    "dsure:login": Rule(everyone(200)),
    "dsure:logout": Rule(everyone(405)),  # POST only
    "dsure:home": Rule(dsure()),
    "dsure:history": Rule(dsure()),
    "dsure:certificate": Rule(dsure(200, 404), certificate),
    "dsure:certificate_version": Rule(dsure(200, 404), certificate_version),
    "dsure:certificate_print": Rule(dsure(200, 404), certificate_version),
    "dsure:certificate_pdf": Rule(dsure(200, 404), certificate_version),
    "dsure:certificate_proof": Rule(dsure(200, 404), certificate),
    "dsure:inbox": Rule(dsure()),  # each body's own list: Q's is empty (leak check)
    "dsure:authenticity": Rule(dsure()),  # an upload form; what an upload finds is tests/dsure
    "dsure:inbox_csv": Rule(dsure()),  # each body's own certificates (Q's list is empty)
    "dsure:inbox_open": Rule(dsure(REDIRECT, 404), certificate),  # P's body viewed it once; Q's did not
    "dsure:notices": Rule(dsure()),  # each body's own notices: Q's list is empty (leak check)
    "dsure:notice_open": Rule(dsure(REDIRECT, 404), lambda w: {"public_id": notice(w).public_id}),
    # The JSON API: POST only, bearer token (no cookies, no personas); the description is public.
    "dsure:api_verify": Rule(everyone(405)),
    "dsure:api_openapi": Rule(everyone(200)),
    "dsure:api_webhooks": Rule(everyone(401)),  # the bearer token is the only credential, never a session
    "dsure:api_webhook": Rule(everyone(405), lambda w: {"pk": 1}),  # DELETE only
    "dsure:api_not_found": Rule(everyone(404), lambda world: {"rest": "v1/nothing"}),
    # D-Sure's entry for the surety company's client (DSURE_URL): an issuer's bearer token, never a session.
    "dsure:surety_postings": Rule(everyone(405)),  # POST only
    "dsure:surety_first_views": Rule(everyone(401)),
    "dsure:surety_proof": Rule(everyone(401), lambda w: {"number": w.contract.number}),
    # The transparency log is public.
    "dsure:log_checkpoint": Rule(everyone(200)),
    "dsure:log_key": Rule(everyone(200)),
    "dsure:log_entry": Rule(everyone(200), lambda w: {"index": 0}),
    "dsure:log_proof_inclusion": Rule(everyone(200), query={"index": 0, "size": 1}),
    "dsure:log_proof_consistency": Rule(everyone(200), query={"first": 1, "second": 1}),
    # The admin site's own pages.
    "admin:index": Rule(staff()),
    "admin:login": Rule({**everyone(200), **dict.fromkeys(STAFF, REDIRECT)}),
    "admin:logout": Rule({**everyone(REDIRECT), **dict.fromkeys(STAFF, 405)}),
    "admin:password_change": Rule(staff()),
    "admin:password_change_done": Rule(staff()),
    "admin:jsi18n": Rule(staff()),
    # Autocomplete of Member.company: only who may view companies (the superuser).
    "admin:autocomplete": Rule(
        staff(403, superuser=200),
        query={"app_label": "netdesk", "model_name": "member", "field_name": "company", "term": "建設"},
    ),
    # No model has get_absolute_url: "view on site" is a 404 for staff, whatever the object.
    "admin:view_on_site": Rule(
        staff(404),
        lambda w: {
            "content_type_id": ContentType.objects.get_for_model(GuaranteeContract).pk,
            "object_id": w.contract.pk,
        },
    ),
    "admin:app_list": Rule(
        lambda kwargs: staff(200 if kwargs["app_label"] in CLERK_APPS else 404, superuser=200),
        lambda w: [{"app_label": label} for label in ADMIN_APPS],
    ),
    "admin/(?P<url>.*)$": Rule(staff(404), lambda w: {"url": "no-such-page/"}),  # the admin's catch-all
    "admin:auth_user_password_change": Rule(
        staff(403, superuser=200), lambda w: {"id": w.users[CONTRACTOR_A].pk}
    ),
    # Clerks' operations on contracts: their own branch only.
    "admin:issuers_contract_correct": Rule(staff(200, 404), contract),
    "admin:issuers_contract_cancel_change": Rule(staff(200, 404), contract),
    "admin:issuers_contract_reissue_key": Rule(staff(200, 404), contract),
    "admin:issuers_contract_revoke": Rule(staff(200, 404), contract),
    "admin:issuers_contract_version_pdf": Rule(staff(200, 404), contract_version),
    "admin:issuers_contract_key_notice_pdf": Rule(
        staff(200, 404), lambda w: {"pk": w.contract.pk, "key_pk": w.contract.keys.get().pk}
    ),
    "admin:issuers_contract_resend_mail": Rule(staff(200, 404), contract),
    # CSV of the clerk's lists: every clerk gets their own branch's rows (tests/netdesk/test_admin_csv.py).
    "admin:netdesk_application_csv": Rule(staff()),
    "admin:issuers_guaranteecontract_csv": Rule(staff()),
    "admin:issuers_feestatement_csv": Rule(staff()),
    "admin:issuers_contract_fee_pdf": Rule(
        staff(200, 404), lambda w: {"pk": w.contract.pk, "statement_pk": w.fee_statement.pk}
    ),
    # The review queue's buttons (GET only redirects back to the review page; they act on POST). 発行
    # answers a GET with its confirmation page.
    "admin:netdesk_application_review": Rule(staff(REDIRECT, 404), lambda w: {"pk": w.submitted.pk}),
    "admin:netdesk_application_return": Rule(staff(200, 404), lambda w: {"pk": w.submitted.pk}),
    "admin:netdesk_application_certification": Rule(
        staff(200, 404),
        lambda w: {"pk": w.submitted.pk, "request_pk": w.submitted_intermediate.pk},
    ),
    "admin:netdesk_application_issue": Rule(
        staff(200, 404),
        lambda w: {"pk": w.submitted.pk, "request_pk": w.submitted_advance.pk},
    ),
    "admin:netdesk_amendment_issue": Rule(staff(REDIRECT, 404), lambda w: {"pk": w.amendment.pk}),
    "admin:netdesk_amendment_return": Rule(staff(200, 404), lambda w: {"pk": w.amendment.pk}),
}

# -- the admin's model URLs ------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminModel:
    """clerk: what the clerks' group grants ("none", "view", "change"); scoped: a clerk of another
    branch gets 404 on its objects; add/delete: whether the admin offers them at all (to the
    superuser; clerks never add or delete); cross_branch: clerks see every branch's rows (documented,
    so the leak check skips these pages for clerks)."""

    obj: Callable[[World], object]
    clerk: str = "none"
    scoped: bool = False
    add: bool = True
    delete: bool = True
    cross_branch: bool = False


READ_ONLY = {"add": False, "delete": False}
ADMIN_MODELS: dict[str, AdminModel] = {
    "auth.group": AdminModel(lambda w: w.users[CLERK_X].groups.get()),
    "django_tasks_database.dbtaskresult": AdminModel(lambda w: w.task_result, **READ_ONLY),
    "accounts.user": AdminModel(lambda w: w.users[CONTRACTOR_A]),
    "accounts.loginfailure": AdminModel(lambda w: w.login_failure, **READ_ONLY),
    "accounts.tokenbucket": AdminModel(lambda w: w.token_bucket, add=False),
    "audit.auditentry": AdminModel(lambda w: w.audit_entry, **READ_ONLY),
    "audit.archivedsegment": AdminModel(archived_segment, **READ_ONLY),
    "dsure.body": AdminModel(lambda w: w.certificate.body),
    "dsure.official": AdminModel(lambda w: w.users[OFFICIAL_P].official),
    "dsure.certificate": AdminModel(lambda w: w.certificate, **READ_ONLY),
    "dsure.postedversion": AdminModel(lambda w: w.posted_version, **READ_ONLY),
    "dsure.lookupattempt": AdminModel(lambda w: w.lookup, clerk="view", cross_branch=True, **READ_ONLY),
    "dsure.certificateevent": AdminModel(notice, **READ_ONLY),
    "dsure.delivery": AdminModel(delivery, **READ_ONLY),
    "dsure.webhookendpoint": AdminModel(
        lambda w: webhook_endpoint_create(
            api_client=api_client_create(body=w.certificate.body, name="電子契約システム（Webhook）")[0],
            url="https://keiyaku.vill.otari.example/dsure-events",
            event_kinds=["changed"],
        )[0],
        **READ_ONLY,
    ),
    "dsure.apiclient": AdminModel(
        lambda w: (
            w.certificate.body.api_clients.first()
            or api_client_create(body=w.certificate.body, name="電子契約システム")[0]
        ),
        **READ_ONLY,
    ),
    "issuers.guaranteecontract": AdminModel(lambda w: w.contract, clerk="view", scoped=True, **READ_ONLY),
    "issuers.certificateversion": AdminModel(lambda w: w.version, clerk="view", scoped=True, **READ_ONLY),
    "issuers.feestatement": AdminModel(lambda w: w.fee_statement, clerk="view", scoped=True, **READ_ONLY),
    "issuers.contractevent": AdminModel(
        lambda w: w.contract.events.first(), clerk="view", scoped=True, **READ_ONLY
    ),
    "issuers.outboundmail": AdminModel(lambda w: w.mail, **READ_ONLY),
    "issuers.dsureposting": AdminModel(lambda w: w.contract.postings.first(), **READ_ONLY),
    "issuers.suretycompany": AdminModel(lambda w: w.branch_x.company),
    "issuers.branch": AdminModel(lambda w: w.branch_x),
    "issuers.orderingbody": AdminModel(lambda w: w.body_p, clerk="view"),
    "issuers.feerate": AdminModel(lambda w: FeeRate.objects.get(product=w.contract.product)),
    "issuers.clerk": AdminModel(lambda w: w.users[CLERK_X].clerk),
    "netdesk.application": AdminModel(lambda w: w.issued, clerk="change", scoped=True, **READ_ONLY),
    "netdesk.company": AdminModel(lambda w: w.company_a),
    "netdesk.member": AdminModel(lambda w: w.users[CONTRACTOR_A].member),
    "netdesk.amendmentrequest": AdminModel(lambda w: w.amendment, clerk="change", scoped=True, **READ_ONLY),
}
ADMIN_KINDS = ("changelist", "add", "change", "delete", "history")


def admin_model_expect(model: AdminModel, kind: str) -> dict:
    if kind == "redirect":  # admin/<app>/<model>/<id>/ → …/change/ for staff, before any model check
        return staff(REDIRECT)
    may_view = model.clerk != "none"
    clerk = {
        "changelist": 200 if may_view else 403,
        "add": 403,
        "change": 200 if may_view else 403,
        "delete": 403,
        "history": 200 if may_view else 403,
    }[kind]
    # The scoped admins look the object up in the clerk's branch before checking any permission.
    other_branch = 404 if model.scoped and kind in ("change", "delete", "history") else clerk
    superuser = {"add": 200 if model.add else 403, "delete": 200 if model.delete else 403}.get(kind, 200)
    return staff(clerk, other_branch, superuser=superuser)


# -- walking the resolver -------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the pattern's full route, e.g. "netdesk/applications/<id:pk>/"
    name: str | None  # the namespaced name, e.g. "netdesk:application_detail"

    @property
    def key(self) -> str:
        return self.name or self.route


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Route(prefix + str(pattern.pattern), name)


def project_routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


ADMIN_REDIRECT = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")


def admin_model_urls() -> dict[str, tuple[str, str]]:
    """{"admin:netdesk_application_change": ("netdesk.application", "change"), …} for every registered
    model, whether or not ADMIN_MODELS knows it."""
    names = {}
    for model in admin.site._registry:
        for kind in ADMIN_KINDS:
            names[f"admin:{model._meta.app_label}_{model._meta.model_name}_{kind}"] = (
                model._meta.label_lower,
                kind,
            )
    return names


def classify(route: Route, model_urls=None):
    """("rule", Rule) or ("model", label, kind), or None when nothing says how to authorize it."""
    model_urls = admin_model_urls() if model_urls is None else model_urls
    if route.key in RULES:
        return ("rule", RULES[route.key])
    if route.name in model_urls:
        label, kind = model_urls[route.name]
        return ("model", label, kind) if label in ADMIN_MODELS else None
    match = ADMIN_REDIRECT.match(route.route)
    if route.name is None and match:
        label = f"{match['app']}.{match['model']}"
        return ("model", label, "redirect") if label in ADMIN_MODELS else None
    return None


def missing_rules(routes) -> list[str]:
    model_urls = admin_model_urls()
    return [
        f"new URL without an authorization rule: {route.key} (/{route.route})"
        for route in routes
        if classify(route, model_urls) is None
    ]


# -- the cases --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    key: str
    url: str
    expect: dict
    query: dict
    cross_branch: bool = False

    @property
    def area(self) -> str:
        first = self.url.strip("/").split("/")[0]
        return first if first in LOGIN_URLS else "public"


def build_url(route: Route, kwargs: dict) -> str:
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    if route.route == "admin/(?P<url>.*)$":
        return "/admin/" + kwargs["url"]
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), route.route)


def cases(world: World) -> list[Case]:
    routes = project_routes()
    missing = missing_rules(routes)
    assert not missing, "\n".join(missing)
    result = []
    for route in routes:
        kind, *details = classify(route)
        if kind == "rule":
            (rule,) = details
            all_kwargs = rule.kwargs(world)
            for kwargs in all_kwargs if isinstance(all_kwargs, list) else [all_kwargs]:
                expect = rule.expect(kwargs) if callable(rule.expect) else rule.expect
                result.append(Case(route.key, build_url(route, kwargs), expect, rule.query))
        else:
            label, admin_kind = details
            model = ADMIN_MODELS[label]
            kwargs = {} if admin_kind in ("changelist", "add") else {"object_id": model.obj(world).pk}
            result.append(
                Case(
                    route.key if route.name else f"{label} {admin_kind}",
                    build_url(route, kwargs),
                    admin_model_expect(model, admin_kind),
                    {},
                    cross_branch=model.cross_branch,
                )
            )
    return result


# -- what a response means -----------------------------------------------------------------------------


def outcome(response, case: Case):
    if response.status_code == 302:
        login = LOGIN_URLS.get(case.area)
        location = response["Location"]
        return LOGIN if login and location.startswith(login + "?next=") else REDIRECT
    if response.status_code == 403 and case.area in ("netdesk", "dsure"):
        templates = {t.name for t in response.templates}
        if "portal_forbidden.html" not in templates:
            return "403 without the portal's refusal page"
    return response.status_code


def foreign_markers(world: World, persona: str) -> list[str]:
    """What this persona must never see: the other company's / branch's / body's work and numbers."""
    a_numbers = world.contract_numbers_a
    a_works = [A_ISSUED_WORK, A_SUBMITTED_WORK, A_DRAFT_WORK]
    return {
        ANONYMOUS: [*a_works, *a_numbers, B_WORK],
        CONTRACTOR_A: [B_WORK],
        CONTRACTOR_B: [*a_works, *a_numbers],
        CLERK_X: [B_WORK, A_DRAFT_WORK],  # drafts never reach the branch
        CLERK_Y: [*a_works, *a_numbers],
        OFFICIAL_P: [B_WORK],
        # Q typed A's number himself (log_in), so his 閲覧履歴 shows it; the certificate must not show.
        OFFICIAL_Q: [*a_works, B_WORK],
        SUPERUSER: [A_DRAFT_WORK],  # the admin never lists drafts
    }[persona]


def page_text(response) -> str | None:
    if response.streaming or "text/html" not in response.get("Content-Type", ""):
        return None
    return response.content.decode()


# -- what a refused persona tries to POST ---------------------------------------------------------------


def payload(world: World, case: Case) -> dict:
    """Enough for each state-changing endpoint to act if it wrongly let the request through."""
    if case.area == "admin":
        return {
            "reason": "不正な再発行",
            "message": "不正な差戻し",
            "work_name": "不正な訂正",
            "post": "yes",  # confirms a delete
            "confirm_issue": "発行する",  # confirms a 発行, one or in bulk
            "confirm": "yes",  # confirms an operation with nothing to type (再送)
            "request": [world.submitted_advance.pk],
            "action": "issue_all",
            "index": "0",
            "_selected_action": [world.submitted.pk, world.issued.pk, world.amendment.pk],
            "username": "intruder",
            "password1": "Intruder-passw0rd!",
            "password2": "Intruder-passw0rd!",
            "name": "不正",
            "code": "999999",
        }
    if case.area == "dsure":
        return {"number": world.contract.number, "key": world.key}
    data = valid_post(world.body_p, world.branch_x, work_name="不正な書き換え", action="confirm")
    data.update(
        client_token=str(world.draft.client_token),
        format="electronic",
        guarantee_amount="25,000,000",
        period_end="2027-09-30",
    )
    return data


REFUSALS = (LOGIN, 403, 404)


def finish(response) -> None:
    """Read a streamed file to the end: the test client's wrapper then closes it without firing
    request_finished again (an explicit close() would, and that closes the test's PostgreSQL
    connection)."""
    if response.streaming:
        b"".join(response.streaming_content)


def snapshot() -> dict:
    """Every row of every table the project writes (sessions aside)."""
    labels = ("accounts", "auth", "admin", "audit", "dsure", "issuers", "netdesk", "django_tasks_database")
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


def diff(before: dict, after: dict) -> list[str]:
    changed = []
    for label, rows in after.items():
        if rows != before[label]:
            new = [row for row in rows if row not in before[label]]
            gone = [row for row in before[label] if row not in rows]
            changed.append(f"{label}: +{new} -{gone}")
    return changed


# -- the tests -------------------------------------------------------------------------------------------


def test_every_url_has_exactly_one_rule():
    routes = project_routes()
    assert not missing_rules(routes), "\n".join(missing_rules(routes))
    keys = {route.key for route in routes}
    stale = sorted(set(RULES) - keys)
    assert not stale, f"rules for URLs that no longer exist: {stale}"
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert set(ADMIN_MODELS) == registered, (
        f"admin models without a row in ADMIN_MODELS: {sorted(registered - set(ADMIN_MODELS))}; "
        f"rows for models no longer registered: {sorted(set(ADMIN_MODELS) - registered)}"
    )


def test_a_new_url_without_a_rule_is_named():
    def export(request):  # pragma: no cover - never called
        raise AssertionError

    extra = [
        path("netdesk/export/", include(([path("all/", export, name="export_all")], "netdesk"))),
        path("metrics", export),
    ]
    routes = project_routes() + list(walk(extra))
    assert missing_rules(routes) == [
        "new URL without an authorization rule: netdesk:export_all (/netdesk/export/all/)",
        "new URL without an authorization rule: metrics (/metrics)",
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_every_persona_as_the_rules_say(client, world, persona):
    log_in(client, world, persona)
    all_cases = cases(world)
    markers = foreign_markers(world, persona)
    failures, refused = [], []
    for case in all_cases:
        response = client.get(case.url, case.query)
        got, want = outcome(response, case), case.expect[persona]
        if got != want:
            failures.append(f"GET {case.url} ({case.key}): expected {want}, got {got}")
        checked = got == 200 and not (case.cross_branch and persona in STAFF)
        if checked and (text := page_text(response)) is not None:
            leaked = [marker for marker in markers if marker in text]
            if leaked:
                failures.append(f"GET {case.url} ({case.key}) shows {leaked} to {persona}")
        if got in REFUSALS:
            refused.append((case, got))
        finish(response)

    # Wherever the GET was refused, a POST is refused too and changes nothing.
    before = snapshot()
    for case, got in refused:
        query = f"?{urlencode(case.query)}" if case.query else ""
        response = client.post(case.url + query, payload(world, case))
        posted = outcome(response, case)
        if posted not in (got, 405):
            failures.append(f"POST {case.url} ({case.key}): GET was refused with {got}, POST got {posted}")
        finish(response)
    changed = diff(before, snapshot())
    assert not changed, f"refused POSTs of {persona} changed the database:\n" + "\n".join(changed)
    assert not failures, f"{len(failures)} of {len(all_cases)} URLs for {persona}:\n" + "\n".join(failures)


def test_list_actions_and_tokens_cannot_reach_another_branchs_or_companys_rows(world):
    """The changelist actions run on the clerk's own queryset: clerk Y selecting branch X's applications
    issues and reviews nothing, and nobody deletes through the list. A new-application POST carrying
    A's client_token is B's 404."""
    yuki, xavier, bob = (log_in(Client(), world, persona) for persona in (CLERK_Y, CLERK_X, CONTRACTOR_B))
    before = snapshot()
    selected = [world.submitted.pk, world.issued.pk]
    for action in ("issue_all", "mark_reviewing", "delete_selected"):
        data = {
            "action": action,
            "index": "0",
            "_selected_action": selected,
            "post": "yes",
            "confirm_issue": "発行する",
            "request": [world.submitted_advance.pk],
        }
        assert yuki.post("/admin/netdesk/application/", data).status_code in (200, 302), action
        if action == "delete_selected":
            assert xavier.post("/admin/netdesk/application/", data).status_code in (200, 302)
    data = payload(world, Case("netdesk:application_new", "/netdesk/applications/new/", {}, {}))
    assert bob.post("/netdesk/applications/new/", {**data, "action": "save"}).status_code == 404
    assert diff(before, snapshot()) == []
