"""What every ModelAdmin of the project shares."""

import re

import jaconv
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.utils.functional import cached_property

from common import contract_numbers
from common.paging import COUNT_CAP


class _GuardedChangeList(ChangeList):
    """A filter the list cannot use is the admin's redirect to ?e=1, never a 500."""

    def get_filters(self, request):
        # PostgreSQL refuses a NUL byte in text: ?status__exact=a%00 reached the query (DataError).
        params = self.get_filters_params()
        if any("\x00" in value for values in params.values() for value in values):
            raise IncorrectLookupParameters("a NUL byte in a filter value")
        # Django 6.1's date_hierarchy turns ?<field>__year=9999 (year 10000) and ?…__year=2200000000
        # (OverflowError) into a 500 (Django ticket #37357, fixed after 6.1.3).
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        # A lookup the filters let through can still fail when the query is compiled: ?at__gte=00010101
        # is a valid date whose midnight in Tokyo is before year 1 in UTC (OverflowError).
        try:
            return super().get_results(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class ListFilterGuard:
    """Mix into a ModelAdmin with list_filter or date_hierarchy, before admin.ModelAdmin."""

    def get_changelist(self, request, **kwargs):
        return _GuardedChangeList


class RelatedExistsListFilter(admin.RelatedOnlyFieldListFilter):
    """RelatedOnlyFieldListFilter's choices (the related objects the list's rows point at), found as one
    EXISTS per candidate, which stops at the first row on an index leading with the list's scope, instead
    of a DISTINCT over every row of the list (a branch's 200,000 contracts at 1,000,000 certificates:
    0.6–0.9 s; docs/performance.md)."""

    def field_choices(self, field, request, model_admin):
        rows = model_admin.get_queryset(request).filter(**{self.field_path: OuterRef("pk")})
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to=Q(Exists(rows)), ordering=ordering)


class CappedCountPaginator(Paginator):
    """Counts at most CAP + 1 rows: a branch's list is its share of the database (200,000 contracts at
    1,000,000 certificates), and an exact count of it would cost what the branch holds, not what the
    page shows. Beyond CAP the list says 「1,000件以上」 (templates/admin/pagination.html) and its
    pages end there; the clerk narrows the list with a filter or the search."""

    CAP = COUNT_CAP

    @cached_property
    def count(self):
        # Without ORDER BY, the subquery stops after CAP + 1 rows of whatever index finds the branch.
        return self.object_list.order_by()[: self.CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.CAP


class CappedCount:
    """Mix into a branch's list admin, before admin.ModelAdmin: the list and its total are never counted
    past CappedCountPaginator.CAP (docs/performance.md)."""

    paginator = CappedCountPaginator
    show_full_result_count = False


class ReadOnlyAdmin(ListFilterGuard, admin.ModelAdmin):
    """Records nobody edits (documents, logs, evidence): viewable by whoever has the view permission;
    nobody adds, changes or deletes one here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """The rows of a record shown under it, never added to or changed from there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def search_variants(term: str) -> list[str]:
    """What one typed search also means: the term as typed, half-width and full-width (工事名 and
    会社名 are stored as the contractor typed them, ２０１０８ or 20108), and for a 保証契約番号 its
    canonical form (２０１０８－００００１Ｋ, 2010800001k → 20108-00001K; a prefix of 6 digits or more
    gets its hyphen too)."""
    half = jaconv.z2h(term, kana=False, ascii=True, digit=True)
    variants = [term, half, jaconv.h2z(half, kana=False, ascii=True, digit=True)]
    number = contract_numbers.normalize(term)
    if _NUMBER_PREFIX.match(number):
        number = f"{number[:5]}-{number[5:]}"
    variants.append(number)
    return list(dict.fromkeys(v for v in variants if v.strip()))


_NUMBER_PREFIX = re.compile(r"^[0-9]{6,10}[A-Z]?$")


class WidthInsensitiveSearch:
    """Mix into a ModelAdmin with search_fields, before admin.ModelAdmin: a row matches when any of
    search_variants(typed) matches the way Django's admin search would."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return super().get_search_results(request, queryset, search_term)
        matched, duplicates = queryset.none(), False
        for variant in search_variants(search_term):
            found, may_duplicate = super().get_search_results(request, queryset, variant)
            matched, duplicates = matched | found, duplicates or may_duplicate
        return matched, duplicates
