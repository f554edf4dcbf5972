"""The rules of a Net Desk application (spec §3), on a plain snapshot of the draft.

The edit page and `services.application_submit` call the same `application_errors` on the same
snapshot of the saved draft, so what the confirm step accepts is exactly what submitting accepts.
A snapshot is a dict keyed by the form's field names (`netdesk.forms.ApplicationForm`):
application fields by their own name, product fields prefixed `advance_` / `performance_`.
"""

import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.urls import reverse
from django.utils.html import format_html

from common.formats import percent, rate, wareki, yen
from issuers.models import CertificateFormat, OrderingBody, Product
from netdesk.models import Application, ProductRequest

# Application fields a contractor types (read-only ones such as notice_from_company are left out).
WORK_FIELDS = [
    "work_name",
    "work_location",
    "ordering_body",
    "contract_amount",
    "period_start",
    "period_end",
    "contract_date",
    "advance_planned",
    "jv_name",
    "contractor_address",
    "contractor_name",
]
INFORMATION_FIELDS = [
    "branch",
    "notify_issued",
    "email",
    "contact_department",
    "contact_title",
    "contact_person",
    "contact_phone",
    "message_to_company",
]
APPLICATION_FIELDS = WORK_FIELDS + INFORMATION_FIELDS

# ProductRequest fields per product, as (snapshot key suffix == model field name).
PRODUCT_FIELDS = {
    Product.ADVANCE: [
        "requested",
        "format",
        "this_year_amount",
        "guarantee_amount",
        "deposit_bank",
        "redeposit",
        "payment_method",
        "fee_billing_to",
        "fee_statement_paper",
    ],
    Product.PERFORMANCE: [
        "requested",
        "format",
        "guarantee_amount",
        "payment_method",
        "fee_billing_to",
        "fee_statement_paper",
    ],
}
PREFIX = {Product.ADVANCE: "advance_", Product.PERFORMANCE: "performance_"}
PRODUCTS_SECTION_FIELDS = [PREFIX[p] + name for p, names in PRODUCT_FIELDS.items() for name in names]

# Fields that must be filled (always, or when their product is requested): all but the optional ones.
OPTIONAL_FIELDS = ("jv_name", "requested", "this_year_amount")
REQUIRED_ALWAYS = [name for name in WORK_FIELDS if name not in OPTIONAL_FIELDS] + ["branch"]
REQUIRED_PER_PRODUCT = {
    product: [name for name in names if name not in OPTIONAL_FIELDS]
    for product, names in PRODUCT_FIELDS.items()
}

# On-screen labels (the leaflets' words), shared with the form: an application field's is its model's
# verbose name; a product field's names the product where two products' fields would read alike.
LABELS = {
    **{name: str(Application._meta.get_field(name).verbose_name) for name in APPLICATION_FIELDS},
    "advance_requested": "前払金保証を申し込む",
    "advance_format": "保証証書の形式について",
    "advance_this_year_amount": "今年度対象額",
    "advance_guarantee_amount": "前払金保証金額",
    "advance_deposit_bank": "預託金融機関(全角)",
    "advance_redeposit": "再預託利用区分",
    "advance_payment_method": "前払金保証料支払方法",
    "advance_fee_billing_to": "前払金保証料請求先",
    "advance_fee_statement_paper": "保証料計算書(紙)について",
    "performance_requested": "契約保証を申し込む",
    "performance_format": "保証証書の形式について",
    "performance_guarantee_amount": "契約保証金額",
    "performance_payment_method": "契約保証料支払方法",
    "performance_fee_billing_to": "契約保証料請求先",
    "performance_fee_statement_paper": "保証料計算書(紙)について",
}

