"""The terms a 変更 or 訂正 may change, as one frozen value: the form that collects them (Net Desk's
変更の申込, the clerk's 訂正) builds it, the services pass it on, and the issuer writes it into the new
certificate version. Each term's label is here too, in the leaflets' words, for every page that
lists the terms."""

import datetime
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from common.formats import wareki, yen


def _term(label: str):
    return field(default=None, metadata={"label": label})


@dataclass(frozen=True)
class Amendment:
    """The terms a 変更 or 訂正 may change. None keeps the current value. Dates are dates here; the
    certificate content stores them as ISO strings."""

    guarantee_amount: int | None = _term("保証金額")
    contract_amount: int | None = _term("請負金額")
    period_start: datetime.date | None = _term("工期（開始日）")
    period_end: datetime.date | None = _term("工期（終了日）")
    work_name: str | None = _term("工事名")
    work_location: str | None = _term("工事場所")
    deposit_bank: str | None = _term("預託金融機関")
    contract_date: datetime.date | None = _term("請負契約日")
    contractor_address: str | None = _term("保証契約者（住所）")
    contractor_name: str | None = _term("保証契約者（名称）")

    @classmethod
    def from_values(cls, values: Mapping) -> "Amendment":
        """From a form's cleaned data or a request's stored fields: the terms `values` has, a blank
        value ("" or None) keeping the current one. Other keys (client_token, reason…) are ignored."""
        return cls(**{name: values[name] for name in TERMS if values.get(name) not in (None, "")})

    def changes(self) -> dict:
        """{term: new value} for the terms this changes, in the order of TERMS."""
        return {name: value for name in TERMS if (value := getattr(self, name)) is not None}

    def without(self, *names: str) -> "Amendment":
        return replace(self, **dict.fromkeys(names))

    def differing_from(self, current: Mapping, *, ignore_width: bool = False) -> "Amendment":
        """Only the terms whose value differs from the certificate content `current`. With
        `ignore_width`, texts that differ only in character width or outer spaces are the same (for a
        変更, 「八十二銀行 小谷支店」 is 「八十二銀行　小谷支店」; a 訂正 may fix exactly that)."""
        return Amendment(
            **{
                name: value
                for name, value in self.changes().items()
                if not _same(value, current.get(name), ignore_width=ignore_width)
            }
        )


TERMS = tuple(term.name for term in fields(Amendment))
LABELS = {term.name: term.metadata["label"] for term in fields(Amendment)}


def initial(content: Mapping) -> dict:
    """A form's initial values for the terms: the current certificate content."""
    return {name: content.get(name) for name in TERMS}


def shown(name: str, value) -> str:
    """A term's value as pages print it: amounts in yen, dates in 和暦, "" for none."""
    if value is None or value == "":
        return ""
    if name.endswith("_amount"):
        return yen(value)
    if name.startswith("period_") or name == "contract_date":
        return wareki(value)
    return str(value)


def _same(value, stored, *, ignore_width: bool) -> bool:
    if isinstance(value, datetime.date):
        return value.isoformat() == stored
    if isinstance(value, str) and ignore_width:
        return _nfkc(value) == _nfkc(stored or "")
    return value == stored


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()
