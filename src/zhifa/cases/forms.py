"""Forms of the staff case pages. They only gather what the user typed, so that a refused action
can show it again; every rule is checked by ``zhifa.cases.services`` (the forms stay lenient and
the service's Chinese message is what the user reads)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from zhifa.cases import documents
from zhifa.cases.documents import FieldSpec, FieldType
from zhifa.cases.models import Approval, Case, Complaint, Party
from zhifa.cases.services import PartyIn
from zhifa.catalogue import procedures
from zhifa.catalogue.models import Power
from zhifa.core.clock import CHINA
from zhifa.evidence.models import Confidentiality, Evidence
from zhifa.org.models import Agency, Officer, Unit

BOOL_CHOICES = (("", "—"), ("true", _("是")), ("false", _("否")))
SIGNATURE_CHOICES = (("", "—"), ("signed", _("已签名")), ("refused", _("拒绝签名")))


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    r"""A form's choice field, typed as one (``form.fields`` holds plain ``Field``\ s)."""
    return cast(forms.ChoiceField, form.fields[name])


class Form(forms.Form):
    """A form whose labels end without a colon (the house style puts the field below)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _text(label: Any, *, max_length: int = 200, required: bool = False) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=required, strip=False)


def _area(label: Any, *, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=False, widget=forms.Textarea(attrs={"rows": rows})
    )


class OfficerChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.person.name}（{obj.agency.name}）"


class PartyForm(Form):
    kind = forms.ChoiceField(label=_("当事人类型"), choices=Party.Kind.choices)
    name = _text(_("姓名或者名称"))
    id_kind = forms.ChoiceField(
        label=_("证件类型"),
        choices=(("", _("（按当事人类型）")), *Party.IdKind.choices),
        required=False,
    )
    id_number = _text(_("证件号码"), max_length=40)
    legal_representative = _text(_("法定代表人或者负责人"), max_length=100)
    guardian = _text(_("监护人（未成年人）"), max_length=100)
    address = _text(_("住所或者地址"))
    phone = _text(_("联系电话"), max_length=40)

    def party(self) -> PartyIn:
        data = self.cleaned_data
        return PartyIn(
            kind=data["kind"],
            name=data["name"],
            id_number=data["id_number"],
            id_kind=data.get("id_kind") or "",
            address=data["address"],
            phone=data["phone"],
            legal_representative=data["legal_representative"],
            guardian=data["guardian"],
        )

    @staticmethod
    def initial_of(party: Party) -> dict[str, Any]:
        return {
            "kind": party.kind,
            "name": party.name,
            "id_kind": party.id_kind,
            "id_number": party.id_number,
            "legal_representative": party.legal_representative,
            "guardian": party.guardian,
            "address": party.address,
            "phone": party.phone,
        }


class PartyCorrectForm(PartyForm):
    """Correcting party ``target`` (its id is in the URL the form posts to)."""

    target: int | None = None

    reason = _text(_("更正理由"), max_length=300)


class CaseFieldsForm(Form):
    """What a case is started with (besides the agency and start mode of :class:`CaseStartForm`)."""

    power = forms.ModelChoiceField(
        label=_("执法事项（确定办理程序）"), queryset=Power.objects.none(), required=False
    )
    procedure = forms.ChoiceField(label=_("或者办理程序"), required=False)
    title = _text(_("案由"))
    summary = _area(_("基本情况"))
    officers = OfficerChoice(
        label=_("承办的执法人员（第一位为主办人）"),
        queryset=Officer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    unit = forms.ModelChoiceField(label=_("承办机构"), queryset=Unit.objects.none(), required=False)
    confidentiality = forms.ChoiceField(
        label=_("保密级别"), choices=Confidentiality.choices, required=False
    )

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["power"].queryset = Power.objects.filter(
            agency__in=agencies, repealed_on__isnull=True
        ).order_by("agency_id", "code")
        fields["procedure"].choices = [("", _("（按执法事项）"))] + [
            (slug, procedures.get(slug).name) for slug in procedures.slugs()
        ]
        fields["officers"].queryset = (
            Officer.objects.filter(agency__in=agencies, is_active=True)
            .select_related("person", "agency")
            .order_by("agency_id", "id")
        )
        fields["unit"].queryset = Unit.objects.filter(agency__in=agencies, is_active=True)

    def officers_in_order(self) -> list[Officer]:
        chosen = list(self.cleaned_data.get("officers") or [])
        data = cast(QueryDict, self.data)  # a bound form's data is the request's QueryDict
        order = [str(v) for v in data.getlist(self.add_prefix("officers"))]
        return sorted(chosen, key=lambda o: order.index(str(o.pk)) if str(o.pk) in order else 0)

    def case_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "summary": data["summary"],
            "power": data.get("power"),
            "procedure": data.get("procedure") or "",
            "officers": self.officers_in_order(),
            "unit": data.get("unit"),
            "confidentiality": data.get("confidentiality") or "",
        }


class CaseStartForm(CaseFieldsForm):
    agency = forms.ModelChoiceField(label=_("执法主体"), queryset=Agency.objects.none())
    start_mode = forms.ChoiceField(label=_("启动方式"), choices=Case.StartMode.choices)
    field_order = ["agency", "start_mode", "power", "procedure", "title"]

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, agencies=agencies, **kwargs)
        fields: Any = self.fields
        fields["agency"].queryset = agencies


class FirstPartyForm(PartyForm):
    """The first party, optional when starting a case (left empty: none yet)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False
        _choice_field(self, "kind").choices = [("", "—"), *Party.Kind.choices]

    def parties(self) -> list[PartyIn]:
        data = self.cleaned_data
        if not (data.get("kind") or data.get("name") or data.get("id_number")):
            return []
        return [self.party()]


