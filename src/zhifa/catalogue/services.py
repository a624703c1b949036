"""Every change to the catalogue (D-4, D-5, D-7, D-18): the only code that writes its rows.

Who may do what:

- the system admin maintains the shared legal bases (documents and articles);
- an agency's head maintains the agency's powers (执法事项) and random-inspection list;
- a machine (API token) with ``org:write`` may do what its agency's head may do;
- :data:`~zhifa.accounts.actors.SYSTEM` (demo loader, imports run by a head) may do everything;
- a supervisor reads and writes nothing.

Each service runs in one transaction, locks the row, checks the permission and the rules, writes
and appends a ledger event for every row it creates, changes or removes (a power's bases,
discretion rows and fees are replaced as a whole: each old row gets a ``.delete`` event, each new
one a ``.create`` event, and the power's ``version`` goes up). A refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypedDict, Unpack

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhifa.accounts import access
from zhifa.accounts.actors import Actor, SystemActor, actor_label
from zhifa.accounts.models import ApiToken, User
from zhifa.accounts.services import refusal_record
from zhifa.catalogue import procedures, rules
from zhifa.catalogue.errors import Code
from zhifa.catalogue.models import (
    DiscretionStandard,
    InspectionItem,
    LegalArticle,
    LegalDocument,
    Power,
    PowerBasis,
    PowerFee,
)
from zhifa.core import clock
from zhifa.core.deadlines import LegalLimit
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.core.money import parse_yuan
from zhifa.core.text import require_visible
from zhifa.ledger.services import ledger_append
from zhifa.org.models import Agency
from zhifa.org.rules import SCOPE_WRITE, normalise_text, require_reason, require_text

__all__ = [
    "FeeSpec",
    "StandardSpec",
    "inspection_item_create",
    "inspection_item_repeal",
    "inspection_item_update",
    "legal_article_create",
    "legal_article_update",
    "legal_document_create",
    "legal_document_update",
    "power_create",
    "power_repeal",
    "power_update",
]


@dataclass(frozen=True)
class StandardSpec:
    """One discretion row to write: circumstance → measure, with an optional fine range (yuan)."""

    circumstance: str
    measure: str
    fine_from: Decimal | str | int | None = None
    fine_to: Decimal | str | int | None = None


@dataclass(frozen=True)
class FeeSpec:
    item: str
    amount: Decimal | str | int
    basis: str


class LegalDocumentChanges(TypedDict, total=False):
    title: str
    short_title: str
    level: str
    issuing_body: str
    document_number: str
    effective_on: date
    repealed_on: date | None


class PowerChanges(TypedDict, total=False):
    act_type: str
    name: str
    subject: str
    procedure: str
    time_limit: LegalLimit | None


class InspectionChanges(TypedDict, total=False):
    name: str
    basis: str
    subject: str
    content: str
    method: str
    ratio_percent: Decimal | str | int
    frequency: str


# --- permissions --------------------------------------------------------------------------------


def _require_actor(actor: Actor) -> None:
    if actor is None or not isinstance(actor, User | ApiToken | SystemActor):
        raise PermissionDenied(_("缺少操作者：请先登录。"), code=Code.ACTOR_REQUIRED)


def _require_system_admin(actor: Actor) -> None:
    _require_actor(actor)
    if isinstance(actor, SystemActor):
        return
    if isinstance(actor, ApiToken) or not access.is_admin(actor, User.AdminRole.SYSTEM):
        raise PermissionDenied(
            _("只有系统管理员可以维护共用的执法依据。"),
            detail={"required_admin_role": User.AdminRole.SYSTEM},
            code=Code.PERMISSION_DENIED,
        )


def _check_agency_head(actor: Actor, agency: Agency) -> None:
    _require_actor(actor)
    if isinstance(actor, SystemActor):
        return
    if isinstance(actor, ApiToken):
        access.require_scope(actor, SCOPE_WRITE, agency)
        return
    access.require_role(actor, agency, access.Role.AGENCY_HEAD)


def _require_agency_head(actor: Actor, agency: Agency) -> None:
    """Refuse a change of ``agency``'s catalogue by anyone but its head (or a token writing for
    it); the refusal is logged, rate-limited and not ledgered (issue 10, defect 7)."""
    try:
        _check_agency_head(actor, agency)
    except PermissionDenied as refusal:
        refusal_record(
            actor=actor,
            action="write",
            obj_type=agency._meta.label_lower,
            obj_id=agency.pk,
            refusal=refusal,
        )
        raise


def require_catalogue_maintainer(actor: Actor, agency: Agency) -> None:
    """Refuse (:class:`PermissionDenied`) unless ``actor`` maintains ``agency``'s catalogue."""
    _require_agency_head(actor, agency)


