"""Reads of the surety company's data that pages share."""

from django.db.models import Q, QuerySet

from issuers.models import OrderingBody


def esurety_ordering_bodies(*, search: str = "") -> QuerySet[OrderingBody]:
    """Ordering bodies registered for 電子保証 (with a start date, past or announced)."""
    bodies = OrderingBody.objects.filter(esurety_start__isnull=False).order_by("esurety_start", "code")
    if search:
        bodies = bodies.filter(Q(name__icontains=search) | Q(prefecture__icontains=search))
    return bodies
