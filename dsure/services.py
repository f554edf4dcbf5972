"""D-Sure's operations. `certificate_post` and `certificate_key_replace` are the only ways in from
outside (the surety company's side); everything else serves D-Sure's own officials."""

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dsure.models import Body, Certificate, PostedVersion


@dataclass(frozen=True)
class PostedBody:
    code: str
    name: str


def certificate_post(
    *,
    number: str,
    body: PostedBody,
    product_name: str,
    sequence: int,
    kind: str,
    content: dict,
    pdf: bytes | None,
    key_digest: tuple[str, str] | None = None,
) -> PostedVersion:
    """Store one certificate version as posted. The first post of a number must bring the key's
    digest (version, hex); later posts (変更, 訂正, 変更取消) keep the same key.

    Returns the stored version; its posted_at is the 電子保証発行日時.
    """
    with transaction.atomic():
        posted_body, _ = Body.objects.get_or_create(code=body.code, defaults={"name": body.name})
        if kind == PostedVersion.Kind.NEW:
            if key_digest is None:
                raise ValueError("a new certificate needs its key digest")
            version, digest = key_digest
            certificate = Certificate.objects.create(
                number=number,
                body=posted_body,
                product_name=product_name,
                key_digest=digest,
                digest_version=version,
            )
        else:
            certificate = Certificate.objects.select_for_update().get(number=number)
        posted = PostedVersion(
            certificate=certificate,
            sequence=sequence,
            kind=kind,
            content=content,
            posted_at=timezone.now(),
        )
        if pdf is not None:
            posted.pdf.save(f"{number}-{sequence}.pdf", ContentFile(pdf), save=False)
        posted.save()
    return posted


def certificate_key_replace(*, number: str, key_digest: tuple[str, str]) -> None:
    """A re-issued key: the old one stops working at once and the failure lock is lifted."""
    version, digest = key_digest
    updated = Certificate.objects.filter(number=number).update(
        key_digest=digest, digest_version=version, consecutive_failures=0, locked_at=None
    )
    if updated != 1:
        raise Certificate.DoesNotExist(number)
