"""The org services: every change is checked, written and versioned with who, when and why
(O-1, O-3, D-2, D-3); a refused change changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from zhifa.accounts.actors import SYSTEM, Actor
from zhifa.accounts.models import ApiToken
from zhifa.core import clock
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.ledger.models import LedgerEvent
from zhifa.org import services
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
from zhifa.org.selectors import history_of

from .conftest import Org, ledger_size, nothing_changes

ALL_ORG_MODELS = (
    Government,
    Agency,
    Unit,
    Person,
    Post,
    Officer,
    Certificate,
    Group,
    GroupMembership,
)


def last_event() -> LedgerEvent:
    return LedgerEvent.objects.select_related("version").order_by("-seq").first()  # type: ignore[return-value]


def assert_recorded(obj: Any, action: str, *, actor: str, reason: str = "") -> None:
    """The last ledger event is ``action`` on ``obj`` by ``actor``, its version keeps the
    reason and the row's content as it is now."""
    event = last_event()
    assert event.action == action
    assert event.object_type == obj._meta.label_lower
    assert event.object_id == str(obj.pk)
    assert event.actor == actor
    assert event.version.reason == reason
    obj.refresh_from_db()
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        stored = event.version.content[field.attname]
        assert stored == (value.isoformat() if isinstance(value, date) else value)


def token(agency: Agency | None, *scopes: str) -> ApiToken:
    return ApiToken.objects.create(
        name="测试令牌",
        prefix=f"t{ApiToken.objects.count():07d}",
        secret_sha256="0" * 64,
        agency=agency,
        scopes=list(scopes),
        created_at=clock.now(),
    )


# --- actors -------------------------------------------------------------------------------------


def test_no_actor_is_refused_and_nothing_is_written__O1(org: Org) -> None:
    with nothing_changes(Agency), pytest.raises(PermissionDenied) as refused:
        services.agency_update(actor=None, agency=org.land, reason="无", duties="x")  # type: ignore[arg-type]
    assert refused.value.code == "actor_required"


def test_the_system_actor_is_recorded_as_system__O1(org: Org) -> None:
    services.agency_update(actor=SYSTEM, agency=org.land, reason="演示", duties="新职责")
    assert_recorded(org.land, "org.agency.update", actor="system", reason="演示")


# --- governments --------------------------------------------------------------------------------


def test_system_admin_creates_a_government_and_it_is_versioned__O1(org: Org) -> None:
    government = services.government_create(
        actor=org.system_admin,
        name="四平市",
        level=Government.Level.CITY,
        division_code="220300",
        reason="建立上级政府",
    )
    assert_recorded(
        government,
        "org.government.create",
        actor=f"user:{org.system_admin.pk}",
        reason="建立上级政府",
    )


def test_agency_head_cannot_create_a_government__O1(org: Org) -> None:
    with nothing_changes(Government), pytest.raises(PermissionDenied):
        services.government_create(actor=org.land_head, name="四平市", level=Government.Level.CITY)


def test_government_update_needs_a_reason_and_records_it__O1(org: Org) -> None:
    with nothing_changes(Government), pytest.raises(ValidationFailed) as refused:
        services.government_update(
            actor=org.system_admin, government=org.township, reason="  ", phone="0434-5123456"
        )
    assert refused.value.message == "请填写变更原因。"
    services.government_update(
        actor=org.system_admin, government=org.township, reason="公布电话", phone="0434 5123456"
    )
    assert_recorded(
        org.township,
        "org.government.update",
        actor=f"user:{org.system_admin.pk}",
        reason="公布电话",
    )
    assert org.township.phone == "0434-5123456"


def test_a_lower_government_must_sit_below_its_parent__O1(org: Org) -> None:
    with nothing_changes(Government), pytest.raises(ValidationFailed) as refused:
        services.government_create(
            actor=org.system_admin, name="某县", level=Government.Level.COUNTY, parent=org.township
        )
    assert refused.value.code == "invalid_level"


def test_a_division_code_is_six_nine_or_twelve_digits__O1(org: Org) -> None:
    with nothing_changes(Government), pytest.raises(ValidationFailed) as refused:
        services.government_update(
            actor=org.system_admin, government=org.township, reason="补充", division_code="22032"
        )
    assert refused.value.code == "invalid_division_code"


# --- agencies -----------------------------------------------------------------------------------


