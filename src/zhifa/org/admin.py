"""The organisation in the Django admin: read-only.

Every change to the organisation must go through ``org.services`` so that it is checked (who may
change what) and recorded as a new version in the ledger with who, when and why. The admin's own
add/change/delete forms would write rows directly and skip both, so they are switched off; the
admin shows the organisation to whoever the admin site lets in (the system admin), and changes are
made through the staff API (``/api/v1/org/``) or the demo loader.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from zhifa.org.models import (
    Agency,
    Certificate,
    Government,
    Group,
    GroupMembership,
    Officer,
    Person,
    Post,
    Unit,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by whoever may use the admin site; never added, changed or deleted here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        model: type[models.Model] = self.model
        return [field.name for field in model._meta.concrete_fields]


@admin.register(Government)
class GovernmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "level", "parent", "division_code"]
    list_filter = ["level"]
    search_fields = ["name"]


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ["name", "short_name", "kind", "is_enforcement_body", "phone", "is_active"]
    list_filter = ["government", "kind", "is_enforcement_body", "is_active"]
    search_fields = ["name", "short_name"]


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "agency", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "agency__name"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "government", "is_synthetic"]
    list_filter = ["is_synthetic"]
    search_fields = ["name"]


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["title", "agency", "holder", "is_head"]
    list_filter = ["is_head"]
    search_fields = ["title", "holder__name"]


@admin.register(Officer)
class OfficerAdmin(ReadOnlyAdmin):
    list_display = ["person", "agency", "unit", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["person__name"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "officer", "valid_from", "valid_to", "revoked_on"]
    search_fields = ["number", "officer__person__name"]


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "office_agency"]


@admin.register(GroupMembership)
class GroupMembershipAdmin(ReadOnlyAdmin):
    list_display = ["group", "role", "person", "post", "title", "ended_on"]
    list_filter = ["group", "role"]
