"""`manage.py bench_load --certificates N`: N issued electronic certificates, fast, for the benchmarks.

Not the issue service one by one (`bench_issue` measures that): the rows the service would write for a
新規 are computed here and written with PostgreSQL's COPY, 10,000 contracts at a time —
applications and product requests (発行済) of contractor companies, GuaranteeContract, CertificateVersion
(the frozen content), KeyIssue (the key encrypted with issuers.keys), FeeStatement, the two
ContractEvent rows, and on D-Sure's side Certificate (HMAC digest of the key, dsure.digest) and
PostedVersion. All certificate, notice and fee PDFs point at one pre-rendered file each.

One company gets `--big-company` contracts (the Net Desk list benchmark). A few (number, key) pairs of
小谷村's certificates, the bench accounts and their password go to `--out` (JSON) for the load generator.
Needs PostgreSQL and an empty database with the migrations applied.
"""

import datetime
import json
import random
import secrets
import time
import uuid
from collections import defaultdict
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from common.encryption import _fernet
from dsure.digest import key_digest
from dsure.models import Body, Certificate, Official, PostedVersion
from issuers import documents, fees
from issuers.documents.samples import SAMPLE_KEY, sample_content, sample_fee_statement
from issuers.keys import KEY_ALPHABET, KEY_LENGTH
from issuers.models import (
    Branch,
    CertificateVersion,
    Clerk,
    ContractCounter,
    ContractEvent,
    DsurePosting,
    FeeRate,
    FeeStatement,
    GuaranteeContract,
    KeyIssue,
    OrderingBody,
    Product,
    SuretyCompany,
)
from issuers.numbers import fiscal_year, format_number
from netdesk import reference_data as data
from netdesk.models import Application, Company, Member, ProductRequest, Status
from netdesk.roles import clerk_group

LOOKUP_BODY = "204862"  # 小谷村: the bench officials' body, and the body of the remembered pairs
CHUNK = 10_000  # contracts per round of COPY statements
CONTRACTS_PER_COMPANY = 100  # every company but the big one
YEARS = 5  # contracts are spread over this many fiscal years, up to today

BIG_COMPANY = {
    "name": "見本建設（ベンチマーク）株式会社",
    "address": "長野県北安曇郡小谷村大字中小谷9-9-9",
    "representative": "代表取締役 見本 太郎",
}
WORKS = ["道路改良工事", "橋梁補修工事", "河川護岸工事", "砂防堰堤工事", "舗装補修工事", "下水道管渠工事"]
DISTRICTS = ["中小谷", "北小谷", "千国", "南小谷", "石坂", "大網", "来馬", "土谷"]