def standard_problem(spec: StandardSpec) -> tuple[str, str] | None:
    """What is wrong with one discretion row, as (field, Chinese message), or None."""
    try:
        _clean_standards([spec])
    except ValidationFailed as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        return str(detail.get("field", "")), exc.message
    return None


def fee_problem(spec: FeeSpec) -> tuple[str, str] | None:
    """What is wrong with one fee row, as (field, Chinese message), or None."""
    try:
        _clean_fees([spec])
    except ValidationFailed as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        return str(detail.get("field", "")), exc.message
    return None


def can_maintain(actor: Actor, agency: Agency) -> bool:
    """May ``actor`` change ``agency``'s catalogue (for pages and the import endpoint)?"""
    try:
        _check_agency_head(actor, agency)
    except PermissionDenied:
        return False
    return True


def _record(actor: Actor, action: str, obj: models.Model, reason: str) -> None:
    ledger_append(actor=actor_label(actor), action=action, obj=obj, reason=reason)


def _insert(obj: models.Model, *, message: str, code: str) -> None:
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        raise Conflict(message, code=code) from None


def _choice(value: str, choices: type[models.TextChoices], field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            _("“%(value)s”不是有效的选项。") % {"value": value},
            code=Code.INVALID_CHOICE,
            detail={"field": field, "choices": list(choices.values)},
        )
    return value


# --- legal documents and articles (system admin) ------------------------------------------------

_DOCUMENT_FIELDS = frozenset(LegalDocumentChanges.__annotations__)


def _validate_document(document: LegalDocument) -> None:
    document.title = require_text(document.title, field="title", label=_("名称"))
    document.issuing_body = require_text(
        document.issuing_body, field="issuing_body", label=_("制定机关")
    )
    require_visible(document.short_title, field="short_title", label=_("简称"))
    require_visible(document.document_number, field="document_number", label=_("文号"))
    _choice(document.level, LegalDocument.Level, "level")
    if document.repealed_on is not None and document.repealed_on < document.effective_on:
        raise ValidationFailed(
            _("废止日期不能早于施行日期。"),
            code=Code.REPEALED_BEFORE_EFFECTIVE,
            detail={"field": "repealed_on"},
        )
    taken = LegalDocument.objects.filter(title=document.title).exclude(pk=document.pk)
    if taken.exists():
        raise Conflict(
            _("已有同名文件“%(title)s”。") % {"title": document.title}, code=Code.DOCUMENT_EXISTS
        )


def legal_document_create(
    *,
    actor: Actor,
    title: str,
    level: str,
    issuing_body: str,
    effective_on: date,
    short_title: str = "",
    document_number: str = "",
    repealed_on: date | None = None,
    reason: str = "",
) -> LegalDocument:
    """Add a law, regulation, rule or normative document (only the system admin)."""
    with transaction.atomic():
        _require_system_admin(actor)
        document = LegalDocument(
            title=normalise_text(title),
            short_title=normalise_text(short_title),
            level=level,
            issuing_body=normalise_text(issuing_body),
            document_number=normalise_text(document_number),
            effective_on=effective_on,
            repealed_on=repealed_on,
        )
        _validate_document(document)
        _insert(document, message=_("已有同名文件。"), code=Code.DOCUMENT_EXISTS)
        _record(actor, "catalogue.legal_document.create", document, normalise_text(reason))
        return document


