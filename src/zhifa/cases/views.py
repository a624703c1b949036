"""Staff pages of the case engine (Chinese, server-rendered). Thin: reads through
``zhifa.cases.selectors``, every write through ``zhifa.cases.services``.

A refused action shows the service's Chinese message on the same page, with the form still holding
everything the user typed (nothing is lost), and has changed nothing; a successful one redirects
(POST/redirect/GET) with a message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhifa.accounts.access import Role, active_roles, has_role
from zhifa.accounts.decorators import request_user, staff_required
from zhifa.cases import documents, rules, selectors, services
from zhifa.cases import forms as case_forms
from zhifa.cases.documents import FieldType
from zhifa.cases.selectors import (
    Agency,
    Case,
    CaseDeadline,
    Complaint,
    Party,
    Record,
    StepRun,
)
from zhifa.catalogue import procedures
from zhifa.catalogue.procedures import ApprovalRole, ProcedureDefinition, Step
from zhifa.core import clock
from zhifa.core.errors import DomainError, NotFound
from zhifa.core.numbers import parse_optional_id
from zhifa.evidence.selectors import evidence_visible_to
from zhifa.org.selectors import agencies_of, agencies_readable_by

WRITER_ROLES = (Role.OFFICER, Role.UNIT_HEAD, Role.AGENCY_HEAD, Role.LEGAL_REVIEWER)
OVERSIGHT_ROLES = (Role.UNIT_HEAD, Role.AGENCY_HEAD, Role.LEGAL_REVIEWER, Role.SUPERVISOR)


def _case_or_404(request: HttpRequest, case_id: int) -> Case:
    try:
        return selectors.case_get_for_actor(actor=request_user(request), case_id=case_id)
    except NotFound as err:
        raise Http404(err.message) from err


def _staff_agencies(user: Any) -> QuerySet[Agency]:
    return agencies_of(user, *services.STAFF_ROLES).order_by("sort_order", "id")


# --- lists ----------------------------------------------------------------------------------------


@staff_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """我的案件: the cases I handle; heads, reviewers and the supervisor see their agencies'."""
    user = request_user(request)
    oversees = active_roles(user).filter(role__in=OVERSIGHT_ROLES).exists()
    mine = not oversees or request.GET.get("mine") == "1"
    rows = selectors.my_cases(user) if mine else selectors.cases_visible_to(user)
    state = request.GET.get("state", "")
    if state in Case.State.values:
        rows = rows.filter(state=state)
    agencies = agencies_readable_by(user).order_by("sort_order", "id")
    agency_id = parse_optional_id(request.GET.get("agency"), name="agency")
    if not mine and agency_id is not None:
        rows = rows.filter(agency_id=agency_id)
    cases = list(rows.select_related("agency")[:300])
    return render(
        request,
        "cases/list.html",
        {
            "rows": [(c, _step_name(c)) for c in cases],
            "mine": mine,
            "oversees": oversees,
            "states": Case.State.choices,
            "state": state,
            "agencies": agencies if oversees else [],
            "agency_id": agency_id,
            "may_start": _staff_agencies(user).exists(),
        },
    )


def _step_name(case: Case) -> str:
    if not case.current_step:
        return ""
    return selectors.definition_of(case).step(case.current_step).name


@staff_required
@require_GET
def deadline_list(request: HttpRequest) -> HttpResponse:
    """我的期限: running limits, soonest first, overdue ones marked, each with its basis."""
    now = clock.now()
    rows = []
    for row in selectors.deadlines_for(request.user)[:500]:
        rows.append(
            {
                "row": row,
                "late": row.overdue_at is not None or services.is_late(row, now),
                "step": selectors.definition_of(row.case).step(row.step_run.step_id).name,
            }
        )
    return render(request, "cases/deadlines.html", {"rows": rows})


@staff_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notices = selectors.notifications_for(request.user)[:300]
    return render(request, "cases/notifications.html", {"notices": notices})