# The message for a required field left empty; where two products share a label, it names the product.
REQUIRED_MESSAGES = {
    "ordering_body": "発注者を選択してください。",
    "period_start": "工期の開始日を入力してください。",
    "period_end": "工期の終了日を入力してください。",
    "advance_planned": "前払金の予定（あり・なし）を選択してください。",
    "contractor_address": "保証契約者の住所を入力してください。",
    "contractor_name": "保証契約者の名称を入力してください。",
    "advance_format": "前払金保証の保証証書の形式を選択してください。",
    "advance_redeposit": "再預託利用区分を選択してください。",
    "advance_payment_method": "前払金保証料支払方法を選択してください。",
    "advance_fee_statement_paper": "前払金保証の保証料計算書(紙)について「希望する」か「希望しない」を選択してください。",
    "performance_format": "契約保証の保証証書の形式を選択してください。",
    "performance_payment_method": "契約保証料支払方法を選択してください。",
    "performance_fee_statement_paper": "契約保証の保証料計算書(紙)について「希望する」か「希望しない」を選択してください。",
    "branch": "申込送信先を選択してください。",
}


def required_message(field: str) -> str:
    return REQUIRED_MESSAGES.get(field) or f"{LABELS[field]}を入力してください。"


def application_snapshot(application: Application, products: list[ProductRequest] | None = None) -> dict:
    """The draft as the form's flat dict. `products` defaults to application.products.all()."""
    data = {name: getattr(application, name) for name in APPLICATION_FIELDS}
    if products is None:
        products = list(application.products.all())
    by_product = {request.product: request for request in products}
    for product, names in PRODUCT_FIELDS.items():
        request = by_product.get(product)
        for name in names:
            data[PREFIX[product] + name] = getattr(request, name) if request is not None else None
        if data[PREFIX[product] + "requested"] is None:
            data[PREFIX[product] + "requested"] = False
    return data


def advance_ratio_base(data: dict) -> int | None:
    """前払金保証金額 is measured against 今年度対象額 when given, else 請負金額."""
    return data.get("advance_this_year_amount") or data.get("contract_amount")


def advance_ratio(data: dict) -> str:
    return percent(data.get("advance_guarantee_amount"), advance_ratio_base(data))


def performance_ratio(data: dict) -> str:
    return percent(data.get("performance_guarantee_amount"), data.get("contract_amount"))


def advance_maximum(body: OrderingBody, base: int) -> int:
    return int((Decimal(base) * body.advance_ratio_limit).to_integral_value(rounding=ROUND_FLOOR))


def performance_minimum(body: OrderingBody, contract_amount: int) -> int:
    return int(
        (Decimal(contract_amount) * body.performance_ratio_min).to_integral_value(rounding=ROUND_CEILING)
    )


def esurety_refusal_reason(body: OrderingBody) -> str:
    """Why `body` cannot take an electronic certificate yet: its start date, or that it has none."""
    if body.esurety_start is None:
        return f"{body.name}は電子保証に対応していません。"
    return f"{body.name}の電子保証の利用開始日は{wareki(body.esurety_start)}です。それまでは電子保証を選択できません。"


def esurety_refusals(bodies, *, today: datetime.date) -> dict[str, str]:
    """{body pk: reason} for the bodies that do not accept 電子保証 today: the form says it next to
    the choice as soon as 電子保証 is chosen for one of them (static/js/application.js)."""
    return {
        str(body.pk): esurety_refusal_reason(body) + "証書(紙)を選択してください。"
        for body in bodies
        if not body.accepts_esurety_on(today)
    }


def esurety_refusal(body: OrderingBody) -> str:
    """Why `body` cannot take an electronic certificate today, with the link to the public list."""
    return format_html(
        '{}証書(紙)を選択してください。電子保証対応の発注者は<a href="{}" target="_blank" rel="noopener">'
        '<span class="visually-hidden">（新しいウィンドウ）</span>こちら</a>です。',
        esurety_refusal_reason(body),
        reverse("ordering_body_list"),
    )


def _blank(value) -> bool:
    return value is None or value == ""


