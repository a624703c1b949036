"""Every change to the organisation (O-1, O-3, D-2, D-3): the only code that writes org rows.

Each service: keyword-only arguments with ``actor`` first; one transaction; the row locked; the
permission checked through :mod:`zhifa.accounts.access`; the rules of :mod:`zhifa.org.rules`;
the write with ``update_fields``; and :func:`~zhifa.ledger.services.ledger_append` in the same
transaction, which keeps the new version's full snapshot with who, when and why.

Who may do what:

- the system admin (``User.admin_role == "system_admin"``) creates and updates governments,
  creates, deactivates and re-labels agencies (name, kind, enforcement status, entrustment), posts
  of the government itself, groups and their members;
- an agency's head (``agency_head``) updates the rest of their own agency's profile, and its
  units, posts, officers and certificates;
- nobody else writes: a supervisor (``supervisor``) reads everything and writes nothing, an officer
  of one agency changes nothing of another (:class:`PermissionDenied`, nothing changed);
- a machine (API token) with the scope ``org:write`` may do what its agency's head may do, for its
  own agency (any agency when the token names none); a token is never an admin;
- :data:`~zhifa.accounts.actors.SYSTEM` (the demo loader and data migrations only) may do
  everything.

Updates and deactivations need a reason (``reason_required``). An update that changes nothing is a
no-op: the row is returned as it was and no ledger event is written (so loading the same data twice
adds nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypedDict, TypeVar, Unpack

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from zhifa.accounts import access
from zhifa.accounts.actors import Actor, SystemActor, actor_label
from zhifa.accounts.models import ApiToken, User
from zhifa.accounts.services import refusal_record
from zhifa.core import clock
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.core.text import require_visible
from zhifa.ledger.services import ledger_append
from zhifa.org import rules, selectors
from zhifa.org.errors import Code
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
from zhifa.org.rules import SCOPE_WRITE

__all__ = [
    "agency_create",
    "agency_deactivate",
    "agency_update",
    "certificate_issue",
    "certificate_renew",
    "certificate_revoke",
    "government_create",
    "government_update",
    "group_create",
    "group_update",
    "membership_add",
    "membership_remove",
    "membership_update",
    "officer_create",
    "officer_deactivate",
    "officer_register",
    "officer_update",
    "person_create",
    "person_update",
    "post_assign_holder",
    "post_create",
    "post_vacate",
    "unit_create",
    "unit_update",
]

M = TypeVar("M", bound=models.Model)

# The order of government levels, from the top; a child sits strictly below its parent.
_LEVEL_ORDER = [
    Government.Level.PROVINCE,
    Government.Level.CITY,
    Government.Level.COUNTY,
    Government.Level.TOWNSHIP,
]


# --- the editable fields of each entity ---------------------------------------------------------


class GovernmentFields(TypedDict, total=False):
    division_code: str
    address: str
    post_code: str
    phone: str
    email: str
    website: str


class GovernmentChanges(GovernmentFields, total=False):
    name: str
    level: str
    parent: Government | None


class AgencyProfile(TypedDict, total=False):
    """What the agency's head keeps up to date (公示办法第六条: duties, units, division of work,
    jurisdiction, enforcement area) and the contact details (第十三条)."""

    short_name: str
    credit_code: str
    duties: str
    division_of_work: str
    jurisdiction: str
    enforcement_area: str
    address: str
    post_code: str
    phone: str
    email: str
    website: str
    office_hours: str
    sort_order: int


class AgencyStatus(TypedDict, total=False):
    """The agency's legal standing: set by the system admin, never by the agency itself."""

    name: str
    kind: str
    is_enforcement_body: bool
    is_entrusted: bool
    entrusted_by: Agency | None


class AgencyFields(AgencyProfile, total=False):
    is_enforcement_body: bool
    is_entrusted: bool
    entrusted_by: Agency | None


class AgencyChanges(AgencyProfile, AgencyStatus, total=False):
    pass


_AGENCY_STATUS_FIELDS = frozenset(AgencyStatus.__annotations__)


class UnitChanges(TypedDict, total=False):
    name: str
    kind: str
    duties: str
    is_active: bool


class PersonChanges(TypedDict, total=False):
    name: str
    phone: str


class OfficerChanges(TypedDict, total=False):
    unit: Unit | None


class GroupChanges(TypedDict, total=False):
    name: str
    office_agency: Agency | None
    office_duties: str


class MembershipChanges(TypedDict, total=False):
    role: str
    title: str
    sort_order: int


# --- helpers ------------------------------------------------------------------------------------


