"""What every ModelAdmin of the project shares."""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


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
