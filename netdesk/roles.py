"""The permission group of branch clerks: what the admin lets them see and do. Scoping to their own
branch is done by the ModelAdmins (issuers.admin.BranchScopedAdmin), not by permissions."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

CLERK_GROUP = "支店担当者"
CLERK_PERMISSIONS = [
    ("netdesk", "view_application"),
    ("netdesk", "change_application"),
    ("netdesk", "view_productrequest"),
    ("netdesk", "view_amendmentrequest"),
    ("netdesk", "change_amendmentrequest"),
    ("issuers", "view_guaranteecontract"),
    ("issuers", "view_certificateversion"),
    ("issuers", "view_keyissue"),
    ("issuers", "view_feestatement"),
    ("issuers", "view_contractevent"),
    ("issuers", "view_orderingbody"),
    ("dsure", "view_lookupattempt"),
]


def clerk_group() -> Group:
    group, _ = Group.objects.get_or_create(name=CLERK_GROUP)
    wanted = Q()
    for app_label, codename in CLERK_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))
    return group