def _require_actor(actor: Actor) -> None:
    """``None`` (or anything that is neither a user nor the system) is refused outright."""
    if actor is None or not isinstance(actor, User | ApiToken | SystemActor):
        raise PermissionDenied(_("缺少操作者：请先登录。"), code=Code.ACTOR_REQUIRED)


def _is_system_admin(actor: Actor) -> bool:
    return isinstance(actor, SystemActor) or access.is_admin(actor, User.AdminRole.SYSTEM)


def _require_system_admin(actor: Actor) -> None:
    _require_actor(actor)
    if not _is_system_admin(actor):
        access.require_admin(actor, User.AdminRole.SYSTEM)


def _refused(actor: Actor, target: models.Model, refusal: PermissionDenied) -> PermissionDenied:
    """``refusal`` of a write on ``target``, logged (rate-limited, not ledgered: issue 10,
    defect 7) before the caller raises it."""
    refusal_record(
        actor=actor,
        action="write",
        obj_type=target._meta.label_lower,
        obj_id=target.pk,
        refusal=refusal,
    )
    return refusal


def _require_agency_head(actor: Actor, agency: Agency) -> None:
    _require_actor(actor)
    if isinstance(actor, SystemActor):
        return
    try:
        if isinstance(actor, ApiToken):
            access.require_scope(actor, SCOPE_WRITE, agency)
            return
        access.require_role(actor, agency, access.Role.AGENCY_HEAD)
    except PermissionDenied as refusal:
        raise _refused(actor, agency, refusal) from None


def _require_head_of_any(
    actor: Actor, agency_ids: set[int], *, what: str, target: models.Model
) -> None:
    _require_actor(actor)
    if _is_system_admin(actor):
        return
    if isinstance(actor, ApiToken):
        if any(
            access.token_has_scope(actor, SCOPE_WRITE)
            and (actor.agency_id is None or actor.agency_id == agency_id)
            for agency_id in agency_ids
        ):
            return
    elif agency_ids and (
        selectors.agencies_of(actor, access.Role.AGENCY_HEAD).filter(id__in=agency_ids).exists()
    ):
        return
    refusal = PermissionDenied(
        _("您没有修改%(what)s的权限。") % {"what": what},
        detail={"required_roles": [access.Role.AGENCY_HEAD]},
        code=Code.PERMISSION_DENIED,
    )
    raise _refused(actor, target, refusal)


def _require_active_agency(agency: Agency) -> None:
    if not agency.is_active:
        raise Conflict(
            _("“%(agency)s”已撤销，不能再作变更。") % {"agency": agency.name},
            code=Code.AGENCY_INACTIVE,
        )


def _lock(model: type[M], pk: Any) -> M:
    return model._default_manager.select_for_update().get(pk=pk)


# Text fields stored in a normal form, so that the same value written differently is no change.
_NORMALISERS: dict[str, Callable[[str], str]] = {
    "phone": rules.clean_phone,
    "credit_code": rules.clean_credit_code,
    "name": rules.normalise_text,
}