def legal_document_update(
    *, actor: Actor, document: LegalDocument, reason: str, **changes: Unpack[LegalDocumentChanges]
) -> LegalDocument:
    """Change a document (repeal it by setting ``repealed_on``); a reason is required."""
    with transaction.atomic():
        document = LegalDocument.objects.select_for_update().get(pk=document.pk)
        _require_system_admin(actor)
        reason = require_reason(reason)
        changed = []
        for name, value in changes.items():
            if name not in _DOCUMENT_FIELDS:
                raise TypeError(f"LegalDocument has no editable field {name!r}")
            if isinstance(value, str):
                value = normalise_text(value)
            if getattr(document, name) != value:
                setattr(document, name, value)
                changed.append(name)
        if not changed:
            return document
        _validate_document(document)
        document.save(update_fields=changed)
        _record(actor, "catalogue.legal_document.update", document, reason)
        return document


def legal_article_create(
    *,
    actor: Actor,
    document: LegalDocument,
    number: int,
    text: str,
    text_is_summary: bool = False,
    reason: str = "",
) -> LegalArticle:
    """Add an article (第N条) with its official text, or a summary marked as one."""
    with transaction.atomic():
        _require_system_admin(actor)
        document = LegalDocument.objects.select_for_update().get(pk=document.pk)
        if isinstance(number, bool) or not 1 <= number <= 9999:
            raise ValidationFailed(
                _("条号须在1至9999之间。"),
                code=Code.INVALID_ARTICLE_NUMBER,
                detail={"field": "number"},
            )
        article = LegalArticle(
            document=document,
            number=number,
            label=rules.article_label(number),
            text=require_text(text, field="text", label=_("条文"), multiline=True),
            text_is_summary=text_is_summary,
        )
        if LegalArticle.objects.filter(document=document, number=number).exists():
            raise Conflict(
                _("《%(doc)s》已有%(label)s。") % {"doc": document.title, "label": article.label},
                code=Code.ARTICLE_EXISTS,
            )
        _insert(article, message=_("该条已存在。"), code=Code.ARTICLE_EXISTS)
        _record(actor, "catalogue.legal_article.create", article, normalise_text(reason))
        return article


def legal_article_update(
    *,
    actor: Actor,
    article: LegalArticle,
    reason: str,
    text: str | None = None,
    text_is_summary: bool | None = None,
) -> LegalArticle:
    """Correct an article's text (e.g. the official text replacing a summary)."""
    with transaction.atomic():
        article = LegalArticle.objects.select_for_update().get(pk=article.pk)
        _require_system_admin(actor)
        reason = require_reason(reason)
        changed = []
        if text is not None:
            cleaned = require_text(text, field="text", label=_("条文"), multiline=True)
            if cleaned != article.text:
                article.text = cleaned
                changed.append("text")
        if text_is_summary is not None and text_is_summary != article.text_is_summary:
            article.text_is_summary = text_is_summary
            changed.append("text_is_summary")
        if not changed:
            return article
        article.save(update_fields=changed)
        _record(actor, "catalogue.legal_article.update", article, reason)
        return article


# --- powers (agency head) -----------------------------------------------------------------------


def _money(value: Decimal | str | int | None, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_yuan(value)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code=exc.code, detail={"field": field}) from None


def _clean_standards(specs: Sequence[StandardSpec]) -> list[DiscretionStandard]:
    out = []
    for order, spec in enumerate(specs):
        row = DiscretionStandard(
            sort_order=order,
            circumstance=require_text(
                spec.circumstance, field="circumstance", label=_("违法情形"), multiline=True
            ),
            measure=require_text(
                spec.measure, field="measure", label=_("处理措施"), multiline=True
            ),
            fine_from=_money(spec.fine_from, "fine_from"),
            fine_to=_money(spec.fine_to, "fine_to"),
        )
        rules.check_fine_range(row.fine_from, row.fine_to)
        out.append(row)
    return out


def _clean_fees(specs: Sequence[FeeSpec]) -> list[PowerFee]:
    out = []
    for order, spec in enumerate(specs):
        amount = _money(spec.amount, "amount")
        if amount is None:
            raise ValidationFailed(
                _("请填写收费标准。"), code=Code.REQUIRED, detail={"field": "amount"}
            )
        out.append(
            PowerFee(
                sort_order=order,
                item=require_text(spec.item, field="item", label=_("收费项目")),
                amount=amount,
                basis=require_text(spec.basis, field="basis", label=_("收费依据")),
            )
        )
    return out