@staff_required
@require_POST
def notification_read(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = selectors.notifications_for(request.user).filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    try:
        services.notification_read(actor=request_user(request), notification=notice)
    except NotFound as err:
        raise Http404(err.message) from err
    messages.success(request, _("已标记为已读。"))
    return redirect("cases:notifications")


# --- starting a case ------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """新建案件."""
    agencies = _staff_agencies(request.user)
    if not agencies.exists():
        raise Http404(_("您没有可以办理案件的执法主体。"))
    data = request.POST if request.method == "POST" else None
    form = case_forms.CaseStartForm(data, agencies=agencies, prefix="case")
    party = case_forms.FirstPartyForm(data, prefix="party")
    error = ""
    if data is not None:
        if form.is_valid() and party.is_valid():
            try:
                case = services.case_start(
                    actor=request_user(request),
                    agency=form.cleaned_data["agency"],
                    start_mode=form.cleaned_data["start_mode"],
                    parties=party.parties(),
                    **form.case_args(),
                )
            except DomainError as err:
                error = err.message
                form.add_error(None, err.message)
            else:
                messages.success(
                    request, _("案件已启动，案号：%(number)s。") % {"number": case.number}
                )
                return redirect("cases:detail", case_id=case.pk)
        else:
            error = _("请检查填写的内容。")
    return render(
        request,
        "cases/new.html",
        {"form": form, "party_form": party, "error": error},
        status=422 if error else 200,
    )


# --- the case page --------------------------------------------------------------------------------


def _signers_for(definition: ProcedureDefinition, kind: str) -> tuple[str, ...]:
    """Who signs a record of ``kind`` wherever the procedure requires it."""
    found: list[str] = []
    for step in definition.steps:
        for requirement in (*step.requires, *(r for v in step.variants for r in v.requires)):
            if requirement.document == kind:
                found.extend(s for s in requirement.signatures if s not in found)
    return tuple(found)


def _display_value(spec: documents.FieldSpec, value: Any) -> str:
    if spec.type is FieldType.BOOL:
        return _("是") if value else _("否")
    if spec.type is FieldType.LIST and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if spec.type is FieldType.CHOICE:
        return str(dict(spec.choices).get(value, value))
    if spec.type is FieldType.YUAN:
        return _("%(v)s元") % {"v": value}
    return str(value)


@dataclass
class RecordView:
    record: Record
    label: str
    fields: list[tuple[str, str]]
    signatures: list[tuple[str, str, str, str]]
    superseded: bool
    step_name: str


def _record_views(case: Case, definition: ProcedureDefinition) -> list[RecordView]:
    out = []
    for record in case.records.select_related("created_by", "step_run", "replaced_by").order_by(
        "id"
    ):
        values = [
            (str(spec.label), _display_value(spec, record.fields[spec.name]))
            for spec in documents.specs(record.kind)
            if spec.name in record.fields
        ]
        signatures = [
            (
                str(procedures.SIGNATURES.get(who, who)),
                _("拒绝签名") if entry.get("state") == "refused" else _("已签名"),
                entry.get("name", ""),
                entry.get("reason", ""),
            )
            for who, entry in record.signatures.items()
        ]
        out.append(
            RecordView(
                record=record,
                label=str(procedures.DOCUMENT_KINDS.get(record.kind, record.kind)),
                fields=values,
                signatures=signatures,
                superseded=hasattr(record, "replaced_by"),
                step_name=definition.step(record.step_run.step_id).name,
            )
        )
    return out


def _may_write_any(user: Any, case: Case) -> bool:
    """Show the forms to the agency's staff and legal reviewers (the services decide the rest)."""
    return not case.is_archived and has_role(user, case.agency, *WRITER_ROLES)


def _extendable(case: Case, definition: ProcedureDefinition) -> list[CaseDeadline]:
    rows = []
    for row in case.deadlines.filter(met_at__isnull=True, extended_times=0).select_related(
        "step_run"
    ):
        step = definition.step(row.step_run.step_id)
        if any(x.key == row.key and x.extension is not None for x in step.limits):
            rows.append(row)
    return rows


def _forms(
    request: HttpRequest,
    case: Case,
    run: StepRun | None,
    step: Step | None,
    definition: ProcedureDefinition,
    bound: Mapping[str, forms.Form],
) -> dict[str, Any]:
    """Every form of the case page, unbound, except ``bound`` (the one just refused)."""
    out: dict[str, Any] = {}

    def pick(key: str, make: Callable[[], forms.Form]) -> forms.Form:
        return bound[key] if key in bound else make()

    out["advance"] = pick("advance", lambda: case_forms.AdvanceForm(prefix="advance"))
    out["party"] = pick("party", lambda: case_forms.PartyForm(prefix="party"))
    on_case = selectors.officers_on_case(case)
    assignable = selectors.officers_of_case_agency(case, active_only=True).exclude(
        pk__in=on_case.values("pk")
    )
    out["assign"] = pick(
        "assign", lambda: case_forms.OfficerAssignForm(officers=assignable, prefix="assign")
    )
    out["remove"] = pick(
        "remove", lambda: case_forms.OfficerRemoveForm(officers=on_case, prefix="remove")
    )
    present_ids = [e.get("officer_id") for e in (run.officers if run else [])]
    out["present"] = pick(
        "present",
        lambda: case_forms.PresentForm(
            officers=on_case, prefix="present", initial={"officers": present_ids}
        ),
    )
    if run is not None and step is not None:
        if step.variants:
            out["variant"] = pick(
                "variant",
                lambda: case_forms.VariantForm(
                    choices=[(v.key, v.name) for v in step.variants],
                    prefix="variant",
                    initial={"variant": run.variant},
                ),
            )
        out["av"] = pick(
            "av",
            lambda: case_forms.AvReasonForm(prefix="av", initial={"reason": run.av_reason}),
        )
        out["disputed"] = pick(
            "disputed",
            lambda: case_forms.DisputedForm(prefix="disputed", initial={"disputed": run.disputed}),
        )
        linked = run.evidence_links.values("evidence_id")
        evidence = (
            evidence_visible_to(request.user)
            .filter(agency_id=case.agency_id)
            .exclude(pk__in=linked)
            .order_by("-captured_at", "-id")[:200]
        )
        out["evidence"] = pick(
            "evidence",
            lambda: case_forms.EvidenceLinkForm(
                evidence=evidence_visible_to(request.user).filter(pk__in=[e.pk for e in evidence]),
                prefix="evidence",
            ),
        )
        if step.approval:
            done = rules.effective_approvals(run)
            expected = step.approval[len(done)] if len(done) < len(step.approval) else None
            roles = [(r.value, r.label) for r in dict.fromkeys(step.approval)]
            out["approval"] = pick(
                "approval",
                lambda: case_forms.ApprovalForm(
                    roles=roles,
                    prefix="approval",
                    initial={"role": expected.value if expected else ""},
                ),
            )
        record_forms = []
        seen: set[str] = set()
        for requirement in rules.requirements_of(step, run.variant):
            if requirement.document in seen:
                continue
            seen.add(requirement.document)
            key = f"record-{requirement.document}"
            record_forms.append(
                pick(
                    key,
                    partial(
                        case_forms.RecordForm,
                        kind=requirement.document,
                        signers=requirement.signatures,
                        prefix=key,
                    ),
                )
            )
        extra = request.GET.get("kind", "")
        for key in bound:
            if key.startswith("record-") and key[7:] not in seen:
                extra = key[7:]
        if extra in procedures.DOCUMENT_KINDS and extra not in seen:
            key = f"record-{extra}"
            record_forms.append(
                pick(
                    key,
                    lambda: case_forms.RecordForm(
                        kind=extra, signers=_signers_for(definition, extra), prefix=key
                    ),
                )
            )
        out["records"] = record_forms
    # the emergency start form is filed after the (closed, deferred) first step, and approved.
    deferred = selectors.deferred_first_step(case)
    if deferred is not None:
        deferred_step = definition.step(deferred.step_id)
        done = rules.effective_approvals(deferred)
        if deferred_step.approval and len(done) < len(deferred_step.approval):
            out["deferred_approval"] = pick(
                "deferred_approval",
                lambda: case_forms.ApprovalForm(
                    roles=[(r.value, r.label) for r in deferred_step.approval],
                    prefix="deferred_approval",
                    initial={"role": deferred_step.approval[len(done)].value},
                ),
            )
            out["deferred_run"] = deferred
    if deferred is not None and "records" in out:
        pending = rules.missing_records(deferred, definition.step(deferred.step_id))
        for gap in pending:
            kind = gap.code.split(":", 1)[1]
            key = f"record-{kind}"
            if any(f.prefix == key for f in out["records"]):
                continue
            out["records"].append(
                pick(
                    key,
                    partial(
                        case_forms.RecordForm,
                        kind=kind,
                        signers=_signers_for(definition, kind),
                        prefix=key,
                    ),
                )
            )
    correct_id = parse_optional_id(request.GET.get("correct"), name="correct")
    if "correct" in bound:
        out["correct"] = bound["correct"]
    elif correct_id is not None:
        record = case.records.filter(pk=correct_id).first()
        if record is not None:
            form = case_forms.RecordForm(
                kind=record.kind,
                signers=tuple(
                    dict.fromkeys(
                        [*_signers_for(definition, record.kind), *record.signatures.keys()]
                    )
                ),
                correct=True,
                prefix="correct",
                initial={
                    "kind": record.kind,
                    **case_forms.RecordForm.initial_of(
                        record.kind, record.fields, record.signatures
                    ),
                },
            )
            form.target = record.pk
            out["correct"] = form
    party_id = parse_optional_id(request.GET.get("party"), name="party")
    if "party_correct" in bound:
        out["party_correct"] = bound["party_correct"]
    elif party_id is not None:
        party = case.parties.filter(pk=party_id).first()
        if party is not None:
            correction = case_forms.PartyCorrectForm(
                prefix="pcorrect", initial=case_forms.PartyForm.initial_of(party)
            )
            correction.target = party.pk
            out["party_correct"] = correction
    out["extend"] = [
        (
            row,
            bound.get(f"extend-{row.pk}") or case_forms.ExtendForm(prefix=f"extend-{row.pk}"),
        )
        for row in _extendable(case, definition)
    ]
    return out


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The case page: the case's read model (the API's ``GET /cases/{id}`` answers with the same,
    :func:`zhifa.cases.selectors.case_detail`), everything recorded, and the forms."""
    detail = selectors.case_detail(case, viewer=request.user)
    definition = selectors.definition_of(case)
    editable = _may_write_any(request.user, case)
    context: dict[str, Any] = {
        "case": detail,
        "step": detail.step,
        "editable": editable,
        "error": error,
        # the lead officer first
        "officers": sorted(detail.officers, key=lambda link: (not link.is_lead, link.id)),
        "timeline": selectors.timeline(case, viewer=request_user(request)),
        "records": _record_views(case, definition),
        "deadlines": selectors.case_deadlines(case),
        "document_kinds": [(k, str(v)) for k, v in procedures.DOCUMENT_KINDS.items()],
        "requested_kind": request.GET.get("kind", ""),
        "now": clock.now(),
    }
    if editable:
        run = selectors.current_run(case)
        step = definition.step(run.step_id) if run is not None else None
        context["forms"] = _forms(request, case, run, step, definition, bound or {})
    return render(request, "cases/detail.html", context, status=status)


@staff_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _render_case(request, _case_or_404(request, case_id))


def _submit(
    request: HttpRequest,
    case: Case,
    key: str,
    form: forms.Form,
    call: Callable[[Any], Any],
    success: str,
    anchor: str = "",
) -> HttpResponse:
    """Validate ``form``, call the service; refused: the same page with the typed values and the
    service's message; done: redirect with ``success``."""
    if form.is_valid():
        try:
            call(form)
        except DomainError as err:
            form.add_error(None, err.message)
            return _render_case(
                request, case, bound={key: form}, error=err.message, status=err.status
            )
        messages.success(request, success)
        url = reverse("cases:detail", kwargs={"case_id": case.pk})
        return HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))
    return _render_case(request, case, bound={key: form}, error=_("请检查填写的内容。"), status=422)