def test_system_admin_creates_an_agency__D2(org: Org) -> None:
    agency = services.agency_create(
        actor=org.system_admin,
        government=org.township,
        name="水管所",
        kind=Agency.Kind.INSTITUTE,
        phone="0434-1000115",
        reason="新设",
    )
    assert_recorded(agency, "org.agency.create", actor=f"user:{org.system_admin.pk}", reason="新设")


@pytest.mark.parametrize("who", ["land_head", "supervisor", "land_officer_user"])
def test_only_the_system_admin_creates_agencies__D2(org: Org, who: str) -> None:
    with nothing_changes(*ALL_ORG_MODELS), pytest.raises(PermissionDenied):
        services.agency_create(
            actor=getattr(org, who), government=org.township, name="水管所", kind="institute"
        )


def test_an_agency_name_is_unique_in_its_government__D2(org: Org) -> None:
    with nothing_changes(Agency), pytest.raises(Conflict) as refused:
        services.agency_create(
            actor=org.system_admin, government=org.township, name="国土资源所", kind="institute"
        )
    assert refused.value.code == "agency_exists"


def test_an_entrusted_organisation_must_name_its_entrusting_agency__L1(org: Org) -> None:
    with nothing_changes(Agency), pytest.raises(ValidationFailed) as refused:
        services.agency_create(
            actor=org.system_admin,
            government=org.township,
            name="受委托的测试站",
            kind="station",
            is_entrusted=True,
        )
    assert refused.value.message == "受委托组织必须写明委托机关。"
    entrusted = services.agency_create(
        actor=org.system_admin,
        government=org.township,
        name="受委托的测试站",
        kind="station",
        is_entrusted=True,
        entrusted_by=org.land,
    )
    assert entrusted.entrusted_by == org.land


def test_an_agency_cannot_entrust_itself__L1(org: Org) -> None:
    with nothing_changes(Agency), pytest.raises(ValidationFailed) as refused:
        services.agency_update(
            actor=org.system_admin,
            agency=org.land,
            reason="委托",
            is_entrusted=True,
            entrusted_by=org.land,
        )
    assert refused.value.code == "entrusting_agency_is_self"


def test_the_head_updates_their_agency_profile_and_the_version_keeps_who_and_why__D2(
    org: Org,
) -> None:
    services.agency_update(
        actor=org.land_head,
        agency=org.land,
        reason="职责调整",
        duties="土地管理和土地违法查处",
        post_code="136504",
    )
    assert_recorded(
        org.land, "org.agency.update", actor=f"user:{org.land_head.pk}", reason="职责调整"
    )
    history = history_of(org.land)
    assert [entry.action for entry in history] == ["org.agency.create", "org.agency.update"]
    assert history[1].actor_name == "land_head"
    assert history[1].content["duties"] == "土地管理和土地违法查处"
    assert history[0].content["duties"] == ""


def test_an_officer_of_one_agency_changes_nothing_of_another__D2(org: Org) -> None:
    """The head of 国土资源所 is nobody in 林业服务站: refused, the row and the ledger unchanged."""
    with nothing_changes(*ALL_ORG_MODELS), pytest.raises(PermissionDenied):
        services.agency_update(
            actor=org.land_head, agency=org.forest, reason="越权", duties="被改写"
        )
    org.forest.refresh_from_db()
    assert org.forest.duties == ""


@pytest.mark.parametrize("who", ["supervisor", "land_officer_user"])
def test_a_supervisor_or_plain_officer_writes_nothing__D2(org: Org, who: str) -> None:
    with nothing_changes(*ALL_ORG_MODELS), pytest.raises(PermissionDenied):
        services.agency_update(actor=getattr(org, who), agency=org.land, reason="改", duties="x")


def test_the_head_cannot_change_the_legal_standing_of_their_agency__D2(org: Org) -> None:
    with nothing_changes(Agency), pytest.raises(PermissionDenied):
        services.agency_update(
            actor=org.land_head, agency=org.land, reason="改", is_enforcement_body=False
        )
    services.agency_update(
        actor=org.system_admin, agency=org.land, reason="核定", is_enforcement_body=False
    )
    org.land.refresh_from_db()
    assert org.land.is_enforcement_body is False


def test_an_update_without_a_reason_is_refused_in_chinese__D2(org: Org) -> None:
    with nothing_changes(Agency), pytest.raises(ValidationFailed) as refused:
        services.agency_update(actor=org.land_head, agency=org.land, reason="", duties="x")
    assert refused.value.code == "reason_required"
    assert refused.value.message == "请填写变更原因。"


