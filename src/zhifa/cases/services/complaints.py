"""Complaints and reports (投诉举报, R-10): registered, then a case or no case with the reason."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from zhifa.accounts.actors import Actor, actor_label
from zhifa.cases.access import require_agency_staff, user_of
from zhifa.cases.errors import Code
from zhifa.cases.models import Complaint
from zhifa.cases.services.common import clean_text
from zhifa.core import clock
from zhifa.core.errors import Conflict, ValidationFailed
from zhifa.core.identifiers import validate_phone
from zhifa.ledger.services import ledger_append
from zhifa.org.models import Agency


def complaint_register(
    *,
    actor: Actor,
    agency: Agency,
    channel: str,
    subject: str,
    content: str,
    is_real_name: bool,
    complainant_name: str = "",
    complainant_phone: str = "",
) -> Complaint:
    with transaction.atomic():
        require_agency_staff(actor, agency)
        if channel not in Complaint.Channel.values:
            raise ValidationFailed(
                _("来源不正确。"), code=Code.CHANNEL_INVALID, detail={"field": "channel"}
            )
        name = clean_text(
            complainant_name, _("投诉举报人"), limit=100, required=is_real_name, single_line=True
        )
        phone = complainant_phone.strip()
        if phone:
            phone = str(validate_phone(phone))
        complaint = Complaint.objects.create(
            agency=agency,
            channel=channel,
            received_at=clock.now(),
            is_real_name=bool(is_real_name),
            complainant_name=name,
            complainant_phone=phone,
            subject=clean_text(subject, _("被投诉举报对象"), limit=200, single_line=True),
            content=clean_text(content, _("投诉举报内容"), limit=10000),
            registered_by=user_of(actor),
        )
        ledger_append(actor=actor_label(actor), action="cases.complaint.register", obj=complaint)
    return complaint


def pending_complaint(actor: Actor, complaint: Complaint) -> Complaint:
    require_agency_staff(actor, complaint.agency)
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.state != Complaint.State.PENDING:
        raise Conflict(_("该投诉举报已经处理。"), code=Code.COMPLAINT_HANDLED)
    return locked


def complaint_close_without_case(
    *,
    actor: Actor,
    complaint: Complaint,
    reason: str,
    reply_text: str = "",
    reply_method: str = "",
    replied_on: date | None = None,
) -> Complaint:
    """No case: record why; a real-name complainant is told why, and that reply is recorded."""
    with transaction.atomic():
        complaint = pending_complaint(actor, complaint)
        complaint.no_case_reason = clean_text(reason, _("不予立案理由"), limit=5000)
        if complaint.is_real_name:
            complaint.reply_text = clean_text(reply_text, _("告知内容"), limit=5000)
            complaint.reply_method = clean_text(reply_method, _("告知方式"), limit=50)
            if replied_on is None:
                raise ValidationFailed(
                    _("实名投诉举报不予立案的，请填写告知日期。"),
                    code=Code.REPLY_DATE_REQUIRED,
                    detail={"field": "replied_on"},
                )
            if replied_on < clock.china_date(complaint.received_at):
                raise ValidationFailed(
                    _("告知日期不能早于接收日期。"),
                    code=Code.REPLY_DATE_INVALID,
                    detail={"field": "replied_on"},
                )
            if replied_on > clock.china_date(clock.now()):
                raise ValidationFailed(
                    _("告知日期不能晚于今天：请在告知之后记录。"),
                    code=Code.REPLY_DATE_INVALID,
                    detail={"field": "replied_on"},
                )
            complaint.replied_on = replied_on
        complaint.state = Complaint.State.NO_CASE
        complaint.save()
        ledger_append(
            actor=actor_label(actor),
            action="cases.complaint.no_case",
            obj=complaint,
            reason=complaint.no_case_reason,
        )
    return complaint