@staff_required
@require_POST
def case_advance(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = case_forms.AdvanceForm(request.POST, prefix="advance")
    return _submit(
        request,
        case,
        "advance",
        form,
        lambda f: services.step_advance(
            actor=request_user(request),
            case=case,
            to=f.cleaned_data["to"],
            reason=f.cleaned_data["reason"],
        ),
        _("已完成本步骤。"),
    )


@staff_required
@require_POST
def record_add(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    case = _case_or_404(request, case_id)
    if kind not in procedures.DOCUMENT_KINDS:
        raise Http404
    definition = selectors.definition_of(case)
    run = selectors.current_run(case)
    signers: tuple[str, ...] = ()
    if run is not None:
        step = definition.step(run.step_id)
        signers = next(
            (r.signatures for r in rules.requirements_of(step, run.variant) if r.document == kind),
            (),
        )
    signers = signers or _signers_for(definition, kind)
    key = f"record-{kind}"
    form = case_forms.RecordForm(request.POST, kind=kind, signers=signers, prefix=key)
    deferred = selectors.deferred_first_step(case)
    target = (
        deferred if deferred is not None and selectors.files_after_emergency(case, kind) else None
    )
    return _submit(
        request,
        case,
        key,
        form,
        lambda f: services.record_add(
            actor=request_user(request),
            case=case,
            kind=kind,
            fields=f.record_fields(),
            signatures=f.signatures(),
            step_run=target,
        ),
        _("已添加“%(doc)s”。") % {"doc": form.label},
        "records",
    )


@staff_required
@require_POST
def record_correct(request: HttpRequest, case_id: int, record_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    record = case.records.filter(pk=record_id).first()
    if record is None:
        raise Http404
    definition = selectors.definition_of(case)
    signers = tuple(
        dict.fromkeys([*_signers_for(definition, record.kind), *record.signatures.keys()])
    )
    form = case_forms.RecordForm(
        request.POST, kind=record.kind, signers=signers, correct=True, prefix="correct"
    )
    form.target = record.pk
    return _submit(
        request,
        case,
        "correct",
        form,
        lambda f: services.record_correct(
            actor=request_user(request),
            record=record,
            fields=f.record_fields(),
            signatures=f.signatures(),
            reason=f.cleaned_data.get("reason") or "",
        ),
        _("已更正“%(doc)s”。") % {"doc": form.label},
        "records",
    )


@staff_required
@require_POST
def party_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = case_forms.PartyForm(request.POST, prefix="party")
    return _submit(
        request,
        case,
        "party",
        form,
        lambda f: services.party_add(actor=request_user(request), case=case, party=f.party()),
        _("已登记当事人。"),
        "parties",
    )


@staff_required
@require_POST
def party_correct(request: HttpRequest, case_id: int, party_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    party: Party | None = case.parties.filter(pk=party_id).first()
    if party is None:
        raise Http404
    form = case_forms.PartyCorrectForm(request.POST, prefix="pcorrect")
    form.target = party.pk
    return _submit(
        request,
        case,
        "party_correct",
        form,
        lambda f: services.party_correct(
            actor=request_user(request),
            party=party,
            corrected=f.party(),
            reason=f.cleaned_data["reason"],
        ),
        _("已更正当事人信息。"),
        "parties",
    )


@staff_required
@require_POST
def officer_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    officers = selectors.officers_of_case_agency(case)
    form = case_forms.OfficerAssignForm(request.POST, officers=officers, prefix="assign")
    return _submit(
        request,
        case,
        "assign",
        form,
        lambda f: services.officer_assign(
            actor=request_user(request), case=case, officer=f.cleaned_data["officer"]
        ),
        _("已指派执法人员。"),
        "officers",
    )


@staff_required
@require_POST
def officer_remove(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = case_forms.OfficerRemoveForm(
        request.POST, officers=selectors.officers_on_case(case), prefix="remove"
    )
    return _submit(
        request,
        case,
        "remove",
        form,
        lambda f: services.officer_remove(
            actor=request_user(request),
            case=case,
            officer=f.cleaned_data["officer"],
            reason=f.cleaned_data["reason"],
        ),
        _("已撤出执法人员。"),
        "officers",
    )


@staff_required
@require_POST
def step_officers(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = case_forms.PresentForm(
        request.POST, officers=selectors.officers_on_case(case), prefix="present"
    )
    return _submit(
        request,
        case,
        "present",
        form,
        lambda f: services.step_set_officers(
            actor=request_user(request), case=case, officers=list(f.cleaned_data["officers"])
        ),
        _("已记录在场的执法人员。"),
        "step",
    )


@staff_required
@require_POST
def step_variant(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    run = selectors.current_run(case)
    step = selectors.step_of(case, run.step_id) if run is not None else None
    choices = [(v.key, v.name) for v in step.variants] if step is not None else []
    form = case_forms.VariantForm(request.POST, choices=choices, prefix="variant")
    return _submit(
        request,
        case,
        "variant",
        form,
        lambda f: services.step_choose_variant(
            actor=request_user(request), case=case, variant=f.cleaned_data["variant"]
        ),
        _("已选择办理方式。"),
        "step",
    )


@staff_required
@require_POST
def step_av_reason(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = case_forms.AvReasonForm(request.POST, prefix="av")
    return _submit(
        request,
        case,
        "av",
        form,
        lambda f: services.step_av_reason(
            actor=request_user(request), case=case, reason=f.cleaned_data["reason"]
        ),
        _("已记录不宜音像记录的理由。"),
        "step",
    )


@staff_required
@require_POST
def step_disputed(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = case_forms.DisputedForm(request.POST, prefix="disputed")
    return _submit(
        request,
        case,
        "disputed",
        form,
        lambda f: services.step_mark_disputed(
            actor=request_user(request), case=case, disputed=f.cleaned_data["disputed"]
        ),
        _("已保存。"),
        "step",
    )


@staff_required
@require_POST
def evidence_link(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    visible = evidence_visible_to(request.user).filter(agency_id=case.agency_id)
    form = case_forms.EvidenceLinkForm(request.POST, evidence=visible, prefix="evidence")
    return _submit(
        request,
        case,
        "evidence",
        form,
        lambda f: services.evidence_link(
            actor=request_user(request),
            case=case,
            evidence=f.cleaned_data["evidence"],
            note=f.cleaned_data["note"],
        ),
        _("已关联证据。"),
        "step",
    )


@staff_required
@require_POST
def approval_give(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    roles = [(r.value, r.label) for r in ApprovalRole]
    step_run = None
    prefix = "approval"
    step_run_id = parse_optional_id(request.POST.get("step_run"), name="step_run")
    if step_run_id is not None:  # the emergency start approved afterwards
        step_run = case.steps.filter(pk=step_run_id, deferred=True).first()
        if step_run is None:
            raise Http404
        prefix = "deferred_approval"
    form = case_forms.ApprovalForm(request.POST, roles=roles, prefix=prefix)
    return _submit(
        request,
        case,
        prefix,
        form,
        lambda f: services.approval_give(
            actor=request_user(request),
            case=case,
            role=f.cleaned_data["role"],
            decision=f.cleaned_data["decision"],
            opinion=f.cleaned_data["opinion"],
            step_run=step_run,
        ),
        _("已签批。"),
        "step",
    )


@staff_required
@require_POST
def deadline_extend(request: HttpRequest, case_id: int, deadline_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    row = case.deadlines.filter(pk=deadline_id).first()
    if row is None:
        raise Http404
    key = f"extend-{row.pk}"
    form = case_forms.ExtendForm(request.POST, prefix=key)
    return _submit(
        request,
        case,
        key,
        form,
        lambda f: services.deadline_extend(
            actor=request_user(request), deadline=row, reason=f.cleaned_data["reason"]
        ),
        _("已延长“%(name)s”。") % {"name": row.name},
        "deadlines",
    )


# --- complaints -----------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def complaint_list(request: HttpRequest) -> HttpResponse:
    """投诉举报: the list and, for the agency's staff, the register form."""
    agencies = _staff_agencies(request.user)
    may_register = agencies.exists()
    if request.method == "POST" and not may_register:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = case_forms.ComplaintForm(data, agencies=agencies, prefix="complaint")
    error = ""
    if data is not None:
        if form.is_valid():
            values = form.cleaned_data
            try:
                complaint = services.complaint_register(
                    actor=request_user(request),
                    agency=values["agency"],
                    channel=values["channel"],
                    subject=values["subject"],
                    content=values["content"],
                    is_real_name=values["is_real_name"],
                    complainant_name=values["complainant_name"],
                    complainant_phone=values["complainant_phone"],
                )
            except DomainError as err:
                error = err.message
                form.add_error(None, err.message)
            else:
                messages.success(request, _("已登记投诉举报。"))
                return redirect("cases:complaint", complaint_id=complaint.pk)
        else:
            error = _("请检查填写的内容。")
    state = request.GET.get("state", "")
    rows = selectors.complaints_visible_to(request_user(request))
    if state in Complaint.State.values:
        rows = rows.filter(state=state)
    return render(
        request,
        "cases/complaints.html",
        {
            "complaints": rows[:300],
            "form": form if may_register else None,
            "error": error,
            "states": Complaint.State.choices,
            "state": state,
        },
        status=422 if error else 200,
    )


def _complaint_or_404(request: HttpRequest, complaint_id: int) -> Complaint:
    complaint = (
        selectors.complaints_visible_to(request_user(request)).filter(pk=complaint_id).first()
    )
    if complaint is None:
        raise Http404(_("没有找到该投诉举报。"))
    return complaint


def _render_complaint(
    request: HttpRequest,
    complaint: Complaint,
    *,
    case_form: forms.Form | None = None,
    party_form: forms.Form | None = None,
    close_form: forms.Form | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    agencies = selectors.complaint_agencies(complaint)
    editable = complaint.state == Complaint.State.PENDING and has_role(
        request.user, complaint.agency, *services.STAFF_ROLES
    )
    context: dict[str, Any] = {"complaint": complaint, "editable": editable, "error": error}
    if editable:
        context.update(
            {
                "case_form": case_form
                or case_forms.CaseFieldsForm(
                    agencies=agencies, prefix="case", initial={"title": complaint.subject}
                ),
                "party_form": party_form or case_forms.FirstPartyForm(prefix="party"),
                "close_form": close_form or case_forms.ComplaintCloseForm(prefix="close"),
            }
        )
    return render(request, "cases/complaint.html", context, status=status)


@staff_required
@require_GET
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    return _render_complaint(request, _complaint_or_404(request, complaint_id))


@staff_required
@require_POST
def complaint_start_case(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _complaint_or_404(request, complaint_id)
    agencies = selectors.complaint_agencies(complaint)
    form = case_forms.CaseFieldsForm(request.POST, agencies=agencies, prefix="case")
    party = case_forms.FirstPartyForm(request.POST, prefix="party")
    error = _("请检查填写的内容。")
    if form.is_valid() and party.is_valid():
        try:
            case = services.complaint_start_case(
                actor=request_user(request),
                complaint=complaint,
                parties=party.parties(),
                **form.case_args(),
            )
        except DomainError as err:
            error = err.message
            form.add_error(None, err.message)
        else:
            messages.success(request, _("已立案，案号：%(number)s。") % {"number": case.number})
            return redirect("cases:detail", case_id=case.pk)
    return _render_complaint(
        request, complaint, case_form=form, party_form=party, error=error, status=422
    )


@staff_required
@require_POST
def complaint_close(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _complaint_or_404(request, complaint_id)
    form = case_forms.ComplaintCloseForm(request.POST, prefix="close")
    error = _("请检查填写的内容。")
    if form.is_valid():
        try:
            services.complaint_close_without_case(
                actor=request_user(request),
                complaint=complaint,
                reason=form.cleaned_data["reason"],
                reply_text=form.cleaned_data["reply_text"],
                reply_method=form.cleaned_data["reply_method"],
                replied_on=form.replied(),
            )
        except DomainError as err:
            error = err.message
            form.add_error(None, err.message)
        else:
            messages.success(request, _("已记录不予立案。"))
            return redirect("cases:complaint", complaint_id=complaint.pk)
    return _render_complaint(request, complaint, close_form=form, error=error, status=422)