def test_an_update_that_changes_nothing_writes_nothing__D2(org: Org) -> None:
    services.agency_update(actor=org.land_head, agency=org.land, reason="首次", duties="土地")
    with nothing_changes(*ALL_ORG_MODELS):
        services.agency_update(
            actor=org.land_head, agency=org.land, reason="再次", duties="  土地  "
        )


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("phone", "12345", "phone_invalid"),
        ("post_code", "13650", "invalid_post_code"),
        ("email", "not-an-email", "invalid_email"),
        ("website", "ftp://example.cn", "invalid_website"),
        ("credit_code", "91350100M000100Y44", "credit_code_invalid"),
    ],
)
def test_contact_formats_are_checked__D9(org: Org, field: str, value: str, code: str) -> None:
    with nothing_changes(Agency), pytest.raises(ValidationFailed) as refused:
        services.agency_update(
            actor=org.land_head, agency=org.land, reason="更新", **{field: value}
        )
    assert refused.value.code == code
    assert refused.value.detail["field"] == field


def test_phone_and_credit_code_are_stored_in_their_normal_form__D9(org: Org) -> None:
    services.agency_update(
        actor=org.land_head,
        agency=org.land,
        reason="更新",
        phone="０４３４－５１２３４５６",
        credit_code="91350100m000100y43",
    )
    org.land.refresh_from_db()
    assert (org.land.phone, org.land.credit_code) == ("0434-5123456", "91350100M000100Y43")


def test_only_the_system_admin_deactivates_an_agency_and_says_why__D2(org: Org) -> None:
    with nothing_changes(Agency), pytest.raises(PermissionDenied):
        services.agency_deactivate(actor=org.land_head, agency=org.land, reason="撤并")
    with nothing_changes(Agency), pytest.raises(ValidationFailed):
        services.agency_deactivate(actor=org.system_admin, agency=org.land, reason="")
    services.agency_deactivate(actor=org.system_admin, agency=org.land, reason="机构撤并")
    assert_recorded(
        org.land, "org.agency.deactivate", actor=f"user:{org.system_admin.pk}", reason="机构撤并"
    )
    assert org.land.is_active is False
    with nothing_changes(Agency), pytest.raises(Conflict):
        services.agency_update(actor=org.land_head, agency=org.land, reason="改", duties="x")


# --- units --------------------------------------------------------------------------------------


def test_the_head_adds_and_changes_units_of_their_agency__D2(org: Org) -> None:
    unit = services.unit_create(
        actor=org.land_head, agency=org.land, name="法制审核组", kind=Unit.Kind.LEGAL, reason="设立"
    )
    assert_recorded(unit, "org.unit.create", actor=f"user:{org.land_head.pk}", reason="设立")
    services.unit_update(actor=org.land_head, unit=unit, reason="更名", name="法制组")
    assert_recorded(unit, "org.unit.update", actor=f"user:{org.land_head.pk}", reason="更名")


def test_a_head_cannot_touch_another_agencys_units__D2(org: Org) -> None:
    with nothing_changes(*ALL_ORG_MODELS), pytest.raises(PermissionDenied):
        services.unit_create(actor=org.land_head, agency=org.forest, name="x", kind="other")
    with nothing_changes(*ALL_ORG_MODELS), pytest.raises(PermissionDenied):
        services.unit_update(
            actor=org.land_head, unit=org.forest_unit, reason="改", is_active=False
        )


# --- people and posts ---------------------------------------------------------------------------


def test_blanks_inside_a_name_are_dropped__O1(org: Org) -> None:
    person = services.person_create(
        actor=org.system_admin, government=org.township, name="郑\u3000伟"
    )
    assert person.name == "郑伟"
    person = services.person_create(actor=org.system_admin, government=org.township, name="王  海")
    assert person.name == "王海"


def test_a_head_corrects_their_officer_but_not_another_agencys__D3(org: Org) -> None:
    services.person_update(
        actor=org.land_head, person=org.land_officer.person, reason="更正", phone="13912345678"
    )
    assert_recorded(
        org.land_officer.person,
        "org.person.update",
        actor=f"user:{org.land_head.pk}",
        reason="更正",
    )
    with nothing_changes(Person), pytest.raises(PermissionDenied):
        services.person_update(
            actor=org.land_head, person=org.forest_officer.person, reason="越权", name="改名"
        )