def application_errors(data: dict, *, today: datetime.date) -> dict[str, list[str]]:
    """Every rule of spec §3 on a snapshot. Returns {field name: [Japanese message, ...]}; empty if valid."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    def require(field):
        if _blank(data.get(field)):
            add(field, required_message(field))

    for field in REQUIRED_ALWAYS:
        require(field)

    requested = {product: bool(data.get(PREFIX[product] + "requested")) for product in PRODUCT_FIELDS}
    if not any(requested.values()):
        add("advance_requested", "前払金保証または契約保証の少なくとも一方を申し込んでください。")
    for product, names in REQUIRED_PER_PRODUCT.items():
        if requested[product]:
            for name in names:
                require(PREFIX[product] + name)

    body: OrderingBody | None = data.get("ordering_body")
    contract_amount = data.get("contract_amount")
    advance_planned = data.get("advance_planned")

    # 工期 and 請負契約日
    start, end, signed = data.get("period_start"), data.get("period_end"), data.get("contract_date")
    if start and end and end < start:
        add("period_end", "工期の終了日は開始日以降の日付を入力してください。")
    if signed and end and signed > end:
        add("contract_date", "請負契約日は工期の終了日以前の日付を入力してください。")

    # The advance must be planned for either product: 契約保証 is a rider of the advance business.
    if advance_planned is False:
        if requested[Product.ADVANCE]:
            add("advance_requested", "前払金の予定が「なし」の工事には前払金保証を申し込めません。")
        if requested[Product.PERFORMANCE]:
            add(
                "performance_requested",
                "契約保証は前払金保証の特約としてお引き受けするため、前払金の予定が「あり」の工事に限り"
                "申し込めます。",
            )

    # Electronic only for an ordering body whose 電子保証 has started.
    if body is not None and not body.accepts_esurety_on(today):
        for product in PRODUCT_FIELDS:
            field = PREFIX[product] + "format"
            if requested[product] and data.get(field) == CertificateFormat.ELECTRONIC:
                add(field, esurety_refusal(body))

    # Paper only for an ordering body that still accepts it (its submission rules, spec §10).
    if body is not None and not body.paper_accepted:
        for product in PRODUCT_FIELDS:
            field = PREFIX[product] + "format"
            if requested[product] and data.get(field) == CertificateFormat.PAPER:
                add(
                    field,
                    f"{body.name}は紙の保証証書を受け付けていません。電子保証(認証キーを含む)を選択してください。",
                )

    # Amounts against 請負金額 and the ordering body's ratios.
    if requested[Product.ADVANCE]:
        this_year = data.get("advance_this_year_amount")
        amount = data.get("advance_guarantee_amount")
        if this_year and contract_amount and this_year > contract_amount:
            add(
                "advance_this_year_amount",
                f"今年度対象額は請負金額（{yen(contract_amount)}）以下で入力してください。",
            )
        if amount and contract_amount and amount > contract_amount:
            add(
                "advance_guarantee_amount",
                f"前払金保証金額は請負金額（{yen(contract_amount)}）以下で入力してください。",
            )
        elif amount and body is not None and (base := this_year or contract_amount):
            maximum = advance_maximum(body, base)
            if amount > maximum:
                base_label = "今年度対象額" if this_year else "請負金額"
                add(
                    "advance_guarantee_amount",
                    f"前払金保証金額は{base_label}の{rate(body.advance_ratio_limit)}"
                    f"（{yen(maximum)}）以内で入力してください（{body.name}の前払金の割合の上限）。",
                )
    if requested[Product.PERFORMANCE]:
        amount = data.get("performance_guarantee_amount")
        if amount and contract_amount and amount > contract_amount:
            add(
                "performance_guarantee_amount",
                f"契約保証金額は請負金額（{yen(contract_amount)}）以下で入力してください。",
            )
        elif amount and contract_amount and body is not None:
            minimum = performance_minimum(body, contract_amount)
            if amount < minimum:
                add(
                    "performance_guarantee_amount",
                    f"契約保証金額は請負金額の{rate(body.performance_ratio_min)}"
                    f"（{yen(minimum)}）以上で入力してください（{body.name}の契約保証の割合の下限）。",
                )

    if data.get("notify_issued") is True and _blank(data.get("email")):
        add("email", "「電子保証発行完了のお知らせ」を希望する場合は、メールアドレスを入力してください。")

    return errors


# -- 中間前払金保証: applied for on an issued 前払金保証 of the same work (netdesk.services.intermediate_submit)

INTERMEDIATE_FIELDS = [
    "format",
    "guarantee_amount",
    "deposit_bank",
    "certification_date",
    "certification_number",
    "certification_document",
    "payment_method",
    "fee_billing_to",
    "fee_statement_paper",
]
INTERMEDIATE_LABELS = {
    "format": "保証証書の形式について",
    "guarantee_amount": "中間前払金保証金額",
    "deposit_bank": "預託金融機関(全角)",
    "certification_date": "認定日",
    "certification_number": "認定番号",
    "certification_document": "認定調書",
    "payment_method": "中間前払金保証料支払方法",
    "fee_billing_to": "中間前払金保証料請求先",
    "fee_statement_paper": "保証料計算書(紙)について",
}
INTERMEDIATE_REQUIRED_MESSAGES = {
    "format": "中間前払金保証の保証証書の形式を選択してください。",
    "guarantee_amount": "中間前払金保証金額を入力してください。",
    "deposit_bank": "預託金融機関(全角)を入力してください。",
    "payment_method": "中間前払金保証料支払方法を選択してください。",
    "fee_billing_to": "中間前払金保証料請求先を入力してください。",
    "fee_statement_paper": "中間前払金保証の保証料計算書(紙)について「希望する」か「希望しない」を選択してください。",
}
NO_ADVANCE_MESSAGE = (
    "中間前払金保証は、同じ工事の前払金保証が発行済み（取消されていないもの）の場合に限り申し込めます。"
)
CERTIFICATION_MISSING_MESSAGE = (
    "発注者の中間前金払の認定（認定日と認定番号、または認定調書の添付）を入力してください。"
)


def intermediate_maximum(body: OrderingBody, contract_amount: int) -> int:
    return int(
        (Decimal(contract_amount) * body.intermediate_ratio_limit).to_integral_value(rounding=ROUND_FLOOR)
    )


def advance_total_maximum(body: OrderingBody, contract_amount: int) -> int:
    return int(
        (Decimal(contract_amount) * body.advance_total_ratio_limit).to_integral_value(rounding=ROUND_FLOOR)
    )


def intermediate_contract_amount_minimum(body: OrderingBody, intermediate_amount: int) -> int:
    """The least 請負金額 whose intermediate_maximum still covers `intermediate_amount`."""
    return int(
        (Decimal(intermediate_amount) / body.intermediate_ratio_limit).to_integral_value(
            rounding=ROUND_CEILING
        )
    )


def intermediate_limit_broken(
    body: OrderingBody, *, contract_amount: int, advance_amount: int, intermediate_amount: int
) -> str:
    """Which of the body's limits the two guarantees of one work break: "ratio" (the intermediate above
    2/10 of the 請負金額), "total" (together above 6/10) or "" (none). Whichever of the two moves (its
    申込, its 変更, the other's 変更), the same pair of limits is checked."""
    if intermediate_amount > intermediate_maximum(body, contract_amount):
        return "ratio"
    if advance_amount + intermediate_amount > advance_total_maximum(body, contract_amount):
        return "total"
    return ""


def period_days(start: datetime.date, end: datetime.date) -> int:
    """工期 in days, both ends counted (as the fee's 保証日数)."""
    return (end - start).days + 1


def intermediate_refusal(body: OrderingBody, advance: dict | None) -> str:
    """Why no 中間前払金保証 can be applied for on this work at all, whatever is typed; "" if it can."""
    if advance is None:
        return NO_ADVANCE_MESSAGE
    if not body.intermediate_paid:
        return f"{body.name}は中間前金払を行っていないため、中間前払金保証は申し込めません。"
    contract_amount = advance["contract_amount"]
    if contract_amount < body.intermediate_min_contract_amount:
        return (
            f"{body.name}の中間前金払は請負金額{yen(body.intermediate_min_contract_amount)}以上の工事が対象です"
            f"（この工事の請負金額は{yen(contract_amount)}）。"
        )
    days = period_days(
        datetime.date.fromisoformat(advance["period_start"]),
        datetime.date.fromisoformat(advance["period_end"]),
    )
    if days < body.intermediate_min_period_days:
        return (
            f"{body.name}の中間前金払は工期{body.intermediate_min_period_days}日以上の工事が対象です"
            f"（この工事の工期は{days}日）。"
        )
    return ""


def intermediate_errors(
    data: dict, *, advance: dict | None, body: OrderingBody, today: datetime.date
) -> dict[str, list[str]]:
    """The rules of a 中間前払金保証 on the first advance's current certificate `advance` (its content, None
    when there is no issued 前払金保証). Returns {field name: [Japanese message, ...]}; empty if valid.

    `data` holds INTERMEDIATE_FIELDS (certification_document: whether one is attached). Amounts are
    measured against the 請負金額 of the first advance's certificate: up to the body's
    intermediate_ratio_limit (2/10), and with the first advance up to advance_total_ratio_limit (6/10).
    """
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    refusal = intermediate_refusal(body, advance)
    if refusal:
        add("guarantee_amount", refusal)
        return errors

    for field, message in INTERMEDIATE_REQUIRED_MESSAGES.items():
        if _blank(data.get(field)):
            add(field, message)

    # The 認定, as the body issues it: a date and a number, or the 認定調書 itself.
    certified_on, number = data.get("certification_date"), data.get("certification_number")
    if not data.get("certification_document"):
        if not certified_on and not number:
            add("certification_date", CERTIFICATION_MISSING_MESSAGE)
        elif not certified_on:
            add("certification_date", "認定日を入力してください（認定調書を添付する場合は不要です）。")
        elif not number:
            add("certification_number", "認定番号を入力してください（認定調書を添付する場合は不要です）。")
    if certified_on:
        start = datetime.date.fromisoformat(advance["period_start"])
        end = datetime.date.fromisoformat(advance["period_end"])
        # 中間前金払 is certified once half of the 工期 has passed.
        half = start + datetime.timedelta(days=(end - start).days // 2)
        if certified_on > today:
            add("certification_date", "認定日に未来の日付は入力できません。")
        elif certified_on < half:
            add(
                "certification_date",
                f"中間前金払の認定は工期の2分の1を経過した後に受けるものです。認定日は{wareki(half)}以降の"
                "日付を入力してください。",
            )
        elif certified_on > end:
            add("certification_date", f"認定日は工期の終了日（{wareki(end)}）以前の日付を入力してください。")

    fmt = data.get("format")
    if fmt == CertificateFormat.ELECTRONIC and not body.accepts_esurety_on(today):
        add("format", esurety_refusal(body))
    if fmt == CertificateFormat.PAPER and not body.paper_accepted:
        add(
            "format",
            f"{body.name}は紙の保証証書を受け付けていません。電子保証(認証キーを含む)を選択してください。",
        )

    amount = data.get("guarantee_amount")
    contract_amount = advance["contract_amount"]
    if amount:
        maximum = intermediate_maximum(body, contract_amount)
        total = advance_total_maximum(body, contract_amount)
        broken = intermediate_limit_broken(
            body,
            contract_amount=contract_amount,
            advance_amount=advance["guarantee_amount"],
            intermediate_amount=amount,
        )
        if broken == "ratio":
            add(
                "guarantee_amount",
                f"中間前払金保証金額は請負金額の{rate(body.intermediate_ratio_limit)}（{yen(maximum)}）"
                f"以内で入力してください（{body.name}の中間前払金の割合の上限）。",
            )
        elif broken == "total":
            add(
                "guarantee_amount",
                f"前払金保証金額（{yen(advance['guarantee_amount'])}）と中間前払金保証金額の合計は、請負金額の"
                f"{rate(body.advance_total_ratio_limit)}（{yen(total)}）以内で入力してください"
                f"（{yen(max(total - advance['guarantee_amount'], 0))}まで）。",
            )
    return errors
