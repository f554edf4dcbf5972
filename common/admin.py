"""What every ModelAdmin of the project shares."""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class _GuardedChangeList(ChangeList):
    def get_filters(self, request):
        # Django 6.1's date_hierarchy turns ?<field>__year=9999 (year 10000) and ?…__year=2200000000
        # (OverflowError) into a 500; an unusable filter must be the admin's redirect to ?e=1
        # (Django ticket #37357, fixed after 6.1.3).
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class DateHierarchyGuard:
    """Mix into a ModelAdmin with date_hierarchy, before admin.ModelAdmin."""

    def get_changelist(self, request, **kwargs):
        return _GuardedChangeList
