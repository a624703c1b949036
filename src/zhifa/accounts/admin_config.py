"""Django's admin app with :class:`zhifa.accounts.admin_site.StaffAdminSite` as its site.

Kept apart from ``admin_site`` because ``INSTALLED_APPS`` imports it before the models exist.
"""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "zhifa.accounts.admin_site.StaffAdminSite"
