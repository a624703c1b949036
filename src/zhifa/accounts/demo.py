"""Demo logins: one per role, with a known password and a FIXED TOTP secret, already confirmed.

Everything here is public (it is printed by ``zhifa demo load`` and written in this file): these
accounts exist only so that a demo installation can be tried at once, with the code from an
authenticator app. Never load them into a production database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from zhifa.accounts import services
from zhifa.accounts.actors import SYSTEM
from zhifa.accounts.models import RoleAssignment, User

# The public demo password, printed on purpose (bandit B105 is not a leak here).
DEMO_PASSWORD = "Zhifa#Demo2026"  # nosec B105
LAND_AGENCY = "国土资源所"
JUSTICE_AGENCY = "司法所"

Role = RoleAssignment.Role
AdminRole = User.AdminRole


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str = ""
    agency_name: str = ""
    admin_role: str = ""


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo_officer", "演示执法人员", Role.OFFICER, LAND_AGENCY),
    DemoAccount("demo_unit_head", "演示承办机构负责人", Role.UNIT_HEAD, LAND_AGENCY),
    DemoAccount("demo_agency_head", "演示执法机关负责人", Role.AGENCY_HEAD, LAND_AGENCY),
    DemoAccount("demo_legal_reviewer", "演示法制审核人员", Role.LEGAL_REVIEWER, LAND_AGENCY),
    DemoAccount(
        "demo_publication_reviewer", "演示公示审核人员", Role.PUBLICATION_REVIEWER, LAND_AGENCY
    ),
    DemoAccount("demo_records_keeper", "演示档案管理人员", Role.RECORDS_KEEPER, LAND_AGENCY),
    DemoAccount("demo_supervisor", "演示监督人员", Role.SUPERVISOR, JUSTICE_AGENCY),
    DemoAccount("demo_system_admin", "演示系统管理员", admin_role=AdminRole.SYSTEM),
    DemoAccount("demo_security_admin", "演示安全管理员", admin_role=AdminRole.SECURITY),
    DemoAccount("demo_auditor", "演示安全审计员", admin_role=AdminRole.AUDITOR),
)


def demo_totp_key_hex(username: str) -> str:
    """The fixed 20-byte TOTP secret of a demo account (derived from its name: public)."""
    return hashlib.sha256(f"zhifa demo totp secret for {username}".encode()).hexdigest()[:40]


def create_demo_accounts(
    *, agencies: Mapping[str, Model], officer_person: Callable[[], Model | None]
) -> list[str]:
    """Create (or complete) the demo logins; returns printable lines. ``agencies`` are the
    ``org.Agency`` rows by name (:data:`LAND_AGENCY`, :data:`JUSTICE_AGENCY`), ``officer_person``
    finds the synthetic officer the officer's login belongs to (``zhifa.org.demo`` passes both:
    accounts does not import org).

    Idempotent: a second run creates nothing new and prints the same credentials.
    """
    lines = [
        _("【演示账户】以下账户仅供演示和测试：密码和动态口令密钥都是公开的，切勿用于生产环境。"),
        _("登录地址：/staff/login/ ；所有演示账户的密码：%(password)s")
        % {"password": DEMO_PASSWORD},
        _("在验证器应用中扫描或手动输入下列“动态口令密钥”（TOTP，30秒，6位），即可获得动态口令。"),
    ]
    with transaction.atomic():
        for spec in DEMO_ACCOUNTS:
            user = User.objects.filter(username=spec.username).first()
            person = None
            if spec.role == Role.OFFICER:
                person = officer_person()
            if user is None:
                user, _password = services.user_create(
                    actor=SYSTEM,
                    username=spec.username,
                    full_name=spec.full_name,
                    admin_role=spec.admin_role,
                    person=person,
                    password=DEMO_PASSWORD,
                    reason=_("演示数据"),
                )
            elif person is not None and user.person_id is None:
                services.user_link_person(actor=SYSTEM, user=user, person=person)
            device = services.otp_install_fixed_key(
                actor=SYSTEM, user=user, key_hex=demo_totp_key_hex(spec.username)
            )
            if spec.role:
                agency = agencies[spec.agency_name]
                held = RoleAssignment.objects.filter(
                    user=user,
                    agency_id=agency.pk,
                    role=spec.role,
                    unit=None,
                    revoked_at__isnull=True,
                ).exists()
                if not held:
                    services.role_grant(
                        actor=SYSTEM,
                        user=user,
                        agency=agency,
                        role=spec.role,
                        reason=_("演示数据"),
                    )
                what = f"{spec.agency_name} {Role(spec.role).label}"
            else:
                what = str(AdminRole(spec.admin_role).label)
            lines.append(
                _("演示 %(what)s：用户名 %(username)s 密码 %(password)s 动态口令密钥 %(secret)s")
                % {
                    "what": what,
                    "username": spec.username,
                    "password": DEMO_PASSWORD,
                    "secret": services.otp_base32_secret(device),
                }
            )
            lines.append(f"  {device.config_url}")
    return lines