def test_a_vacant_post_is_filled_and_vacated__O1(org: Org) -> None:
    post = services.post_create(
        actor=org.land_head, government=org.township, agency=org.land, title="国土资源所所长"
    )
    assert post.holder is None
    assert post.is_head is True
    person = services.person_create(actor=org.system_admin, government=org.township, name="张三")
    services.post_assign_holder(actor=org.land_head, post=post, person=person, reason="任命")
    assert_recorded(post, "org.post.assign", actor=f"user:{org.land_head.pk}", reason="任命")
    other = services.person_create(actor=org.system_admin, government=org.township, name="李四")
    with nothing_changes(Post), pytest.raises(Conflict):
        services.post_assign_holder(actor=org.land_head, post=post, person=other, reason="任命")
    services.post_vacate(actor=org.land_head, post=post, reason="调离")
    assert_recorded(post, "org.post.vacate", actor=f"user:{org.land_head.pk}", reason="调离")
    assert post.holder is None


def test_posts_of_the_government_itself_are_the_system_admins__O1(org: Org) -> None:
    with nothing_changes(Post), pytest.raises(PermissionDenied):
        services.post_create(actor=org.land_head, government=org.township, title="副乡长")
    post = services.post_create(actor=org.system_admin, government=org.township, title="副乡长")
    assert post.agency is None and post.is_head is False


def test_a_head_cannot_create_posts_in_another_agency__O1(org: Org) -> None:
    with nothing_changes(Post), pytest.raises(PermissionDenied):
        services.post_create(
            actor=org.land_head, government=org.township, agency=org.forest, title="站长"
        )


# --- officers -----------------------------------------------------------------------------------


def test_the_head_registers_an_officer_in_their_agency__D3(org: Org) -> None:
    before = ledger_size()
    officer = services.officer_register(
        actor=org.land_head, agency=org.land, name="新 执法员", unit=org.land_unit, reason="新录用"
    )
    assert officer.person.name == "新执法员"
    assert ledger_size() == before + 2
    assert_recorded(
        officer, "org.officer.create", actor=f"user:{org.land_head.pk}", reason="新录用"
    )


def test_an_officer_cannot_be_put_in_another_agencys_unit__D3(org: Org) -> None:
    with nothing_changes(Officer), pytest.raises(ValidationFailed) as refused:
        services.officer_update(
            actor=org.land_head, officer=org.land_officer, reason="调整", unit=org.forest_unit
        )
    assert refused.value.code == "unit_of_other_agency"


def test_a_person_is_registered_as_an_officer_once__D3(org: Org) -> None:
    with nothing_changes(Officer), pytest.raises(Conflict):
        services.officer_create(
            actor=org.land_head, agency=org.land, person=org.land_officer.person
        )


def test_officer_update_and_deactivation_are_versioned__D3(org: Org) -> None:
    services.officer_update(actor=org.land_head, officer=org.land_officer, reason="调整", unit=None)
    assert_recorded(
        org.land_officer, "org.officer.update", actor=f"user:{org.land_head.pk}", reason="调整"
    )
    with nothing_changes(Officer), pytest.raises(PermissionDenied):
        services.officer_deactivate(actor=org.forest_head, officer=org.land_officer, reason="越权")
    services.officer_deactivate(actor=org.land_head, officer=org.land_officer, reason="退休")
    assert_recorded(
        org.land_officer, "org.officer.deactivate", actor=f"user:{org.land_head.pk}", reason="退休"
    )
    with nothing_changes(Certificate), pytest.raises(Conflict):
        services.certificate_issue(
            actor=org.land_head,
            officer=org.land_officer,
            number="TEST-0100",
            issuing_body="测试发证机关",
            area="白山乡",
            valid_from=date(2026, 1, 1),
            valid_to=date(2027, 1, 1),
        )


# --- certificates -------------------------------------------------------------------------------


def issue(
    actor: Actor, officer: Officer, number: str, valid_from: date, valid_to: date
) -> Certificate:
    return services.certificate_issue(
        actor=actor,
        officer=officer,
        number=number,
        issuing_body="测试发证机关",
        area="白山乡行政区域",
        valid_from=valid_from,
        valid_to=valid_to,
        reason="发证",
    )