class Command(BaseCommand):
    help = "Bulk-load N issued electronic certificates into PostgreSQL for `make bench`."

    def add_arguments(self, parser):
        parser.add_argument("--certificates", type=int, default=100_000)
        parser.add_argument("--big-company", type=int, default=10_000, help="contracts of one company")
        parser.add_argument("--officials", type=int, default=8, help="D-Sure officials of 小谷村")
        parser.add_argument("--pairs", type=int, default=200, help="(number, key) pairs to remember")
        parser.add_argument("--out", required=True, help="JSON file for the load generator")
        parser.add_argument("--seed", type=int, default=20260401)

    def handle(self, *args, certificates, big_company, officials, pairs, out, seed, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_load writes with COPY: set DATABASE_URL to a PostgreSQL database.")
        if GuaranteeContract.objects.exists():
            raise CommandError("The database already holds contracts: bench_load wants a fresh one.")
        started = time.monotonic()
        _reference_data()
        password = secrets.token_urlsafe(18)
        accounts = _accounts(password, officials=officials)
        loader = _Loader(
            total=certificates,
            big=min(big_company, certificates),
            accounts=accounts,
            rng=random.Random(seed),
        )
        with transaction.atomic():
            loader.load(stdout=self.stdout)
            copied = time.monotonic()
        committed = time.monotonic()
        _analyze()
        self.stdout.write(
            f"  copy {copied - started:.1f} s, commit (deferred foreign keys) {committed - copied:.1f} s, "
            f"vacuum analyze {time.monotonic() - committed:.1f} s"
        )
        remembered = loader.remembered(pairs)
        Path(out).write_text(
            json.dumps(
                {
                    "certificates": certificates,
                    "big_company_contracts": loader.big,
                    "password": password,
                    "officials": accounts["officials"],
                    "contractor": accounts["contractor"],
                    "clerk": accounts["clerk"],
                    "pairs": remembered,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        Path(out).chmod(0o600)
        self.stdout.write(
            f"bench_load: {certificates} certificates ({loader.big} on one company, "
            f"{loader.companies} companies) in {time.monotonic() - started:.1f} s → {out}"
        )


def _reference_data():
    """The leaflets' surety company, branches, ordering bodies (and their D-Sure bodies) and fee rates,
    as `seed_demo` loads them, without its demo accounts."""
    company = SuretyCompany.objects.create(**data.SURETY_COMPANY)
    for branch in data.BRANCHES:
        Branch.objects.create(**branch, company=company)
    for code, name, head_title, prefecture, start in data.ORDERING_BODIES:
        OrderingBody.objects.create(
            code=code, name=name, head_title=head_title, prefecture=prefecture, esurety_start=start
        )
        if start is not None:
            Body.objects.create(code=code, name=name)
    for rate in data.FEE_RATES:
        FeeRate.objects.create(**rate)


def _accounts(password: str, *, officials: int) -> dict:
    """The bench's own accounts, all with one random password (hashed once: PBKDF2 is slow on purpose)."""
    User = get_user_model()
    hashed = make_password(password)
    company = Company.objects.create(**BIG_COMPANY)

    def user(username, **extra):
        return User.objects.create(username=username, password=hashed, **extra)

    contractor = user("bench-contractor")
    Member.objects.create(user=contractor, company=company)
    clerk = user("bench-clerk", is_staff=True)
    clerk.groups.add(clerk_group())
    Clerk.objects.create(user=clerk, branch=Branch.objects.order_by("code").first())
    body = Body.objects.get(code=LOOKUP_BODY)
    names = []
    for n in range(1, officials + 1):
        official = user(f"bench-official-{n:02d}", last_name=f"見本職員{n:02d}")
        Official.objects.create(user=official, body=body)
        names.append(official.username)
    return {
        "contractor": contractor.username,
        "contractor_id": contractor.pk,
        "company_id": company.pk,
        "clerk": clerk.username,
        "clerk_id": clerk.pk,
        "officials": names,
    }


def _shared_pdfs() -> dict[str, str]:
    """One certificate, notice and fee PDF for every row (rendering 100,000 would take hours)."""
    files = {
        "certificate": documents.render_certificate(sample_content()),
        "notice": documents.render_key_notice(sample_content(), SAMPLE_KEY),
        "fee": documents.render_fee_statement(sample_fee_statement()),
    }
    # Saved under a new name each load: stored documents are never overwritten or deleted.
    return {name: default_storage.save(f"bench/{name}.pdf", ContentFile(pdf)) for name, pdf in files.items()}


class _Ids:
    """Primary keys handed out here (COPY bypasses the sequences); the sequences are moved past them."""

    def __init__(self):
        self.next: dict[type, int] = {}

    def take(self, model) -> int:
        if model not in self.next:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608
                self.next[model] = cursor.fetchone()[0]
        value = self.next[model]
        self.next[model] = value + 1
        return value

    def fix_sequences(self):
        with connection.cursor() as cursor:
            for model in self.next:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
                )


def _copy(model, rows: list[dict]) -> None:
    """COPY rows (dicts of attname → value) into the model's table. Fields left out take their
    model default, computed once (callable defaults must be given)."""
    if not rows:
        return
    fields = list(model._meta.concrete_fields)
    defaults = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[n] if n in row else defaults[n] for n in names])


class _Loader:
    def __init__(self, *, total: int, big: int, accounts: dict, rng: random.Random):
        self.total, self.big, self.accounts, self.rng = total, big, accounts, rng
        self.apps = (total + 1) // 2  # two products (前払金保証, 契約保証) per application
        big_apps = (big + 1) // 2
        self.big_stride = max(1, self.apps // max(big_apps, 1))
        self.big_apps = big_apps
        other_apps = self.apps - big_apps
        self.companies = 1 + -(-other_apps // (CONTRACTS_PER_COMPANY // 2))
        self.ids = _Ids()
        self.serials: dict[tuple[str, str, int], int] = defaultdict(int)
        self.candidates: list[dict] = []

    # -- the data ---------------------------------------------------------------------------------

    def load(self, *, stdout):
        self.pdfs = _shared_pdfs()
        self.fernet = _fernet()  # what common.encryption.encrypt uses, built once instead of per key
        self.surety = SuretyCompany.objects.get()
        self.branches = list(Branch.objects.order_by("code"))
        self.bodies = list(
            OrderingBody.objects.filter(esurety_start__lte=timezone.localdate()).order_by("code")
        )
        self.dsure_bodies = dict(Body.objects.values_list("code", "pk"))
        self.rates = {rate.product: rate for rate in FeeRate.objects.all()}
        self.now = timezone.now()
        first_year = fiscal_year(timezone.localdate(self.now)) - (YEARS - 1)
        self.start = timezone.make_aware(datetime.datetime(first_year, 4, 1, 9, 0))
        self.company_ids = self._companies()

        big_taken, other_index = 0, 0
        app_company = []
        for a in range(self.apps):
            if big_taken < self.big_apps and a % self.big_stride == 0:
                app_company.append(self.accounts["company_id"])
                big_taken += 1
            else:
                app_company.append(self.company_ids[other_index // (CONTRACTS_PER_COMPANY // 2)])
                other_index += 1
        for first in range(0, self.apps, CHUNK // 2):
            apps = range(first, min(first + CHUNK // 2, self.apps))
            self._chunk(apps, app_company)
            stdout.write(f"  {min(2 * apps.stop, self.total)} / {self.total} contracts")
        self.ids.fix_sequences()
        for (branch_code, product, year), serial in self.serials.items():
            ContractCounter.objects.update_or_create(
                branch=next(b for b in self.branches if b.code == branch_code),
                product=product,
                fiscal_year=year,
                defaults={"last_serial": serial},
            )

    def _companies(self) -> list[int]:
        rows = []
        ids = []
        for n in range(self.companies - 1):
            pk = self.ids.take(Company)
            ids.append(pk)
            rows.append(
                {
                    "id": pk,
                    "name": f"見本建設{n + 1:04d}株式会社",
                    "address": f"長野県北安曇郡小谷村大字{DISTRICTS[n % len(DISTRICTS)]}{n + 1}",
                    "representative": "代表取締役 見本 花子",
                }
            )
        _copy(Company, rows)
        return ids

    def _chunk(self, apps: range, app_company: list[int]):
        tables = defaultdict(list)
        clerk_id = self.accounts["clerk_id"]
        for a in apps:
            body = self.rng.choice(self.bodies)
            branch = self.rng.choice(self.branches)
            issued_at = self.start + (self.now - self.start) * (a / self.apps)
            issue_date = timezone.localdate(issued_at)
            period_start = issue_date + datetime.timedelta(days=7)
            period_end = period_start + datetime.timedelta(days=150 + a % 300)
            contract_amount = 10_000_000 + (a % 90) * 1_000_000
            work_name = f"{DISTRICTS[a % len(DISTRICTS)]}地区{WORKS[a % len(WORKS)]}（その{a % 7 + 1}）"
            work_location = f"{body.prefecture}{body.name}{DISTRICTS[a % len(DISTRICTS)]}地内"
            contractor_name = f"見本建設{a % 997:04d}株式会社"
            contractor_address = f"{body.prefecture}{body.name}見本町{a % 50 + 1}-{a % 9 + 1}"
            app_id = self.ids.take(Application)
            tables[Application].append(
                {
                    "id": app_id,
                    "company_id": app_company[a],
                    "created_by_id": self.accounts["contractor_id"],
                    "client_token": uuid.uuid4(),
                    "created_at": issued_at - datetime.timedelta(days=2),
                    "updated_at": issued_at,
                    "submitted_at": issued_at - datetime.timedelta(days=1),
                    "work_name": work_name,
                    "work_location": work_location,
                    "ordering_body_id": body.pk,
                    "contract_amount": contract_amount,
                    "period_start": period_start,
                    "period_end": period_end,
                    "contract_date": issue_date - datetime.timedelta(days=3),
                    "advance_planned": True,
                    "contractor_address": contractor_address,
                    "contractor_name": contractor_name,
                    "branch_id": branch.pk,
                    "notify_issued": False,
                    "contact_person": "見本 次郎",
                    "contact_phone": "0261-00-0000",
                }
            )
            for product in (Product.ADVANCE, Product.PERFORMANCE):
                if 2 * a + (product == Product.PERFORMANCE) >= self.total:
                    break
                advance = product == Product.ADVANCE
                guarantee_amount = contract_amount * (4 if advance else 1) // 10
                year = fiscal_year(issue_date)
                series = (branch.code, str(product), year)
                self.serials[series] += 1
                number = format_number(
                    branch_code=branch.code, product=product, fiscal_year=year, serial=self.serials[series]
                )
                content = {
                    "number": number,
                    "product": str(product),
                    "product_name": product.label,
                    "format": "electronic",
                    "change_no": 0,
                    "issue_date": issue_date.isoformat(),
                    "contractor_address": contractor_address,
                    "contractor_name": contractor_name,
                    "jv_name": "",
                    "beneficiary": body.head_title,
                    "ordering_body_name": body.name,
                    "ordering_body_code": body.code,
                    "guarantee_amount": guarantee_amount,
                    "guarantee_deadline": period_end.isoformat(),
                    "guarantee_period_start": "" if advance else period_start.isoformat(),
                    "work_name": work_name,
                    "work_location": work_location,
                    "contract_amount": contract_amount,
                    "period_start": period_start.isoformat(),
                    "period_end": period_end.isoformat(),
                    "contract_date": (issue_date - datetime.timedelta(days=3)).isoformat(),
                    "deposit_bank": "八十二銀行 小谷支店" if advance else "",
                    "company_name": self.surety.name,
                    "company_address": self.surety.address,
                    "company_president_title": self.surety.president_title,
                    "company_president_name": self.surety.president_name,
                    "branch_name": branch.name,
                    "branch_tel": branch.tel,
                    "branch_fax": branch.fax,
                }
                content_json = json.dumps(content, ensure_ascii=False)
                # Not issuers.keys.generate_key: a seeded PRNG is ten times faster, and bench keys guard nothing.
                key = "".join(self.rng.choices(KEY_ALPHABET, k=KEY_LENGTH))
                digest_version, digest = key_digest(number, key)
                contract_id = self.ids.take(GuaranteeContract)
                version_id = self.ids.take(CertificateVersion)
                certificate_id = self.ids.take(Certificate)
                public_id = uuid.uuid4()
                tables[GuaranteeContract].append(
                    {
                        "id": contract_id,
                        "number": number,
                        "product": str(product),
                        "format": "electronic",
                        "branch_id": branch.pk,
                        "ordering_body_id": body.pk,
                        "issued_at": issued_at,
                        "issued_by_id": clerk_id,
                    }
                )
                tables[ProductRequest].append(
                    {
                        "id": self.ids.take(ProductRequest),
                        "application_id": app_id,
                        "company_id": app_company[a],
                        "product": str(product),
                        "requested": True,
                        "status": Status.ISSUED.value,
                        "format": "electronic",
                        "guarantee_amount": guarantee_amount,
                        "deposit_bank": content["deposit_bank"],
                        "redeposit": "not_used" if advance else "",
                        "payment_method": "lump_sum",
                        "fee_billing_to": contractor_name,
                        "fee_statement_paper": False,
                        "contract_id": contract_id,
                    }
                )
                tables[CertificateVersion].append(
                    {
                        "id": version_id,
                        "contract_id": contract_id,
                        "sequence": 1,
                        "kind": "new",
                        "change_no": 0,
                        "target_id": None,
                        "content": content_json,
                        "pdf": self.pdfs["certificate"],
                        "issued_at": issued_at,
                        "issued_by_id": clerk_id,
                    }
                )
                tables[DsurePosting].append(
                    {
                        "id": self.ids.take(DsurePosting),
                        "posting_id": uuid.uuid4(),
                        "contract_id": contract_id,
                        "version_id": version_id,
                        "kind": "new",
                        "payload": "{}",
                        "by_id": clerk_id,
                        "created_at": issued_at,
                        "attempts": 1,
                        "next_attempt_at": issued_at,
                        "posted_at": issued_at,
                    }
                )
                tables[KeyIssue].append(
                    {
                        "id": self.ids.take(KeyIssue),
                        "contract_id": contract_id,
                        "sequence": 1,
                        "key_ciphertext": self.fernet.encrypt(key.encode()).decode(),
                        "notice_pdf": self.pdfs["notice"],
                        "issued_at": issued_at,
                        "issued_by_id": clerk_id,
                        "reason": "新規発行",
                    }
                )
                start, end = fees.fee_period(content)
                quote = fees.compute_fee(
                    product=str(product),
                    guarantee_amount=guarantee_amount,
                    start=start,
                    end=end,
                    rate=self.rates[str(product)],
                )
                tables[FeeStatement].append(
                    {
                        "id": self.ids.take(FeeStatement),
                        "contract_id": contract_id,
                        "version_id": version_id,
                        "guarantee_amount": guarantee_amount,
                        "days": quote.days,
                        "annual_rate": quote.annual_rate,
                        "minimum_fee": quote.minimum_fee,
                        "fee": quote.fee,
                        "illustrative": quote.illustrative,
                        "pdf": self.pdfs["fee"],
                        "issued_at": issued_at,
                    }
                )
                for action, detail in (
                    (ContractEvent.Action.ISSUE, "電子保証(認証キーを含む) 新規"),
                    (ContractEvent.Action.POST, "新規をD-Sureに掲載"),
                ):
                    tables[ContractEvent].append(
                        {
                            "id": self.ids.take(ContractEvent),
                            "contract_id": contract_id,
                            "action": action.value,
                            "by_id": clerk_id,
                            "at": issued_at,
                            "detail": detail,
                        }
                    )
                tables[Certificate].append(
                    {
                        "id": certificate_id,
                        "number": number,
                        "public_id": public_id,
                        "body_id": self.dsure_bodies[body.code],
                        "product_name": product.label,
                        "key_digest": digest,
                        "digest_version": digest_version,
                        "consecutive_failures": 0,
                        "created_at": issued_at,
                    }
                )
                tables[PostedVersion].append(
                    {
                        "id": self.ids.take(PostedVersion),
                        "certificate_id": certificate_id,
                        "sequence": 1,
                        "kind": "new",
                        "content": content_json,
                        "pdf": self.pdfs["certificate"],
                        "posted_at": issued_at,
                    }
                )
                if body.code == LOOKUP_BODY:
                    self.candidates.append(
                        {
                            "number": number,
                            "key": key,
                            "certificate_id": certificate_id,
                            "public_id": str(public_id),
                        }
                    )
        for model in (
            Application,
            GuaranteeContract,
            ProductRequest,
            CertificateVersion,
            DsurePosting,
            KeyIssue,
            FeeStatement,
            ContractEvent,
            Certificate,
            PostedVersion,
        ):
            _copy(model, tables[model])

    def remembered(self, count: int) -> list[dict]:
        return self.rng.sample(self.candidates, min(count, len(self.candidates)))


def _analyze():
    """Fresh statistics, as autovacuum would have them on a live database, so plans are realistic; then
    a checkpoint, so the load's gigabytes of dirty pages are not written while the benchmark is timed
    (docs/performance.md, "The lookup's tail")."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