def _clean_bases(bases: Sequence[LegalArticle]) -> list[LegalArticle]:
    if not bases:
        raise ValidationFailed(
            _("执法事项至少要有一条执法依据。"), code=Code.BASIS_REQUIRED, detail={"field": "bases"}
        )
    seen: set[int] = set()
    out = []
    for article in bases:
        if article.pk in seen:
            continue
        seen.add(article.pk)
        out.append(article)
    return out


def _validate_power(power: Power) -> None:
    _choice(power.act_type, Power.ActType, "act_type")
    power.code = rules.check_code(power.code)
    power.name = require_text(power.name, field="name", label=_("事项名称"))
    definition = procedures.get(power.procedure)
    if definition.act_type != power.act_type and not (
        power.act_type in (Power.ActType.PENALTY, Power.ActType.COERCION)
        and definition.act_type in (Power.ActType.PENALTY, Power.ActType.COERCION)
    ):
        raise ValidationFailed(
            _("办理程序“%(procedure)s”不适用于%(type)s事项。")
            % {"procedure": definition.name, "type": Power.ActType(power.act_type).label},
            code=Code.PROCEDURE_MISMATCH,
            detail={"field": "procedure"},
        )


def _set_time_limit(power: Power, limit: LegalLimit | None) -> list[str]:
    amount = limit.amount if limit else None
    unit = limit.unit.value if limit else ""
    basis = limit.basis if limit else ""
    changed = []
    for name, value in (
        ("time_limit_amount", amount),
        ("time_limit_unit", unit),
        ("time_limit_basis", basis),
    ):
        if getattr(power, name) != value:
            setattr(power, name, value)
            changed.append(name)
    return changed


def power_time_limit(power: Power) -> LegalLimit | None:
    """The power's time limit as :mod:`zhifa.core.deadlines` takes it."""
    from zhifa.core.deadlines import Unit

    if power.time_limit_amount is None:
        return None
    return LegalLimit(power.time_limit_amount, Unit(power.time_limit_unit), power.time_limit_basis)


def _delete(row: models.Model) -> None:
    """Delete the row, keeping its primary key on the object (the delete event names it)."""
    type(row)._default_manager.filter(pk=row.pk).delete()


def _replace_children(
    actor: Actor,
    power: Power,
    reason: str,
    *,
    bases: Sequence[LegalArticle] | None,
    standards: list[DiscretionStandard] | None,
    fees: list[PowerFee] | None,
) -> bool:
    """Replace the lists given (None: unchanged); True when anything changed."""
    changed = False
    if bases is not None:
        current = list(power.bases.order_by("sort_order", "id"))
        if [b.article_id for b in current] != [a.pk for a in bases]:
            for row in current:
                _delete(row)
                _record(actor, "catalogue.power_basis.delete", row, reason)
            for order, article in enumerate(bases):
                basis = PowerBasis.objects.create(power=power, article=article, sort_order=order)
                _record(actor, "catalogue.power_basis.create", basis, reason)
            changed = True
    if standards is not None:
        current_standards = list(power.standards.order_by("sort_order", "id"))
        key = ("sort_order", "circumstance", "measure", "fine_from", "fine_to")
        if [tuple(getattr(s, k) for k in key) for s in current_standards] != [
            tuple(getattr(s, k) for k in key) for s in standards
        ]:
            for old in current_standards:
                _delete(old)
                _record(actor, "catalogue.discretion_standard.delete", old, reason)
            for standard in standards:
                standard.power = power
                standard.save(force_insert=True)
                _record(actor, "catalogue.discretion_standard.create", standard, reason)
            changed = True
    if fees is not None:
        current_fees = list(power.fees.order_by("sort_order", "id"))
        fee_key = ("sort_order", "item", "amount", "basis")
        if [tuple(getattr(f, k) for k in fee_key) for f in current_fees] != [
            tuple(getattr(f, k) for k in fee_key) for f in fees
        ]:
            for old_fee in current_fees:
                _delete(old_fee)
                _record(actor, "catalogue.power_fee.delete", old_fee, reason)
            for fee in fees:
                fee.power = power
                fee.save(force_insert=True)
                _record(actor, "catalogue.power_fee.create", fee, reason)
            changed = True
    return changed