def _clean_value(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return _NORMALISERS.get(name, rules.normalise_text)(value)


def _differs(obj: models.Model, name: str, raw: Any) -> bool:
    """Would setting ``name`` to ``raw`` (in its normal form) change ``obj``?"""
    value = _clean_value(name, raw)
    field = obj._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        return bool(getattr(obj, field.attname) != (value.pk if value is not None else None))
    return bool(getattr(obj, name) != value)


def _apply(obj: models.Model, changes: Mapping[str, Any], allowed: frozenset[str]) -> list[str]:
    """Set the changed fields on ``obj`` (in their normal form); return the names of those that
    really changed."""
    changed: list[str] = []
    for name, raw in changes.items():
        if name not in allowed:
            raise TypeError(f"{type(obj).__name__} has no editable field {name!r}")
        if _differs(obj, name, raw):
            setattr(obj, name, _clean_value(name, raw))
            changed.append(name)
    return changed


def _save_new(obj: M, *, conflict_message: str, conflict_code: str) -> M:
    """Insert ``obj``; a unique constraint that a concurrent writer won becomes a Conflict."""
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        raise Conflict(conflict_message, code=conflict_code) from None
    return obj


def _record(actor: Actor, action: str, obj: models.Model, reason: str) -> None:
    ledger_append(actor=actor_label(actor), action=action, obj=obj, reason=reason)


def _check_choice(value: str, choices: type[models.TextChoices], *, field: str) -> None:
    if value not in choices.values:
        raise ValidationFailed(
            _("“%(value)s”不是有效的选项。") % {"value": value},
            code=Code.INVALID_CHOICE,
            detail={"field": field, "choices": list(choices.values)},
        )


def _same_government(government_id: int, other_government_id: int, *, field: str) -> None:
    if government_id != other_government_id:
        raise ValidationFailed(
            _("所选对象不属于同一政府。"), code=Code.OTHER_GOVERNMENT, detail={"field": field}
        )


# --- governments --------------------------------------------------------------------------------


_GOVERNMENT_FIELDS = frozenset(GovernmentChanges.__annotations__)


def _validate_government(government: Government) -> None:
    rules.require_text(government.name, field="name", label=_("名称"))
    _check_choice(government.level, Government.Level, field="level")
    rules.check_division_code(government.division_code)
    rules.check_post_code(government.post_code)
    rules.check_email(government.email)
    rules.check_website(government.website)
    parent = government.parent
    if parent is not None:
        if _LEVEL_ORDER.index(Government.Level(government.level)) <= _LEVEL_ORDER.index(
            Government.Level(parent.level)
        ):
            raise ValidationFailed(
                _("下级政府的层级必须低于上级政府。"),
                code=Code.INVALID_LEVEL,
                detail={"field": "level"},
            )
        ancestor: Government | None = parent
        while ancestor is not None:
            if government.pk is not None and ancestor.pk == government.pk:
                raise ValidationFailed(
                    _("政府不能成为自己的下级。"),
                    code=Code.CYCLIC_PARENT,
                    detail={"field": "parent"},
                )
            ancestor = ancestor.parent
    taken = Government.objects.filter(parent=parent, name=government.name).exclude(pk=government.pk)
    if taken.exists():
        raise Conflict(
            _("已有同名政府“%(name)s”。") % {"name": government.name}, code=Code.GOVERNMENT_EXISTS
        )


def government_create(
    *,
    actor: Actor,
    name: str,
    level: str,
    parent: Government | None = None,
    reason: str = "",
    **fields: Unpack[GovernmentFields],
) -> Government:
    """Set up a government (only the system admin)."""
    with transaction.atomic():
        _require_system_admin(actor)
        if parent is not None:
            parent = _lock(Government, parent.pk)
        government = Government(name=rules.normalise_text(name), level=level, parent=parent)
        _apply(government, fields, _GOVERNMENT_FIELDS)
        _validate_government(government)
        _save_new(
            government,
            conflict_message=_("已有同名政府“%(name)s”。") % {"name": government.name},
            conflict_code=Code.GOVERNMENT_EXISTS,
        )
        _record(actor, "org.government.create", government, rules.normalise_text(reason))
        return government


def government_update(
    *,
    actor: Actor,
    government: Government,
    reason: str,
    **changes: Unpack[GovernmentChanges],
) -> Government:
    """Change a government's data (only the system admin); a reason is required."""
    with transaction.atomic():
        government = _lock(Government, government.pk)
        _require_system_admin(actor)
        reason = rules.require_reason(reason)
        changed = _apply(government, changes, _GOVERNMENT_FIELDS)
        if not changed:
            return government
        _validate_government(government)
        government.save(update_fields=changed)
        _record(actor, "org.government.update", government, reason)
        return government


# --- agencies -----------------------------------------------------------------------------------


_AGENCY_FIELDS = frozenset(AgencyChanges.__annotations__)


def _validate_agency(agency: Agency) -> None:
    rules.require_text(agency.name, field="name", label=_("名称"))
    require_visible(agency.short_name, field="short_name", label=_("简称"))
    _check_choice(agency.kind, Agency.Kind, field="kind")
    rules.check_post_code(agency.post_code)
    rules.check_email(agency.email)
    rules.check_website(agency.website)
    rules.check_entrustment(
        is_entrusted=agency.is_entrusted,
        entrusting_agency_id=agency.entrusted_by_id,
        agency_id=agency.pk,
    )
    if agency.entrusted_by is not None and not agency.entrusted_by.is_enforcement_body:
        raise ValidationFailed(
            _("委托机关必须是行政执法主体。"),
            code=Code.ENTRUSTING_AGENCY_NOT_ENFORCEMENT_BODY,
            detail={"field": "entrusted_by"},
        )
    taken = Agency.objects.filter(government_id=agency.government_id, name=agency.name).exclude(
        pk=agency.pk
    )
    if taken.exists():
        raise Conflict(
            _("本级政府已有名为“%(name)s”的部门。") % {"name": agency.name}, code=Code.AGENCY_EXISTS
        )


def agency_create(
    *,
    actor: Actor,
    government: Government,
    name: str,
    kind: str,
    reason: str = "",
    **fields: Unpack[AgencyFields],
) -> Agency:
    """Set up an agency (执法主体 or another department) of a government (only the system admin)."""
    with transaction.atomic():
        government = _lock(Government, government.pk)
        _require_system_admin(actor)
        agency = Agency(government=government, name=rules.normalise_text(name), kind=kind)
        _apply(agency, fields, _AGENCY_FIELDS)
        _validate_agency(agency)
        _save_new(
            agency,
            conflict_message=_("本级政府已有名为“%(name)s”的部门。") % {"name": agency.name},
            conflict_code=Code.AGENCY_EXISTS,
        )
        _record(actor, "org.agency.create", agency, rules.normalise_text(reason))
        return agency


def agency_update(
    *,
    actor: Actor,
    agency: Agency,
    reason: str,
    **changes: Unpack[AgencyChanges],
) -> Agency:
    """Change an agency's profile (its head, or the system admin). Its legal standing (name, kind,
    enforcement body, entrustment) only the system admin changes."""
    with transaction.atomic():
        agency = _lock(Agency, agency.pk)
        _require_actor(actor)
        changing_status = [
            name
            for name in _AGENCY_STATUS_FIELDS & changes.keys()
            if _differs(agency, name, changes[name])  # type: ignore[literal-required]
        ]
        if changing_status and not _is_system_admin(actor):
            _require_system_admin(actor)
        if not _is_system_admin(actor):
            _require_agency_head(actor, agency)
        reason = rules.require_reason(reason)
        _require_active_agency(agency)
        changed = _apply(agency, changes, _AGENCY_FIELDS)
        if not changed:
            return agency
        _validate_agency(agency)
        agency.save(update_fields=changed)
        _record(actor, "org.agency.update", agency, reason)
        return agency


def agency_deactivate(*, actor: Actor, agency: Agency, reason: str) -> Agency:
    """Mark an agency as no longer existing (only the system admin). Its rows stay, with history."""
    with transaction.atomic():
        agency = _lock(Agency, agency.pk)
        _require_system_admin(actor)
        reason = rules.require_reason(reason)
        if not agency.is_active:
            return agency
        agency.is_active = False
        agency.save(update_fields=["is_active"])
        _record(actor, "org.agency.deactivate", agency, reason)
        return agency


# --- units --------------------------------------------------------------------------------------


_UNIT_FIELDS = frozenset(UnitChanges.__annotations__)


def _validate_unit(unit: Unit) -> None:
    rules.require_text(unit.name, field="name", label=_("名称"))
    _check_choice(unit.kind, Unit.Kind, field="kind")
    if Unit.objects.filter(agency_id=unit.agency_id, name=unit.name).exclude(pk=unit.pk).exists():
        raise Conflict(
            _("本部门已有名为“%(name)s”的内设机构。") % {"name": unit.name}, code=Code.UNIT_EXISTS
        )


def unit_create(
    *,
    actor: Actor,
    agency: Agency,
    name: str,
    kind: str,
    duties: str = "",
    reason: str = "",
) -> Unit:
    """Add an internal unit (承办机构, 法制机构 …) to an agency (its head)."""
    with transaction.atomic():
        agency = _lock(Agency, agency.pk)
        _require_agency_head(actor, agency)
        _require_active_agency(agency)
        unit = Unit(
            agency=agency,
            name=rules.normalise_text(name),
            kind=kind,
            duties=rules.normalise_text(duties),
        )
        _validate_unit(unit)
        _save_new(
            unit,
            conflict_message=_("本部门已有名为“%(name)s”的内设机构。") % {"name": unit.name},
            conflict_code=Code.UNIT_EXISTS,
        )
        _record(actor, "org.unit.create", unit, rules.normalise_text(reason))
        return unit


def unit_update(*, actor: Actor, unit: Unit, reason: str, **changes: Unpack[UnitChanges]) -> Unit:
    """Change (or close, ``is_active=False``) an internal unit (its agency's head)."""
    with transaction.atomic():
        unit = _lock(Unit, unit.pk)
        _require_agency_head(actor, unit.agency)
        reason = rules.require_reason(reason)
        _require_active_agency(unit.agency)
        changed = _apply(unit, changes, _UNIT_FIELDS)
        if not changed:
            return unit
        _validate_unit(unit)
        unit.save(update_fields=changed)
        _record(actor, "org.unit.update", unit, reason)
        return unit


# --- people -------------------------------------------------------------------------------------


def _person_agency_ids(person: Person) -> set[int]:
    ids = set(
        Post.objects.filter(holder=person, agency__isnull=False).values_list("agency_id", flat=True)
    )
    ids |= set(Officer.objects.filter(person=person).values_list("agency_id", flat=True))
    return ids


def _validate_person(person: Person) -> None:
    rules.require_text(person.name, field="name", label=_("姓名"))


def person_create(
    *,
    actor: Actor,
    government: Government,
    name: str,
    phone: str = "",
    is_synthetic: bool = False,
    reason: str = "",
) -> Person:
    """Record a person of a government (the system admin, or the head of one of its agencies).

    Blanks inside the name are dropped: "郑  伟" is stored as "郑伟"."""
    with transaction.atomic():
        government = _lock(Government, government.pk)
        _require_head_of_any(
            actor,
            set(Agency.objects.filter(government=government).values_list("id", flat=True)),
            what=_("本级政府人员"),
            target=government,
        )
        person = Person(
            government=government,
            name=rules.normalise_person_name(name),
            phone=rules.clean_phone(phone),
            is_synthetic=is_synthetic,
        )
        _validate_person(person)
        person.save(force_insert=True)
        _record(actor, "org.person.create", person, rules.normalise_text(reason))
        return person


def person_update(
    *, actor: Actor, person: Person, reason: str, **changes: Unpack[PersonChanges]
) -> Person:
    """Correct a person's name or phone (the system admin, or the head of an agency where the
    person holds a post or is an officer)."""
    with transaction.atomic():
        person = _lock(Person, person.pk)
        _require_head_of_any(actor, _person_agency_ids(person), what=_("该人员信息"), target=person)
        reason = rules.require_reason(reason)
        if "name" in changes:
            changes["name"] = rules.normalise_person_name(changes["name"])
        changed = _apply(person, changes, frozenset(PersonChanges.__annotations__))
        if not changed:
            return person
        _validate_person(person)
        person.save(update_fields=changed)
        _record(actor, "org.person.update", person, reason)
        return person


# --- posts --------------------------------------------------------------------------------------


def _require_post_editor(actor: Actor, post: Post) -> None:
    if post.agency is not None:
        _require_agency_head(actor, post.agency)
    else:
        _require_system_admin(actor)


def post_create(
    *,
    actor: Actor,
    government: Government,
    title: str,
    agency: Agency | None = None,
    holder: Person | None = None,
    is_head: bool | None = None,
    sort_order: int = 0,
    reason: str = "",
) -> Post:
    """Create a post (职务) of a government or of one of its agencies; ``holder=None`` creates it
    vacant. ``is_head`` defaults to whether the title names a head (所长, 站长, 主任, 负责人)."""
    with transaction.atomic():
        government = _lock(Government, government.pk)
        title = rules.require_text(title, field="title", label=_("职务"))
        post = Post(
            government=government,
            agency=agency,
            title=title,
            holder=holder,
            is_head=rules.is_head_title(title) if is_head is None else is_head,
            sort_order=sort_order,
        )
        _require_post_editor(actor, post)
        if agency is not None:
            _same_government(government.pk, agency.government_id, field="agency")
            _require_active_agency(agency)
        if holder is not None:
            _same_government(government.pk, holder.government_id, field="holder")
        post.save(force_insert=True)
        _record(actor, "org.post.create", post, rules.normalise_text(reason))
        return post


def post_assign_holder(*, actor: Actor, post: Post, person: Person, reason: str) -> Post:
    """Appoint ``person`` to a vacant post. An occupied post must be vacated first."""
    with transaction.atomic():
        post = _lock(Post, post.pk)
        _require_post_editor(actor, post)
        reason = rules.require_reason(reason)
        if post.holder_id == person.pk:
            return post
        if post.holder_id is not None:
            raise Conflict(
                _("该职务已有任职人员，请先办理免职。"),
                code=Code.POST_OCCUPIED,
                detail={"holder_id": post.holder_id},
            )
        _same_government(post.government_id, person.government_id, field="holder")
        post.holder = person
        post.save(update_fields=["holder"])
        _record(actor, "org.post.assign", post, reason)
        return post


def post_vacate(*, actor: Actor, post: Post, reason: str) -> Post:
    """Leave the post vacant (its group memberships by post stay, now vacant)."""
    with transaction.atomic():
        post = _lock(Post, post.pk)
        _require_post_editor(actor, post)
        reason = rules.require_reason(reason)
        if post.holder_id is None:
            return post
        post.holder = None
        post.save(update_fields=["holder"])
        _record(actor, "org.post.vacate", post, reason)
        return post


# --- officers -----------------------------------------------------------------------------------


def _check_unit_of(agency: Agency, unit: Unit | None) -> None:
    if unit is not None and unit.agency_id != agency.pk:
        raise ValidationFailed(
            _("所选内设机构不属于“%(agency)s”。") % {"agency": agency.name},
            code=Code.UNIT_OF_OTHER_AGENCY,
            detail={"field": "unit"},
        )


def officer_create(
    *,
    actor: Actor,
    agency: Agency,
    person: Person,
    unit: Unit | None = None,
    reason: str = "",
) -> Officer:
    """Register ``person`` as an enforcement officer (执法人员) of ``agency`` (its head)."""
    with transaction.atomic():
        agency = _lock(Agency, agency.pk)
        person = _lock(Person, person.pk)
        _require_agency_head(actor, agency)
        _require_active_agency(agency)
        _same_government(agency.government_id, person.government_id, field="person")
        _check_unit_of(agency, unit)
        if Officer.objects.filter(person=person).exists():
            raise Conflict(
                _("“%(name)s”已登记为执法人员。") % {"name": person.name}, code=Code.OFFICER_EXISTS
            )
        officer = _save_new(
            Officer(person=person, agency=agency, unit=unit),
            conflict_message=_("“%(name)s”已登记为执法人员。") % {"name": person.name},
            conflict_code=Code.OFFICER_EXISTS,
        )
        _record(actor, "org.officer.create", officer, rules.normalise_text(reason))
        return officer


def officer_register(
    *,
    actor: Actor,
    agency: Agency,
    name: str,
    phone: str = "",
    unit: Unit | None = None,
    reason: str = "",
) -> Officer:
    """Record a new person of the agency's government and register them as its officer, in one
    transaction (the agency's head)."""
    with transaction.atomic():
        _require_agency_head(actor, agency)
        person = person_create(
            actor=actor, government=agency.government, name=name, phone=phone, reason=reason
        )
        return officer_create(actor=actor, agency=agency, person=person, unit=unit, reason=reason)


def officer_update(
    *, actor: Actor, officer: Officer, reason: str, **changes: Unpack[OfficerChanges]
) -> Officer:
    """Move an officer to another unit of the same agency (its head)."""
    with transaction.atomic():
        officer = _lock(Officer, officer.pk)
        _require_agency_head(actor, officer.agency)
        reason = rules.require_reason(reason)
        _require_active_agency(officer.agency)
        if "unit" in changes:
            _check_unit_of(officer.agency, changes["unit"])
        changed = _apply(officer, changes, frozenset(OfficerChanges.__annotations__))
        if not changed:
            return officer
        officer.save(update_fields=changed)
        _record(actor, "org.officer.update", officer, reason)
        return officer


def officer_deactivate(*, actor: Actor, officer: Officer, reason: str) -> Officer:
    """Take an officer off enforcement duty (its agency's head). Certificates are not touched:
    revoke them with :func:`certificate_revoke` when the law requires it."""
    with transaction.atomic():
        officer = _lock(Officer, officer.pk)
        _require_agency_head(actor, officer.agency)
        reason = rules.require_reason(reason)
        if not officer.is_active:
            return officer
        officer.is_active = False
        officer.save(update_fields=["is_active"])
        _record(actor, "org.officer.deactivate", officer, reason)
        return officer


# --- certificates -------------------------------------------------------------------------------


def _new_certificate_number(number: str) -> str:
    cleaned = rules.normalise_certificate_number(number)
    rules.check_certificate_number(cleaned)
    if Certificate.objects.filter(number=cleaned).exists():
        raise Conflict(
            _("执法证件编号“%(number)s”已被使用。") % {"number": cleaned},
            code=Code.CERTIFICATE_NUMBER_TAKEN,
            detail={"field": "number"},
        )
    return cleaned


def _insert_certificate(certificate: Certificate) -> Certificate:
    return _save_new(
        certificate,
        conflict_message=_("执法证件编号“%(number)s”已被使用。") % {"number": certificate.number},
        conflict_code=Code.CERTIFICATE_NUMBER_TAKEN,
    )


def _check_revocation_reason(reason: str) -> str:
    reason = rules.require_reason(reason)
    max_length = Certificate._meta.get_field("revoked_reason").max_length or 200
    if len(reason) > max_length:
        raise ValidationFailed(
            _("注销原因过长（最多 %(max)d 个字）。") % {"max": max_length},
            code=Code.REASON_TOO_LONG,
            detail={"field": "reason"},
        )
    return reason


def certificate_issue(
    *,
    actor: Actor,
    officer: Officer,
    number: str,
    issuing_body: str,
    area: str,
    valid_from: date,
    valid_to: date,
    scope: str = "",
    reason: str = "",
) -> Certificate:
    """Record an enforcement certificate (执法证) of an active officer (the agency's head)."""
    with transaction.atomic():
        officer = _lock(Officer, officer.pk)
        _require_agency_head(actor, officer.agency)
        _require_active_agency(officer.agency)
        if not officer.is_active:
            raise Conflict(_("该执法人员已不在岗，不能发证。"), code=Code.OFFICER_INACTIVE)
        rules.check_validity(valid_from, valid_to)
        certificate = Certificate(
            officer=officer,
            number=_new_certificate_number(number),
            issuing_body=rules.require_text(
                issuing_body, field="issuing_body", label=_("发证机关")
            ),
            area=rules.require_text(area, field="area", label=_("执法区域")),
            scope=rules.normalise_text(scope),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        _insert_certificate(certificate)
        _record(actor, "org.certificate.issue", certificate, rules.normalise_text(reason))
        return certificate


def certificate_renew(
    *,
    actor: Actor,
    certificate: Certificate,
    number: str,
    valid_from: date,
    valid_to: date,
    reason: str,
    issuing_body: str | None = None,
    area: str | None = None,
    scope: str | None = None,
) -> Certificate:
    """Issue the certificate that replaces ``certificate`` (换证) and return it.

    The new certificate gets its own number; the old one ends where the new one begins: if it would
    still be valid on the new ``valid_from``, it is revoked with effect from that day (the old card
    is withdrawn). A revoked certificate is not renewed: issue a new one instead."""
    with transaction.atomic():
        old = _lock(Certificate, certificate.pk)
        officer = _lock(Officer, old.officer_id)
        _require_agency_head(actor, officer.agency)
        reason = rules.require_reason(reason)
        _require_active_agency(officer.agency)
        if not officer.is_active:
            raise Conflict(_("该执法人员已不在岗，不能换证。"), code=Code.OFFICER_INACTIVE)
        if old.revoked_on is not None:
            raise Conflict(_("已注销的执法证不能换发，请重新发证。"), code=Code.CERTIFICATE_REVOKED)
        if Certificate.objects.filter(replaces=old).exists():
            raise Conflict(_("该执法证已经换发过新证。"), code=Code.CERTIFICATE_ALREADY_RENEWED)
        rules.check_validity(valid_from, valid_to)
        if valid_from <= old.valid_from:
            raise ValidationFailed(
                _("新证的有效期起始日期必须晚于旧证的起始日期。"),
                code=Code.INVALID_VALIDITY,
                detail={"field": "valid_from"},
            )
        new = Certificate(
            officer=officer,
            number=_new_certificate_number(number),
            issuing_body=rules.require_text(
                old.issuing_body if issuing_body is None else issuing_body,
                field="issuing_body",
                label=_("发证机关"),
            ),
            area=rules.require_text(
                old.area if area is None else area, field="area", label=_("执法区域")
            ),
            scope=rules.normalise_text(old.scope if scope is None else scope),
            valid_from=valid_from,
            valid_to=valid_to,
            replaces=old,
        )
        _insert_certificate(new)
        _record(actor, "org.certificate.renew", new, reason)
        if old.valid_to >= valid_from:
            old.revoked_on = valid_from
            old.revoked_reason = _("换发新证（新证编号 %(number)s）") % {"number": new.number}
            old.save(update_fields=["revoked_on", "revoked_reason"])
            _record(actor, "org.certificate.replace", old, reason)
        return new


def certificate_revoke(
    *, actor: Actor, certificate: Certificate, reason: str, on: date | None = None
) -> Certificate:
    """Revoke (注销) a certificate with effect from ``on`` (default today). Final: a revoked
    certificate cannot be revoked again."""
    with transaction.atomic():
        certificate = _lock(Certificate, certificate.pk)
        _require_agency_head(actor, certificate.officer.agency)
        reason = _check_revocation_reason(reason)
        if certificate.revoked_on is not None:
            raise Conflict(
                _("该执法证已于 %(day)s 注销。") % {"day": certificate.revoked_on.isoformat()},
                code=Code.CERTIFICATE_REVOKED,
            )
        certificate.revoked_on = clock.today() if on is None else on
        certificate.revoked_reason = reason
        certificate.save(update_fields=["revoked_on", "revoked_reason"])
        _record(actor, "org.certificate.revoke", certificate, reason)
        return certificate


# --- groups and their members (O-3) -------------------------------------------------------------


_GROUP_FIELDS = frozenset(GroupChanges.__annotations__)


def _validate_group(group: Group) -> None:
    rules.require_text(group.name, field="name", label=_("名称"))
    _check_choice(group.kind, Group.Kind, field="kind")
    if group.office_agency is not None:
        _same_government(
            group.government_id, group.office_agency.government_id, field="office_agency"
        )
    taken = Group.objects.filter(government_id=group.government_id, name=group.name).exclude(
        pk=group.pk
    )
    if taken.exists():
        raise Conflict(_("已有同名的工作小组。"), code=Code.GROUP_EXISTS)


def group_create(
    *,
    actor: Actor,
    government: Government,
    kind: str,
    name: str,
    office_agency: Agency | None = None,
    office_duties: str = "",
    reason: str = "",
) -> Group:
    """Set up a leading or coordination group and where its office sits (only the system admin)."""
    with transaction.atomic():
        government = _lock(Government, government.pk)
        _require_system_admin(actor)
        group = Group(
            government=government,
            kind=kind,
            name=rules.normalise_text(name),
            office_agency=office_agency,
            office_duties=rules.normalise_text(office_duties),
        )
        _validate_group(group)
        group.save(force_insert=True)
        _record(actor, "org.group.create", group, rules.normalise_text(reason))
        return group


def group_update(
    *, actor: Actor, group: Group, reason: str, **changes: Unpack[GroupChanges]
) -> Group:
    with transaction.atomic():
        group = _lock(Group, group.pk)
        _require_system_admin(actor)
        reason = rules.require_reason(reason)
        changed = _apply(group, changes, _GROUP_FIELDS)
        if not changed:
            return group
        _validate_group(group)
        group.save(update_fields=changed)
        _record(actor, "org.group.update", group, reason)
        return group


def membership_add(
    *,
    actor: Actor,
    group: Group,
    role: str,
    person: Person | None = None,
    post: Post | None = None,
    title: str = "",
    sort_order: int = 0,
    reason: str = "",
) -> GroupMembership:
    """Add a member to a group: a person, a post (the member is whoever holds it — possibly nobody
    while it is vacant), or both (the person, named together with the post they sit for)."""
    with transaction.atomic():
        group = _lock(Group, group.pk)
        _require_system_admin(actor)
        _check_choice(role, GroupMembership.Role, field="role")
        if person is None and post is None:
            raise ValidationFailed(
                _("小组成员须写明人员或所任职务。"),
                code=Code.MEMBER_REQUIRED,
                detail={"field": "person"},
            )
        if person is not None:
            _same_government(group.government_id, person.government_id, field="person")
        if post is not None:
            _same_government(group.government_id, post.government_id, field="post")
        duplicate = GroupMembership.objects.filter(
            group=group, role=role, person=person, post=post, ended_on__isnull=True
        )
        if duplicate.exists():
            raise Conflict(_("该成员已在小组中担任此职务。"), code=Code.MEMBERSHIP_EXISTS)
        membership = GroupMembership(
            group=group,
            role=role,
            person=person,
            post=post,
            title=require_visible(rules.normalise_text(title), field="title", label=_("职务")),
            sort_order=sort_order,
        )
        membership.save(force_insert=True)
        _record(actor, "org.membership.add", membership, rules.normalise_text(reason))
        return membership


def membership_update(
    *,
    actor: Actor,
    membership: GroupMembership,
    reason: str,
    **changes: Unpack[MembershipChanges],
) -> GroupMembership:
    with transaction.atomic():
        membership = _lock(GroupMembership, membership.pk)
        _require_system_admin(actor)
        reason = rules.require_reason(reason)
        if membership.ended_on is not None:
            raise Conflict(_("该成员已退出小组，不能再修改。"), code=Code.MEMBERSHIP_ENDED)
        changed = _apply(membership, changes, frozenset(MembershipChanges.__annotations__))
        if not changed:
            return membership
        _check_choice(membership.role, GroupMembership.Role, field="role")
        membership.save(update_fields=changed)
        _record(actor, "org.membership.update", membership, reason)
        return membership


def membership_remove(
    *, actor: Actor, membership: GroupMembership, reason: str, on: date | None = None
) -> GroupMembership:
    """End a membership on ``on`` (default today). The row is never deleted: its history stays."""
    with transaction.atomic():
        membership = _lock(GroupMembership, membership.pk)
        _require_system_admin(actor)
        reason = rules.require_reason(reason)
        if membership.ended_on is not None:
            return membership
        membership.ended_on = clock.today() if on is None else on
        membership.save(update_fields=["ended_on"])
        _record(actor, "org.membership.remove", membership, reason)
        return membership
