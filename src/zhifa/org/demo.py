"""Load the Baishan demo (白山乡) from ``org/data/baishan.toml`` through the org services.

Idempotent: every row is looked up by its natural key first and only what is missing is created,
so a second run writes nothing and adds no ledger event. Rows that exist are never overwritten —
``make run`` loads the demo on every start and must not undo what a user changed since.
Everything is written as :data:`~zhifa.accounts.actors.SYSTEM` in one transaction: all or nothing.

Two steps of ``zhifa demo load`` (:mod:`zhifa.core.demo`) are org's: the organisation (order 10)
and the demo logins of its agencies (order 30: the accounts are ``zhifa.accounts.demo``'s, the
agencies and people they belong to are org's, and accounts does not import org).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.accounts import demo as accounts_demo
from zhifa.accounts.actors import SYSTEM
from zhifa.core.demo import DemoStep
from zhifa.core.errors import NotFound
from zhifa.org import rules, services
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

DATA_FILE = "baishan.toml"


def demo_data() -> dict[str, Any]:
    """The demo content as written in ``org/data/baishan.toml``."""
    text = resources.files("zhifa.org").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass
class DemoLoad:
    """What one run did: the township and how many rows of each kind it created."""

    township: Government
    created: Counter[str] = field(default_factory=Counter)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


class _Loader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.reason: str = data["meta"]["reason"]
        self.created: Counter[str] = Counter()
        self.agencies: dict[str, Agency] = {}
        self.people: dict[str, Person] = {}
        self.posts: dict[tuple[str, str], Post] = {}
        self.vacant_posts: dict[str, Post] = {}

    # -- governments, agencies, units --

    def governments(self) -> Government:
        by_name: dict[str, Government] = {}
        for entry in self.data["governments"]:
            parent = by_name[entry["parent"]] if "parent" in entry else None
            government = Government.objects.filter(parent=parent, name=entry["name"]).first()
            if government is None:
                government = services.government_create(
                    actor=SYSTEM,
                    name=entry["name"],
                    level=entry["level"],
                    parent=parent,
                    division_code=entry.get("division_code", ""),
                    reason=self.reason,
                )
                self.created["government"] += 1
            by_name[entry["name"]] = government
        return by_name[self.data["meta"]["township"]]

    def agencies_and_units(self, township: Government) -> None:
        defaults = self.data["agency_defaults"]
        units = self.data["units"]
        for order, entry in enumerate(self.data["agencies"], start=1):
            name = entry["name"]
            agency = Agency.objects.filter(government=township, name=name).first()
            if agency is None:
                agency = services.agency_create(
                    actor=SYSTEM,
                    government=township,
                    name=name,
                    kind=entry["kind"],
                    is_enforcement_body=entry["enforcement"],
                    duties=entry["duties"],
                    phone=entry["phone"],
                    address=defaults["address"],
                    office_hours=defaults["office_hours"],
                    jurisdiction=defaults["jurisdiction"],
                    enforcement_area=defaults["enforcement_area"] if entry["enforcement"] else "",
                    sort_order=order,
                    reason=self.reason,
                )
                self.created["agency"] += 1
            self.agencies[name] = agency
            kinds = [Unit.Kind.HANDLING] + ([Unit.Kind.LEGAL] if entry["enforcement"] else [])
            for kind in kinds:
                unit_data = units[str(kind)]
                if not Unit.objects.filter(agency=agency, name=unit_data["name"]).exists():
                    services.unit_create(
                        actor=SYSTEM,
                        agency=agency,
                        name=unit_data["name"],
                        kind=kind,
                        duties=unit_data["duties"],
                        reason=self.reason,
                    )
                    self.created["unit"] += 1

    # -- people and posts --

    def person(self, township: Government, raw_name: str, *, synthetic: bool = False) -> Person:
        name = rules.normalise_person_name(raw_name)
        person = Person.objects.filter(government=township, name=name).first()
        if person is None:
            person = services.person_create(
                actor=SYSTEM,
                government=township,
                name=name,
                is_synthetic=synthetic,
                reason=self.reason,
            )
            self.created["person"] += 1
        self.people[name] = person
        return person

    def people_and_posts(self, township: Government) -> None:
        order = 0
        for entry in self.data["people"]:
            person = self.person(township, entry["name"])
            for post_data in entry["posts"]:
                order += 1
                agency = self.agencies[post_data["agency"]] if "agency" in post_data else None
                post = Post.objects.filter(
                    government=township, agency=agency, title=post_data["title"], holder=person
                ).first()
                if post is None:
                    post = services.post_create(
                        actor=SYSTEM,
                        government=township,
                        agency=agency,
                        title=post_data["title"],
                        holder=person,
                        sort_order=order,
                        reason=self.reason,
                    )
                    self.created["post"] += 1
                self.posts[(person.name, post.title)] = post
        for post_data in self.data.get("vacant_posts", []):
            order += 1
            agency = self.agencies[post_data["agency"]]
            post = Post.objects.filter(
                government=township, agency=agency, title=post_data["title"], holder__isnull=True
            ).first()
            if post is None:
                post = services.post_create(
                    actor=SYSTEM,
                    government=township,
                    agency=agency,
                    title=post_data["title"],
                    holder=None,
                    sort_order=order,
                    reason=self.reason,
                )
                self.created["post"] += 1
            self.vacant_posts[post.title] = post

    # -- groups --

    def groups(self, township: Government) -> None:
        for entry in self.data["groups"]:
            group = Group.objects.filter(government=township, name=entry["name"]).first()
            if group is None:
                group = services.group_create(
                    actor=SYSTEM,
                    government=township,
                    kind=entry["kind"],
                    name=entry["name"],
                    office_agency=self.agencies[entry["office_agency"]],
                    office_duties=entry["office_duties"],
                    reason=self.reason,
                )
                self.created["group"] += 1
            for order, member in enumerate(entry["members"], start=1):
                person: Person | None
                post: Post | None
                if "vacant_post" in member:
                    # A member by post: whoever holds it, nobody while it is vacant.
                    person, post = None, self.vacant_posts[member["vacant_post"]]
                else:
                    person = self.people[rules.normalise_person_name(member["name"])]
                    post = self.posts[(person.name, member["post"])] if "post" in member else None
                exists = GroupMembership.objects.filter(
                    group=group, role=member["role"], person=person, post=post
                ).exists()
                if not exists:
                    services.membership_add(
                        actor=SYSTEM,
                        group=group,
                        role=member["role"],
                        person=person,
                        post=post,
                        title="、".join(member["titles"]),
                        sort_order=order,
                        reason=self.reason,
                    )
                    self.created["membership"] += 1

    # -- synthetic officers and certificates --

    def officers(self, township: Government) -> None:
        defaults = self.data["certificate_defaults"]
        for entry in self.data["officers"]:
            agency = self.agencies[entry["agency"]]
            person = self.person(township, entry["name"], synthetic=True)
            officer = Officer.objects.filter(person=person).first()
            if officer is None:
                handling = Unit.objects.get(agency=agency, kind=Unit.Kind.HANDLING)
                officer = services.officer_create(
                    actor=SYSTEM, agency=agency, person=person, unit=handling, reason=self.reason
                )
                self.created["officer"] += 1
            data = entry["certificate"]
            certificate = Certificate.objects.filter(number=data["number"]).first()
            if certificate is None:
                certificate = services.certificate_issue(
                    actor=SYSTEM,
                    officer=officer,
                    number=data["number"],
                    issuing_body=defaults["issuing_body"],
                    area=defaults["area"],
                    scope=data["scope"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    reason=self.reason,
                )
                self.created["certificate"] += 1
            revoked_on: date | None = data.get("revoked_on")
            if revoked_on is not None and certificate.revoked_on is None:
                services.certificate_revoke(
                    actor=SYSTEM,
                    certificate=certificate,
                    on=revoked_on,
                    reason=data["revoked_reason"],
                )
                self.created["revocation"] += 1


def load_baishan() -> DemoLoad:
    """Create whatever of the Baishan demo is missing; return the township and what was created."""
    loader = _Loader(demo_data())
    with transaction.atomic():
        township = loader.governments()
        loader.agencies_and_units(township)
        loader.people_and_posts(township)
        loader.groups(township)
        loader.officers(township)
    return DemoLoad(township=township, created=loader.created)


def demo_township() -> Government:
    """The Baishan township as the organisation step loaded it (the later steps load into it)."""
    by_name: dict[str, Government | None] = {}
    data = demo_data()
    for entry in data["governments"]:
        parent = by_name.get(entry["parent"]) if "parent" in entry else None
        by_name[entry["name"]] = Government.objects.filter(
            parent=parent, name=entry["name"]
        ).first()
    township = by_name.get(data["meta"]["township"])
    if township is None:
        raise NotFound(
            _("未找到白山乡，请先载入组织机构演示数据。"), code=Code.DEMO_TOWNSHIP_MISSING
        )
    return township


KIND_LABELS = {
    "government": gettext_lazy("政府"),
    "agency": gettext_lazy("部门"),
    "unit": gettext_lazy("内设机构"),
    "person": gettext_lazy("人员"),
    "post": gettext_lazy("职务"),
    "group": gettext_lazy("工作小组"),
    "membership": gettext_lazy("小组成员"),
    "officer": gettext_lazy("执法人员"),
    "certificate": gettext_lazy("执法证"),
    "revocation": gettext_lazy("注销"),
}


def _organisation_step() -> list[str]:
    result = load_baishan()
    if not result.total_created:
        return [_("白山乡演示数据已经齐全，本次未作任何改动。")]
    created = "，".join(
        f"{KIND_LABELS.get(kind, kind)} {count}" for kind, count in result.created.items()
    )
    return [_("白山乡演示数据已载入，新建：%(created)s。") % {"created": created}]


# --- the demo logins of the township's agencies -------------------------------------------------


def _agency(government: Government, name: str) -> Agency:
    agency = Agency.objects.filter(government=government, name=name).first()
    if agency is None:
        raise NotFound(
            _("未找到“%(name)s”，请先载入组织机构演示数据。") % {"name": name},
            code=Code.DEMO_AGENCY_MISSING,
        )
    return agency


def _synthetic_officer_person(agency: Agency) -> Person | None:
    officer = (
        Officer.objects.filter(agency=agency, person__is_synthetic=True, person__user__isnull=True)
        .select_related("person")
        .order_by("id")
        .first()
    )
    return officer.person if officer is not None else None


def load_demo_accounts(government: Government) -> list[str]:
    """Create (or complete) the demo logins of ``government``'s agencies (see
    :func:`zhifa.accounts.demo.create_demo_accounts`); returns printable lines."""
    land = _agency(government, accounts_demo.LAND_AGENCY)
    justice = _agency(government, accounts_demo.JUSTICE_AGENCY)
    return accounts_demo.create_demo_accounts(
        agencies={accounts_demo.LAND_AGENCY: land, accounts_demo.JUSTICE_AGENCY: justice},
        officer_person=lambda: _synthetic_officer_person(land),
    )


STEPS = [
    DemoStep(name="org.baishan", run=_organisation_step, order=10),
    DemoStep(name="accounts.demo", run=lambda: load_demo_accounts(demo_township()), order=30),
]
