"""One small world for the security tests, built through the real services.

Contractor A (北アルプス建設) has three applications to 長野支店 (branch X) for 小谷村 (body P): one
issued electronic by clerk X (both products: contracts, versions, keys, key notices, fee statements,
D-Sure certificates, an issue e-mail in the outbox), one submitted and waiting, one draft; plus a
変更の申込 on the issued 前払金保証. Contractor B (那須野土木) has one application submitted to 栃木支店
(branch Y) for 栃木県 (body Q). Official P has looked A's certificate up once; someone mistyped
alice's password once (a LoginFailure and token buckets); the task queue holds one row.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from accounts.models import LoginFailure, TokenBucket
from audit.models import AuditEntry
from audit.sequencer import sequence_pending
from dsure import transparency
from dsure.models import Certificate, LookupAttempt, PostedVersion
from issuers import services as issuers_services
from issuers.amendments import Amendment
from issuers.models import FeeRate, FeeStatement, OutboundMail
from netdesk import services
from netdesk.models import ProductRequest, Status
from netdesk.roles import clerk_group
from tests import factories
from tests.netdesk.contracts_helpers import issue_application

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)

PERSONAS = (
    "anonymous",
    "contractor_a",
    "contractor_b",
    "clerk_x",
    "clerk_y",
    "official_p",
    "official_q",
    "superuser",
)

# Work names that identify each company's rows on any page (leak checks).
A_ISSUED_WORK = "中小谷地区道路改良工事"
A_SUBMITTED_WORK = "中小谷地区橋梁補修工事"
A_DRAFT_WORK = "中小谷地区砂防工事"
B_WORK = "那須野地区舗装工事"


@dataclass
class World:
    users: dict
    company_a: object
    company_b: object
    branch_x: object
    body_p: object
    issued: object  # A's issued Application
    advance: object  # its 前払金保証 ProductRequest
    performance: object  # its 契約保証 ProductRequest
    contract: object  # the 前払金保証 GuaranteeContract
    version: object  # its CertificateVersion 1
    fee_statement: object
    key: str
    certificate: object  # dsure.Certificate of the contract
    posted_version: object
    amendment: object  # A's open 変更の申込 on the contract
    submitted: object  # A's submitted (not yet reviewed) Application
    submitted_advance: object
    submitted_intermediate: object  # its 中間前払金保証, with a 認定調書
    draft: object  # A's draft Application
    application_b: object  # B's submitted Application
    lookup: object  # official P's successful LookupAttempt
    login_failure: object
    token_bucket: object
    audit_entry: object
    mail: object
    task_result: object
    markers: dict = field(default_factory=dict)

    @property
    def contract_numbers_a(self) -> list[str]:
        return [self.advance.contract.number, self.performance.contract.number]


def build_world(
    *,
    company_a,
    company_b,
    contractor_a,
    contractor_b,
    branch_x,
    branch_y,
    body_p,
    body_q,
    clerk_x,
    clerk_y,
    official_p,
    official_q,
    superuser,
) -> World:
    """Call with time frozen at NOW (after 小谷村's e-surety start)."""
    _fee_rates()
    advance, performance = issue_application(
        company=company_a, contractor=contractor_a, body=body_p, branch=branch_x, clerk=clerk_x
    )
    contract = advance.contract
    amendment = services.amendment_submit(
        product_request=advance,
        by=contractor_a,
        client_token=uuid.uuid4(),
        format="electronic",
        terms=Amendment(guarantee_amount=25_000_000),
        reason="変更契約の締結",
    )
    submitted = factories.ApplicationFactory(
        company=company_a,
        created_by=contractor_a,
        ordering_body=body_p,
        branch=branch_x,
        work_name=A_SUBMITTED_WORK,
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
    )
    # A 中間前払金保証 sent with its 認定調書 (the clerk's download is scoped like the rest).
    intermediate = ProductRequest(
        application=submitted,
        product="intermediate",
        requested=True,
        status=Status.SUBMITTED,
        format="electronic",
        guarantee_amount=10_000_000,
    )
    intermediate.certification_document.save("nintei.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    intermediate.save()
    draft = factories.ApplicationFactory(
        company=company_a,
        created_by=contractor_a,
        ordering_body=body_p,
        branch=branch_x,
        work_name=A_DRAFT_WORK,
    )
    application_b = factories.ApplicationFactory(
        company=company_b,
        created_by=contractor_b,
        ordering_body=body_q,
        branch=branch_y,
        work_name=B_WORK,
        work_location="栃木県那須郡見本町地内",
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
    )
    key = issuers_services.current_key(contract)

    # Official P unlocks A's certificate once (in a session of its own): a LookupAttempt, a first view.
    paul = Client()
    paul.force_login(official_p)
    assert paul.post("/dsure/", {"number": contract.number, "key": key}).status_code == 302
    # Somebody mistypes alice's password once: a LoginFailure, token buckets, an audit entry.
    Client().post("/netdesk/login/", {"username": "alice", "password": "not-her-password"})
    task_result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"mail_id": 0}},
        task_path="issuers.mail.deliver_mail",
        backend_name="default",
        run_after=get_date_max(),  # what the database backend stores for "as soon as possible"
    )
    clerk_group()  # the clerks' permission group exists (factories add it)

    certificate = Certificate.objects.get(number=contract.number)
    sequence_pending()  # as after the commits the test's transaction never makes
    transparency.sequence_pending()
    return World(
        users={
            "anonymous": None,
            "contractor_a": contractor_a,
            "contractor_b": contractor_b,
            "clerk_x": clerk_x,
            "clerk_y": clerk_y,
            "official_p": official_p,
            "official_q": official_q,
            "superuser": superuser,
        },
        company_a=company_a,
        company_b=company_b,
        branch_x=branch_x,
        body_p=body_p,
        issued=advance.application,
        advance=advance,
        performance=performance,
        contract=contract,
        version=contract.versions.get(sequence=1),
        fee_statement=FeeStatement.objects.filter(contract=contract).first(),
        key=key,
        certificate=certificate,
        posted_version=PostedVersion.objects.get(certificate=certificate, sequence=1),
        amendment=amendment,
        submitted=submitted,
        submitted_advance=submitted.products.get(product="advance"),
        submitted_intermediate=intermediate,
        draft=draft,
        application_b=application_b,
        lookup=LookupAttempt.objects.get(official__user=official_p),
        login_failure=LoginFailure.objects.get(),
        token_bucket=TokenBucket.objects.first(),
        audit_entry=AuditEntry.objects.order_by("pk").first(),
        mail=OutboundMail.objects.order_by("pk").first(),
        task_result=task_result,
    )


def _fee_rates():
    FeeRate.objects.get_or_create(product="advance", defaults={"annual_rate": "0.00250", "minimum_fee": 3000})
    FeeRate.objects.get_or_create(
        product="performance", defaults={"annual_rate": "0.00400", "minimum_fee": 3000}
    )


def log_in(client: Client, world: World, persona: str) -> Client:
    user = world.users[persona]
    if user is not None:
        client.force_login(user)
    if persona.startswith("official_"):
        # D-Sure pages need the certificate unlocked in this session: P's lookup succeeds, Q's fails.
        response = client.post("/dsure/", {"number": world.contract.number, "key": world.key})
        assert response.status_code == (302 if persona == "official_p" else 200)
    return client