def test_the_head_issues_a_certificate_and_it_is_versioned__D3(org: Org) -> None:
    certificate = issue(
        org.land_head, org.land_officer, " test-0003 ", date(2026, 1, 1), date(2031, 12, 31)
    )
    assert certificate.number == "TEST-0003"
    assert_recorded(
        certificate, "org.certificate.issue", actor=f"user:{org.land_head.pk}", reason="发证"
    )


def test_certificate_numbers_are_unique__D3(org: Org) -> None:
    with nothing_changes(Certificate), pytest.raises(Conflict) as refused:
        issue(org.land_head, org.land_officer, "test-0001", date(2026, 1, 1), date(2027, 1, 1))
    assert refused.value.code == "certificate_number_taken"
    assert "已被使用" in refused.value.message


def test_validity_may_not_end_before_it_begins__D3(org: Org) -> None:
    with nothing_changes(Certificate), pytest.raises(ValidationFailed) as refused:
        issue(org.land_head, org.land_officer, "TEST-0004", date(2026, 1, 2), date(2026, 1, 1))
    assert refused.value.message == "有效期截止日期不能早于起始日期。"
    one_day = issue(
        org.land_head, org.land_officer, "TEST-0004", date(2026, 1, 1), date(2026, 1, 1)
    )
    assert one_day.valid_from == one_day.valid_to


def test_a_head_cannot_issue_to_another_agencys_officer__D3(org: Org) -> None:
    with nothing_changes(Certificate), pytest.raises(PermissionDenied):
        issue(org.land_head, org.forest_officer, "TEST-0005", date(2026, 1, 1), date(2027, 1, 1))


def test_renewal_issues_a_new_number_and_ends_the_old_card_when_the_new_begins__D3(
    org: Org,
) -> None:
    old = org.land_certificate
    new = services.certificate_renew(
        actor=org.land_head,
        certificate=old,
        number="TEST-0101",
        valid_from=date(2027, 1, 1),
        valid_to=date(2032, 12, 31),
        reason="换证",
    )
    assert new.replaces == old
    assert_recorded(old, "org.certificate.replace", actor=f"user:{org.land_head.pk}", reason="换证")
    assert old.revoked_on == date(2027, 1, 1)
    assert "TEST-0101" in old.revoked_reason
    assert [entry.action for entry in history_of(new)] == ["org.certificate.renew"]
    with nothing_changes(Certificate), pytest.raises(Conflict):
        services.certificate_renew(
            actor=org.land_head,
            certificate=old,
            number="TEST-0102",
            valid_from=date(2028, 1, 1),
            valid_to=date(2033, 1, 1),
            reason="再换",
        )


def test_an_expired_certificate_is_renewed_without_revoking_it__D3(org: Org) -> None:
    old = issue(org.land_head, org.land_officer, "TEST-0006", date(2019, 1, 1), date(2024, 12, 31))
    services.certificate_renew(
        actor=org.land_head,
        certificate=old,
        number="TEST-0007",
        valid_from=date(2026, 1, 1),
        valid_to=date(2030, 12, 31),
        reason="到期换证",
    )
    old.refresh_from_db()
    assert old.revoked_on is None


def test_revocation_is_versioned_and_final__D10(org: Org) -> None:
    with nothing_changes(Certificate), pytest.raises(ValidationFailed):
        services.certificate_revoke(
            actor=org.land_head, certificate=org.land_certificate, reason=" "
        )
    with nothing_changes(Certificate), pytest.raises(PermissionDenied):
        services.certificate_revoke(
            actor=org.forest_head, certificate=org.land_certificate, reason="越权"
        )
    services.certificate_revoke(
        actor=org.land_head, certificate=org.land_certificate, reason="调离"
    )
    assert_recorded(
        org.land_certificate,
        "org.certificate.revoke",
        actor=f"user:{org.land_head.pk}",
        reason="调离",
    )
    assert org.land_certificate.revoked_on == clock.today()
    with nothing_changes(Certificate), pytest.raises(Conflict):
        services.certificate_revoke(
            actor=org.land_head,
            certificate=org.land_certificate,
            reason="再次",
            on=clock.today() + timedelta(days=1),
        )


# --- machines -----------------------------------------------------------------------------------