# --- records --------------------------------------------------------------------------------------


def _field_for(spec: FieldSpec) -> forms.Field:
    label = spec.label if spec.required else _("%(label)s（选填）") % {"label": spec.label}
    if spec.type is FieldType.BOOL:
        return forms.ChoiceField(label=label, choices=BOOL_CHOICES, required=False)
    if spec.type is FieldType.CHOICE:
        return forms.ChoiceField(label=label, choices=[("", "—"), *spec.choices], required=False)
    if spec.type is FieldType.DATE:
        return forms.CharField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if spec.type is FieldType.DATETIME:
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        )
    if spec.type is FieldType.LIST:
        return forms.CharField(
            label=_("%(label)s（每行一项）") % {"label": label},
            required=False,
            strip=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    if spec.name == "content":
        return _area(label, rows=6)
    return forms.CharField(label=label, required=False, strip=False)


def _local_minutes(value: str) -> str:
    """A stored ISO date-time as a ``datetime-local`` input shows it (China time, minutes)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA)
    return moment.strftime("%Y-%m-%dT%H:%M")


class RecordForm(Form):
    """One record of ``kind``: its fields from ``documents.specs(kind)`` and a row per signer."""

    kind = forms.CharField(widget=forms.HiddenInput, required=False)
    target: int | None = None  # the record a correction replaces

    def __init__(
        self,
        *args: Any,
        kind: str,
        signers: Iterable[str] = (),
        correct: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind_name = kind
        self.label = str(procedures.DOCUMENT_KINDS.get(kind, kind))
        self.fields["kind"].initial = kind
        self.specs = documents.specs(kind)
        for spec in self.specs:
            self.fields[f"f_{spec.name}"] = _field_for(spec)
        self.signers = [s for s in signers if s in procedures.SIGNATURES]
        for who in self.signers:
            name = procedures.SIGNATURES[who]
            self.fields[f"sig_{who}_state"] = forms.ChoiceField(
                label=_("%(who)s签名") % {"who": name}, choices=SIGNATURE_CHOICES, required=False
            )
            self.fields[f"sig_{who}_name"] = _text(_("%(who)s姓名") % {"who": name}, max_length=100)
            self.fields[f"sig_{who}_reason"] = _text(
                _("拒签情况（拒绝签名时必填）"), max_length=500
            )
        if correct:
            self.fields["reason"] = forms.CharField(
                label=_("更正理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def field_rows(self) -> list[forms.BoundField]:
        return [self[f"f_{spec.name}"] for spec in self.specs]

    def signature_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (
                str(procedures.SIGNATURES[who]),
                [self[f"sig_{who}_state"], self[f"sig_{who}_name"], self[f"sig_{who}_reason"]],
            )
            for who in self.signers
        ]

    def record_fields(self) -> dict[str, Any]:
        """What the user filled in, as the service takes it (empty values left out)."""
        out: dict[str, Any] = {}
        for spec in self.specs:
            value = self.cleaned_data.get(f"f_{spec.name}")
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            out[spec.name] = value
        return out

    def signatures(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for who in self.signers:
            state = self.cleaned_data.get(f"sig_{who}_state") or ""
            name = self.cleaned_data.get(f"sig_{who}_name") or ""
            reason = self.cleaned_data.get(f"sig_{who}_reason") or ""
            if state or name.strip() or reason.strip():
                out[who] = {"state": state, "name": name, "reason": reason}
        return out

    @staticmethod
    def initial_of(
        kind: str, fields: Mapping[str, Any], signatures: Mapping[str, Any]
    ) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for spec in documents.specs(kind):
            value = fields.get(spec.name)
            if value is None:
                continue
            if spec.type is FieldType.BOOL:
                value = "true" if value else "false"
            elif spec.type is FieldType.LIST and isinstance(value, list):
                value = "\n".join(str(v) for v in value)
            elif spec.type is FieldType.DATETIME and isinstance(value, str):
                value = _local_minutes(value)
            initial[f"f_{spec.name}"] = value
        for who, entry in signatures.items():
            if isinstance(entry, Mapping):
                initial[f"sig_{who}_state"] = entry.get("state", "")
                initial[f"sig_{who}_name"] = entry.get("name", "")
                initial[f"sig_{who}_reason"] = entry.get("reason", "")
        return initial


# --- the step ------------------------------------------------------------------------------------


class AdvanceForm(Form):
    to = forms.CharField(required=False, widget=forms.HiddenInput)
    reason = _text(_("说明（选填）"), max_length=500)


class OfficerAssignForm(Form):
    officer = forms.ModelChoiceField(label=_("执法人员"), queryset=Officer.objects.none())

    def __init__(self, *args: Any, officers: QuerySet[Officer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["officer"].queryset = officers
        fields["officer"].label_from_instance = lambda o: o.person.name


class OfficerRemoveForm(OfficerAssignForm):
    reason = _text(_("撤出原因"))


class PresentForm(Form):
    officers = forms.ModelMultipleChoiceField(
        label=_("在场的执法人员"),
        queryset=Officer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, officers: QuerySet[Officer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["officers"].queryset = officers
        fields["officers"].label_from_instance = lambda o: o.person.name


class VariantForm(Form):
    variant = forms.ChoiceField(label=_("办理方式"), required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "variant").choices = [("", "—"), *choices]


class AvReasonForm(Form):
    reason = forms.CharField(
        label=_("不宜音像记录的理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisputedForm(Form):
    disputed = forms.BooleanField(label=_("可能引起争议"), required=False)


class EvidenceLinkForm(Form):
    evidence = forms.ModelChoiceField(label=_("音像记录或者证据"), queryset=Evidence.objects.none())
    note = _text(_("说明（选填）"))

    def __init__(self, *args: Any, evidence: QuerySet[Evidence], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["evidence"].queryset = evidence
        fields["evidence"].label_from_instance = lambda e: (
            f"{e.pk} · {e.get_kind_display()} · {e.original_name or ''} · "
            f"{e.captured_at:%Y-%m-%d %H:%M}"
        )


class ApprovalForm(Form):
    role = forms.ChoiceField(label=_("签批身份"))
    decision = forms.ChoiceField(label=_("意见"), choices=Approval.Decision.choices)
    opinion = forms.CharField(
        label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, roles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "role").choices = roles


class ExtendForm(Form):
    reason = _text(_("延长理由"), max_length=500)


# --- complaints ----------------------------------------------------------------------------------


class ComplaintForm(Form):
    agency = forms.ModelChoiceField(label=_("执法主体"), queryset=Agency.objects.none())
    channel = forms.ChoiceField(label=_("来源"), choices=Complaint.Channel.choices)
    is_real_name = forms.BooleanField(label=_("实名投诉举报"), required=False)
    complainant_name = _text(_("投诉举报人"), max_length=100)
    complainant_phone = _text(_("联系电话"), max_length=40)
    subject = _text(_("被投诉举报对象"))
    content = _area(_("投诉举报内容"), rows=4)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["agency"].queryset = agencies


class ComplaintCloseForm(Form):
    reason = _area(_("不予立案理由"))
    reply_text = _area(_("告知内容（实名投诉举报必填）"))
    reply_method = _text(_("告知方式（实名投诉举报必填）"), max_length=50)
    replied_on = forms.DateField(
        label=_("告知日期（实名投诉举报必填）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def replied(self) -> date | None:
        value = self.cleaned_data.get("replied_on")
        return value if isinstance(value, date) else None
