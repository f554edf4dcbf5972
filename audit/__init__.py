"""The audit trail: one append-only, hash-chained table every app writes to through `audit.record`.

`audit` sits below netdesk, issuers and dsure: they call it, it imports none of them (docs/audit.md).
"""


def record(*, action: str, summary: str, obj=None, by=None, actor_label: str = "", **detail):
    """Append one entry to the audit trail; see audit.services.record.

    Defined here so that callers write `audit.record(...)`; the import is deferred because this
    package is imported while Django is still loading the apps, before models may be touched."""
    from audit.services import record as _record

    return _record(action=action, summary=summary, obj=obj, by=by, actor_label=actor_label, **detail)