def power_create(
    *,
    actor: Actor,
    agency: Agency,
    act_type: str,
    code: str,
    name: str,
    procedure: str,
    bases: Sequence[LegalArticle],
    subject: str = "",
    time_limit: LegalLimit | None = None,
    standards: Sequence[StandardSpec] = (),
    fees: Sequence[FeeSpec] = (),
    reason: str = "",
) -> Power:
    """Add a power to the agency's 行政执法事项清单 (the agency's head)."""
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        _require_agency_head(actor, agency)
        if not agency.is_active:
            raise Conflict(
                _("“%(agency)s”已撤销，不能再作变更。") % {"agency": agency.name},
                code=Code.AGENCY_INACTIVE,
            )
        power = Power(
            agency=agency,
            act_type=act_type,
            code=code,
            name=normalise_text(name),
            subject=normalise_text(subject),
            procedure=procedure,
        )
        _set_time_limit(power, time_limit)
        _validate_power(power)
        clean_bases = _clean_bases(bases)
        clean_standards = _clean_standards(standards)
        clean_fees = _clean_fees(fees)
        if Power.objects.filter(agency=agency, code=power.code).exists():
            raise Conflict(
                _("本单位已有编码为“%(code)s”的执法事项。") % {"code": power.code},
                code=Code.POWER_EXISTS,
            )
        _insert(power, message=_("该编码已被使用。"), code=Code.POWER_EXISTS)
        reason = normalise_text(reason)
        _record(actor, "catalogue.power.create", power, reason)
        _replace_children(
            actor, power, reason, bases=clean_bases, standards=clean_standards, fees=clean_fees
        )
        return power


_POWER_FIELDS = frozenset(PowerChanges.__annotations__)


def power_update(
    *,
    actor: Actor,
    power: Power,
    reason: str,
    bases: Sequence[LegalArticle] | None = None,
    standards: Sequence[StandardSpec] | None = None,
    fees: Sequence[FeeSpec] | None = None,
    **changes: Unpack[PowerChanges],
) -> Power:
    """A new version of the power (a reason is required; nothing changed is no event)."""
    with transaction.atomic():
        power = Power.objects.select_for_update().get(pk=power.pk)
        _require_agency_head(actor, power.agency)
        reason = require_reason(reason)
        if power.repealed_on is not None:
            raise Conflict(_("该执法事项已废止，不能再修改。"), code=Code.POWER_REPEALED)
        changed: list[str] = []
        for name, value in changes.items():
            if name not in _POWER_FIELDS:
                raise TypeError(f"Power has no editable field {name!r}")
            if name == "time_limit":
                changed += _set_time_limit(power, value)  # type: ignore[arg-type]
                continue
            if isinstance(value, str):
                value = normalise_text(value)
            if getattr(power, name) != value:
                setattr(power, name, value)
                changed.append(name)
        _validate_power(power)
        clean_bases = _clean_bases(bases) if bases is not None else None
        clean_standards = _clean_standards(standards) if standards is not None else None
        clean_fees = _clean_fees(fees) if fees is not None else None
        children = _replace_children(
            actor, power, reason, bases=clean_bases, standards=clean_standards, fees=clean_fees
        )
        if not changed and not children:
            return power
        power.version += 1
        power.save(update_fields=[*changed, "version"])
        _record(actor, "catalogue.power.update", power, reason)
        return power


def power_repeal(*, actor: Actor, power: Power, reason: str, on: date | None = None) -> Power:
    """Take a power off the current list (it stays, with its history)."""
    with transaction.atomic():
        power = Power.objects.select_for_update().get(pk=power.pk)
        _require_agency_head(actor, power.agency)
        reason = require_reason(reason)
        if power.repealed_on is not None:
            raise Conflict(_("该执法事项已废止。"), code=Code.POWER_REPEALED)
        power.repealed_on = on or clock.today()
        power.repeal_reason = reason[:200]
        power.version += 1
        power.save(update_fields=["repealed_on", "repeal_reason", "version"])
        _record(actor, "catalogue.power.repeal", power, reason)
        return power


# --- random-inspection list (agency head) -------------------------------------------------------