def test_a_token_with_org_write_acts_for_its_own_agency_only__D2(org: Org) -> None:
    machine = token(org.land, "org:write")
    services.agency_update(actor=machine, agency=org.land, reason="接口同步", phone="0434-5123456")
    assert last_event().actor == f"token:{machine.prefix}"
    with nothing_changes(*ALL_ORG_MODELS), pytest.raises(PermissionDenied):
        services.agency_update(
            actor=machine, agency=org.forest, reason="越权", phone="0434-5123456"
        )
    with nothing_changes(*ALL_ORG_MODELS), pytest.raises(PermissionDenied):
        services.agency_create(actor=machine, government=org.township, name="x", kind="other")


def test_a_token_without_org_write_changes_nothing__D2(org: Org) -> None:
    with nothing_changes(*ALL_ORG_MODELS), pytest.raises(PermissionDenied):
        services.agency_update(
            actor=token(org.land, "org:read"), agency=org.land, reason="同步", duties="x"
        )


# --- groups (O-3) -------------------------------------------------------------------------------


def test_groups_and_members_are_set_up_by_the_system_admin__O3(org: Org) -> None:
    with nothing_changes(Group), pytest.raises(PermissionDenied):
        services.group_create(
            actor=org.supervisor, government=org.township, kind="leading", name="领导小组"
        )
    group = services.group_create(
        actor=org.system_admin,
        government=org.township,
        kind=Group.Kind.LEADING,
        name="领导小组",
        office_agency=org.justice,
        reason="成立",
    )
    assert_recorded(group, "org.group.create", actor=f"user:{org.system_admin.pk}", reason="成立")
    services.group_update(actor=org.system_admin, group=group, reason="更名", name="工作领导小组")
    assert_recorded(group, "org.group.update", actor=f"user:{org.system_admin.pk}", reason="更名")


def test_a_vacant_post_is_a_member_by_post_and_removal_ends_the_row__O3(org: Org) -> None:
    group = services.group_create(
        actor=SYSTEM, government=org.township, kind=Group.Kind.LEADING, name="领导小组"
    )
    post = services.post_create(
        actor=SYSTEM, government=org.township, agency=org.land, title="国土资源所所长"
    )
    membership = services.membership_add(
        actor=org.system_admin,
        group=group,
        role=GroupMembership.Role.MEMBER,
        post=post,
        reason="增补",
    )
    assert membership.person is None and membership.post.holder is None
    assert_recorded(
        membership, "org.membership.add", actor=f"user:{org.system_admin.pk}", reason="增补"
    )
    with nothing_changes(GroupMembership), pytest.raises(Conflict):
        services.membership_add(actor=org.system_admin, group=group, role="member", post=post)
    services.membership_update(
        actor=org.system_admin, membership=membership, reason="调整", role="deputy_leader"
    )
    assert_recorded(
        membership, "org.membership.update", actor=f"user:{org.system_admin.pk}", reason="调整"
    )
    with nothing_changes(GroupMembership), pytest.raises(ValidationFailed):
        services.membership_remove(actor=org.system_admin, membership=membership, reason="")
    with nothing_changes(GroupMembership), pytest.raises(PermissionDenied):
        services.membership_remove(actor=org.land_head, membership=membership, reason="越权")
    services.membership_remove(actor=org.system_admin, membership=membership, reason="调整分工")
    assert_recorded(
        membership, "org.membership.remove", actor=f"user:{org.system_admin.pk}", reason="调整分工"
    )
    assert GroupMembership.objects.filter(pk=membership.pk, ended_on=clock.today()).exists()
    assert [entry.action for entry in history_of(membership)] == [
        "org.membership.add",
        "org.membership.update",
        "org.membership.remove",
    ]


def test_a_member_names_a_person_or_a_post__O3(org: Org) -> None:
    group = services.group_create(
        actor=SYSTEM, government=org.township, kind=Group.Kind.COORDINATION, name="协调小组"
    )
    with nothing_changes(GroupMembership), pytest.raises(ValidationFailed):
        services.membership_add(actor=org.system_admin, group=group, role="member")


def test_the_head_may_send_back_an_unchanged_legal_standing__D2(org: Org) -> None:
    """A client that writes back the whole agency is not refused for fields it did not change."""
    services.agency_update(
        actor=org.land_head,
        agency=org.land,
        reason="更新职责",
        name="国土资源所",
        kind=Agency.Kind.INSTITUTE,
        is_enforcement_body=True,
        duties="土地管理",
    )
    assert_recorded(
        org.land, "org.agency.update", actor=f"user:{org.land_head.pk}", reason="更新职责"
    )
