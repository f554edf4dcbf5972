"""django.contrib.admin with the clerks' site (netdesk.admin_site) as `admin.site`. Its own module:
netdesk.apps must declare a single AppConfig."""

from django.contrib.admin.apps import AdminConfig


class ClerkAdminConfig(AdminConfig):
    default_site = "netdesk.admin_site.ClerkAdminSite"