_INSPECTION_FIELDS = frozenset(InspectionChanges.__annotations__)
_INSPECTION_LABELS = {
    "name": gettext_lazy("抽查事项"),
    "basis": gettext_lazy("抽查依据"),
    "subject": gettext_lazy("抽查对象"),
    "content": gettext_lazy("抽查内容"),
    "method": gettext_lazy("抽查方式"),
    "frequency": gettext_lazy("抽查频次"),
}


def _ratio(value: Decimal | str | int) -> Decimal:
    try:
        ratio = Decimal(str(value).strip().removesuffix("%"))
    except ArithmeticError:
        raise ValidationFailed(
            _("抽查比例“%(value)s”不是数字。") % {"value": value},
            code=Code.INVALID_RATIO,
            detail={"field": "ratio_percent"},
        ) from None
    if not ratio.is_finite() or ratio.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationFailed(
            _("抽查比例最多两位小数。"), code=Code.INVALID_RATIO, detail={"field": "ratio_percent"}
        )
    rules.check_ratio(ratio)
    return ratio


def _validate_item(item: InspectionItem) -> None:
    item.code = rules.check_code(item.code)
    for field, label in _INSPECTION_LABELS.items():
        value = require_text(
            getattr(item, field), field=field, label=str(label), multiline=field != "name"
        )
        setattr(item, field, value)


def inspection_item_create(
    *,
    actor: Actor,
    agency: Agency,
    code: str,
    name: str,
    basis: str,
    subject: str,
    content: str,
    method: str,
    ratio_percent: Decimal | str | int,
    frequency: str,
    reason: str = "",
) -> InspectionItem:
    """Add an entry to the agency's 随机抽查事项清单 (D-7)."""
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        _require_agency_head(actor, agency)
        item = InspectionItem(
            agency=agency,
            code=code,
            name=name,
            basis=basis,
            subject=subject,
            content=content,
            method=method,
            ratio_percent=_ratio(ratio_percent),
            frequency=frequency,
        )
        _validate_item(item)
        if InspectionItem.objects.filter(agency=agency, code=item.code).exists():
            raise Conflict(
                _("本单位已有编码为“%(code)s”的抽查事项。") % {"code": item.code},
                code=Code.INSPECTION_ITEM_EXISTS,
            )
        _insert(item, message=_("该编码已被使用。"), code=Code.INSPECTION_ITEM_EXISTS)
        _record(actor, "catalogue.inspection_item.create", item, normalise_text(reason))
        return item


def inspection_item_update(
    *, actor: Actor, item: InspectionItem, reason: str, **changes: Unpack[InspectionChanges]
) -> InspectionItem:
    with transaction.atomic():
        item = InspectionItem.objects.select_for_update().get(pk=item.pk)
        _require_agency_head(actor, item.agency)
        reason = require_reason(reason)
        if item.repealed_on is not None:
            raise Conflict(_("该抽查事项已废止，不能再修改。"), code=Code.INSPECTION_ITEM_REPEALED)
        changed = []
        for name, value in changes.items():
            if name not in _INSPECTION_FIELDS:
                raise TypeError(f"InspectionItem has no editable field {name!r}")
            if name == "ratio_percent":
                value = _ratio(value)  # type: ignore[arg-type]
            elif isinstance(value, str):
                value = normalise_text(value)
            if getattr(item, name) != value:
                setattr(item, name, value)
                changed.append(name)
        if not changed:
            return item
        _validate_item(item)
        item.version += 1
        item.save(update_fields=[*changed, "version"])
        _record(actor, "catalogue.inspection_item.update", item, reason)
        return item


def inspection_item_repeal(
    *, actor: Actor, item: InspectionItem, reason: str, on: date | None = None
) -> InspectionItem:
    with transaction.atomic():
        item = InspectionItem.objects.select_for_update().get(pk=item.pk)
        _require_agency_head(actor, item.agency)
        reason = require_reason(reason)
        if item.repealed_on is not None:
            raise Conflict(_("该抽查事项已废止。"), code=Code.INSPECTION_ITEM_REPEALED)
        item.repealed_on = on or clock.today()
        item.version += 1
        item.save(update_fields=["repealed_on", "version"])
        _record(actor, "catalogue.inspection_item.repeal", item, reason)
        return item
