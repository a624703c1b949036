"""The staff pages of cases: who sees which page, a small walk through the forms, refusals that
keep what was typed and change nothing, archived cases read-only, and escaping.

R-33: a case is read by its agency's staff and the supervisor (another agency's case is 404);
R-34: a correction is a new version with its reason; R-29: an archived case is read-only;
R-35: the approval chain (承办人 → 审核人 → 批准人), each signing with their own login.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.cases.conftest import (
    ADULT_ID,
    Desk,
    all_signed,
    fill_step,
    sample_fields,
    start,
    unchanged,
    walk,
)
from tests.org.conftest import make_user
from zhifa.accounts.models import User
from zhifa.cases import services
from zhifa.cases.models import Case, Complaint, Record
from zhifa.evidence.models import Confidentiality


def staff_client(user: User) -> Client:
    """A client signed in with password and a verified second factor (as ``staff_required``
    wants)."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="phone", defaults={"confirmed": True}
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def html(response: Any) -> str:
    return str(response.content.decode())


def prefilled(page: str, prefix: str) -> dict[str, str]:
    """What a browser would send back from the form fields named ``prefix-…`` as shown."""
    out: dict[str, str] = {}
    for tag in re.findall(rf'<input[^>]*name="{re.escape(prefix)}-[^"]*"[^>]*>', page):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            out[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(
        rf'<textarea[^>]*name="({re.escape(prefix)}-[^"]*)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        out[name] = unescape(body.strip("\n"))
    for name, body in re.findall(
        rf'<select[^>]*name="({re.escape(prefix)}-[^"]*)"[^>]*>(.*?)</select>', page, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        out[name] = unescape(chosen.group(1)) if chosen else ""
    return out


def form_values(page: str, name: str) -> list[str]:
    """The values an <input name=…> or <textarea name=…> holds on the page."""
    inputs = re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    values = [m for tag in inputs for m in re.findall(r'value="([^"]*)"', tag)]
    areas = re.findall(
        rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>\s*(.*?)</textarea>', page, re.S
    )
    return values + [a.strip() for a in areas]


PAGES = (
    "/staff/cases/",
    "/staff/cases/deadlines/",
    "/staff/cases/notifications/",
    "/staff/cases/new/",
    "/staff/cases/complaints/",
)


# --- who sees what ------------------------------------------------------------------------------


def test_every_page_renders_for_an_officer_and_sends_strangers_to_login__R33(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    client = staff_client(desk.officer)
    for url in (*PAGES, f"/staff/cases/{case.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "案件" in html(response)
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"], url
    # signed in with the password only (no second factor): back to the login as well
    half = Client()
    half.force_login(desk.officer)
    assert half.get(f"/staff/cases/{case.pk}/").status_code == 302
    listing = html(client.get("/staff/cases/"))
    assert case.number in listing and "<td>立案</td>" in listing  # its current step
    # the staff navigation links to the case pages
    assert 'href="/staff/cases/"' in html(client.get("/staff/"))


def test_another_agencys_case_is_404_and_the_supervisor_reads_it__R33(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    url = f"/staff/cases/{case.pk}/"
    forest = staff_client(desk.org.forest_head)
    assert forest.get(url).status_code == 404
    assert case.number not in html(forest.get("/staff/cases/"))
    nobody = staff_client(make_user("no_roles"))
    assert nobody.get(url).status_code == 404
    assert nobody.get("/staff/cases/new/").status_code == 404  # no agency to start a case in
    supervisor = staff_client(desk.org.supervisor)
    page = supervisor.get(url)
    assert page.status_code == 200 and case.number in html(page)
    assert '<form method="post"' not in html(page)  # the supervisor reads, does not handle
    assert supervisor.get("/staff/cases/new/").status_code == 404
    # the head sees the agency's cases, filtered by state and agency
    head = staff_client(desk.head)
    listing = html(head.get(f"/staff/cases/?state=open&agency={desk.org.land.pk}"))
    assert case.number in listing
    assert case.number not in html(head.get("/staff/cases/?state=archived"))
    assert case.number not in html(head.get(f"/staff/cases/?agency={desk.org.forest.pk}"))
    # POSTs to another agency's case are 404 too, and change nothing
    with unchanged():
        response = forest.post(f"{url}advance/", {"advance-to": "investigate"})
    assert response.status_code == 404


def test_a_confidential_case_is_hidden_from_staff_not_on_it__R33(desk: Desk) -> None:
    case = start(
        desk,
        "penalty_general",
        officers=[desk.officer_a],
        confidentiality=Confidentiality.STATE_SECRET,
    )
    url = f"/staff/cases/{case.pk}/"
    assert staff_client(desk.officer).get(url).status_code == 200
    assert staff_client(desk.officer2).get(url).status_code == 404
    assert staff_client(desk.unit_head).get(url).status_code == 404
    assert staff_client(desk.org.supervisor).get(url).status_code == 404  # state secret
    assert staff_client(desk.head).get(url).status_code == 200


# --- a small walk through the forms -------------------------------------------------------------


def test_start_a_case_add_a_record_approve_and_advance_through_the_forms__R9_R35(
    desk: Desk,
) -> None:
    officer = staff_client(desk.officer)
    response = officer.post(
        "/staff/cases/new/",
        {
            "case-agency": desk.org.land.pk,
            "case-start_mode": "ex_officio",
            "case-procedure": "penalty_general",
            "case-title": "非法占用耕地建房",
            "case-officers": [desk.officer_a.pk, desk.officer_b.pk],
            "case-unit": desk.org.land_unit.pk,
            "case-confidentiality": "",
            "party-kind": "natural_person",
            "party-name": "张某某",
            "party-id_number": ADULT_ID,
            "party-address": "白山乡白山村",
        },
    )
    case = Case.objects.get(title="非法占用耕地建房")
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{case.pk}/"
    assert case.procedure == "penalty_general" and case.current_step == "register"
    assert case.parties.get().name == "张某某"
    assert list(case.officers.values_list("officer_id", "is_lead")) == [
        (desk.officer_a.pk, True),
        (desk.officer_b.pk, False),
    ]
    page = html(officer.get(response["Location"]))
    assert "案件已启动" in page and "缺少“立案审批表”" in page

    fields = sample_fields("start_approval")
    data = {f"record-start_approval-f_{k}": v for k, v in fields.items()}
    data.update(
        {
            "record-start_approval-kind": "start_approval",
            "record-start_approval-sig_officers_state": "signed",
            "record-start_approval-sig_officers_name": "测试执法员甲",
            "record-start_approval-sig_head_state": "signed",
            "record-start_approval-sig_head_name": "负责人",
        }
    )
    response = officer.post(f"/staff/cases/{case.pk}/records/start_approval/", data)
    assert response.status_code == 302
    record = case.records.get()
    assert record.kind == "start_approval" and record.fields == fields
    assert record.signatures["head"] == {"state": "signed", "name": "负责人", "reason": ""}

    for user, role in (
        (desk.officer, "handler"),
        (desk.unit_head, "checker"),
        (desk.head, "approver"),
    ):
        response = staff_client(user).post(
            f"/staff/cases/{case.pk}/step/approval/",
            {"approval-role": role, "approval-decision": "agree", "approval-opinion": "同意立案。"},
        )
        assert response.status_code == 302, html(response)
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    assert "本步骤已经具备完成的条件" in page
    assert 'name="advance-to" value="investigate"' in page

    response = officer.post(f"/staff/cases/{case.pk}/advance/", {"advance-to": "investigate"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.current_step == "investigate"
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    assert "当前步骤：调查取证" in page and "完成：立案" in page  # the timeline


def test_correcting_a_record_shows_both_versions_with_the_reason__R34(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="start_approval",
        fields=sample_fields("start_approval"),
        signatures=all_signed("start_approval"),
    )
    record = case.records.get()
    officer = staff_client(desk.officer)
    form = html(officer.get(f"/staff/cases/{case.pk}/?correct={record.pk}"))
    assert form_values(form, "correct-f_reason") == [record.fields["reason"]]  # prefilled
    data = prefilled(form, "correct")
    assert data["correct-sig_head_state"] == "signed"  # the signature rows come prefilled
    data["correct-f_reason"] = "群众举报后现场核实"
    data.pop("correct-reason", None)
    url = f"/staff/cases/{case.pk}/records/{record.pk}/correct/"
    with unchanged():  # no reason: refused
        refused = officer.post(url, data)
    print(html(refused)[html(refused).find("alert") :][:600])
    assert refused.status_code == 422 and "请填写“更正理由”" in html(refused)
    assert form_values(html(refused), "correct-f_reason") == ["群众举报后现场核实"]
    response = officer.post(url, {**data, "correct-reason": "启动原因写错"})
    assert response.status_code == 302
    new = Record.objects.get(replaces=record)
    assert new.version == 2 and new.fields["reason"] == "群众举报后现场核实"
    assert new.signatures == record.signatures
    assert {k: v for k, v in new.fields.items() if k != "reason"} == {
        k: v for k, v in record.fields.items() if k != "reason"
    }
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    assert "第2版" in page and "启动原因写错" in page and "（已被更正）" in page


# --- refusals keep what was typed and change nothing ---------------------------------------------


def test_a_refused_record_reshows_the_typed_values_and_the_message__R11(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    officer = staff_client(desk.officer)
    data = {
        "record-start_approval-kind": "start_approval",
        "record-start_approval-f_reason": "巡查发现违法占地",
        "record-start_approval-f_party_summary": "张某某，白山村村民",
        "record-start_approval-f_content": "第一行\n第二行",
        "record-start_approval-sig_officers_state": "signed",
        "record-start_approval-sig_head_state": "refused",  # refused, but no reason given
        "record-start_approval-sig_head_name": "王某",
    }
    with unchanged():
        response = officer.post(f"/staff/cases/{case.pk}/records/start_approval/", data)
    page = html(response)
    assert response.status_code == 422
    assert "请填写“承办人意见”" in page  # the service names each missing field
    assert 'role="alert"' in page
    assert form_values(page, "record-start_approval-f_reason") == ["巡查发现违法占地"]
    assert form_values(page, "record-start_approval-f_party_summary") == ["张某某，白山村村民"]
    assert form_values(page, "record-start_approval-f_content") == ["第一行\n第二行"]
    assert form_values(page, "record-start_approval-sig_head_name") == ["王某"]
    assert re.search(r'<option value="refused" selected>', page)


def test_a_refused_signature_without_reason_is_named__R11(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    fields = sample_fields("start_approval")
    data = {f"record-start_approval-f_{k}": v for k, v in fields.items()}
    data.update(
        {
            "record-start_approval-kind": "start_approval",
            "record-start_approval-sig_officers_state": "signed",
            "record-start_approval-sig_head_state": "refused",
        }
    )
    with unchanged():
        response = staff_client(desk.officer).post(
            f"/staff/cases/{case.pk}/records/start_approval/", data
        )
    assert response.status_code == 422
    # Only the party, a witness or the recipient may refuse; a head who does not sign has
    # not signed.
    assert "负责人不能“拒绝签名”；未签名的，文书尚未完成。" in html(response)


def test_advancing_with_gaps_is_refused_naming_them_and_keeps_the_note__R9(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    with unchanged():
        response = staff_client(desk.officer).post(
            f"/staff/cases/{case.pk}/advance/",
            {"advance-to": "investigate", "advance-reason": "我的说明"},
        )
    page = html(response)
    assert response.status_code == 422
    assert "“立案”还不能完成" in page and "缺少“立案审批表”" in page
    assert form_values(page, "advance-reason") == ["我的说明"]
    case.refresh_from_db()
    assert case.current_step == "register"


def test_a_refused_start_keeps_everything_typed__R7(desk: Desk) -> None:
    officer = staff_client(desk.officer)
    data = {
        "case-agency": desk.org.land.pk,
        "case-start_mode": "ex_officio",
        "case-procedure": "penalty_general",
        "case-title": "未经批准占地",
        "case-summary": "村民反映",
        "party-kind": "natural_person",
        "party-name": "李某",
        "party-id_number": ADULT_ID,
    }  # no officers
    with unchanged():
        response = officer.post("/staff/cases/new/", data)
    page = html(response)
    assert response.status_code == 422 and "请指派承办的执法人员。" in page
    assert form_values(page, "case-title") == ["未经批准占地"]
    assert form_values(page, "case-summary") == ["村民反映"]
    assert form_values(page, "party-name") == ["李某"]
    assert form_values(page, "party-id_number") == [ADULT_ID]
    # an officer whose certificate expired on 2026-06-14 cannot handle it: named, nothing written
    with unchanged():
        response = officer.post(
            "/staff/cases/new/", {**data, "case-officers": [desk.officer_expired.pk]}
        )
    assert response.status_code == 422 and "测试执法员丁" in html(response)


def test_an_approval_out_of_order_is_refused_with_the_opinion_kept__R35(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    with unchanged():
        response = staff_client(desk.head).post(
            f"/staff/cases/{case.pk}/step/approval/",
            {"approval-role": "approver", "approval-decision": "agree", "approval-opinion": "批准"},
        )
    page = html(response)
    assert response.status_code == 409 and "现在应由承办人签批。" in page
    assert form_values(page, "approval-opinion") == ["批准"]


def test_a_party_with_a_bad_id_number_is_refused_and_kept__R9(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    with unchanged():
        response = staff_client(desk.officer).post(
            f"/staff/cases/{case.pk}/parties/",
            {
                "party-kind": "natural_person",
                "party-name": "赵某",
                "party-id_number": "110105194912310021",
                "party-address": "白山乡",
            },
        )
    page = html(response)
    assert response.status_code == 422 and 'role="alert"' in page
    assert form_values(page, "party-name") == ["赵某"]
    assert form_values(page, "party-id_number") == ["110105194912310021"]


# --- archived cases and escaping ----------------------------------------------------------------


def test_an_archived_case_shows_everything_and_no_forms__R29(desk: Desk) -> None:
    case = start(desk, "inspection")
    case = walk(desk, case, ["inspect", "result", "serve", "close", "archive", ""])
    assert case.is_archived
    officer = staff_client(desk.officer)
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    assert "已归档" in page and "归档" in page
    assert '<form method="post"' not in page.split("<main", 1)[1]
    assert "?correct=" not in page and "?party=" not in page
    for kind in ("inspection_plan",):
        assert case.records.filter(kind=kind).exists()
    assert page.count('class="record') == case.records.count()
    with unchanged():
        response = officer.post(
            f"/staff/cases/{case.pk}/parties/",
            {"party-kind": "natural_person", "party-name": "钱某", "party-id_number": ADULT_ID},
        )
    assert response.status_code == 409 and "案件已经归档，不能再修改。" in html(response)
    assert '<form method="post" action="/staff/cases/' not in html(response)


def test_html_in_a_record_field_is_escaped__R1(desk: Desk) -> None:
    case = start(desk, "penalty_general", title="<b>案由</b>")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="start_approval",
        fields=sample_fields("start_approval", reason=attack, content=attack),
        signatures={"party": {"state": "refused", "name": "<i>王</i>", "reason": attack}},
    )
    page = html(staff_client(desk.officer).get(f"/staff/cases/{case.pk}/"))
    assert "<script>alert" not in page and "<img src=x" not in page and "<i>王</i>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;案由&lt;/b&gt;" in page and "<b>案由</b>" not in page


# --- deadlines, notices, complaints --------------------------------------------------------------


def test_deadlines_soonest_first_with_their_basis_and_overdue_marked__L3(desk: Desk) -> None:
    from datetime import datetime

    from zhifa.core import clock

    case = start(desk, "penalty_general")
    deadline = case.deadlines.get(key="decision")
    officer = staff_client(desk.officer)
    page = html(officer.get("/staff/cases/deadlines/"))
    assert deadline.name in page and deadline.basis in page and case.number in page
    assert "逾期</strong>" not in page
    # the due day itself is still in time; the next day it is overdue
    due = deadline.due_date
    with clock.frozen(datetime(due.year, due.month, due.day, 12, tzinfo=clock.CHINA)):
        assert "逾期</strong>" not in html(officer.get("/staff/cases/deadlines/"))
        services.mark_overdue(clock.now())
    day_after = datetime(due.year, due.month, due.day, 12, tzinfo=clock.CHINA)
    from datetime import timedelta

    with clock.frozen(day_after + timedelta(days=1)):
        client = staff_client(desk.officer)
        assert "逾期</strong>" in html(client.get("/staff/cases/deadlines/"))
        services.mark_overdue(clock.now())
        notices = html(client.get("/staff/cases/notifications/"))
        assert "作出处罚决定期限" in notices and "标记为已读" in notices
        notice = desk.officer.case_notifications.get()
        assert client.post(f"/staff/cases/notifications/{notice.pk}/read/").status_code == 302
        notice.refresh_from_db()
        assert notice.read_at is not None
        # someone else's notice is 404 and stays unread
        other = desk.officer2.case_notifications.get()
        with unchanged():
            assert client.post(f"/staff/cases/notifications/{other.pk}/read/").status_code == 404
    # nobody else sees the officer's deadlines
    assert deadline.name not in html(
        staff_client(desk.org.forest_head).get("/staff/cases/deadlines/")
    )


def test_complaints_register_start_a_case_and_close_without_one__R10(desk: Desk) -> None:
    officer = staff_client(desk.officer)
    response = officer.post(
        "/staff/cases/complaints/",
        {
            "complaint-agency": desk.org.land.pk,
            "complaint-channel": "phone",
            "complaint-is_real_name": "on",
            "complaint-complainant_name": "孙某",
            "complaint-subject": "村东砂场",
            "complaint-content": "夜间非法采砂",
        },
    )
    assert response.status_code == 302
    first = Complaint.objects.get(subject="村东砂场")
    assert "村东砂场" in html(officer.get("/staff/cases/complaints/"))
    response = officer.post(
        f"/staff/cases/complaints/{first.pk}/case/",
        {
            "case-procedure": "penalty_general",
            "case-title": "非法采砂",
            "case-officers": [desk.officer_a.pk, desk.officer_b.pk],
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.state == Complaint.State.CASE and first.case is not None
    assert first.case.start_mode == Case.StartMode.COMPLAINT

    second = services.complaint_register(
        actor=desk.officer,
        agency=desk.org.land,
        channel="letter",
        subject="某商店",
        content="噪音",
        is_real_name=True,
        complainant_name="周某",
    )
    url = f"/staff/cases/complaints/{second.pk}/close/"
    with unchanged():  # real name: the reply must be recorded
        refused = officer.post(
            url, {"close-reason": "不属于本机关职责", "close-reply_text": "已告知"}
        )
    page = html(refused)
    assert refused.status_code == 422 and "请填写“告知方式”" in page
    assert form_values(page, "close-reason") == ["不属于本机关职责"]
    response = officer.post(
        url,
        {
            "close-reason": "不属于本机关职责",
            "close-reply_text": "已告知向环保部门反映",
            "close-reply_method": "电话",
            "close-replied_on": "2026-06-15",
        },
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == Complaint.State.NO_CASE and second.reply_method == "电话"
    page = html(officer.get(f"/staff/cases/complaints/{second.pk}/"))
    assert "已告知向环保部门反映" in page and "2026-06-15" in page
    assert '<form method="post"' not in page.split("<main", 1)[1]
    # another agency's complaint is 404
    assert (
        staff_client(desk.org.forest_head).get(f"/staff/cases/complaints/{second.pk}/").status_code
        == 404
    )


def test_the_step_forms_link_evidence_choose_variant_and_give_the_av_reason__R14(
    desk: Desk, av: Any
) -> None:
    case = start(desk, "penalty_general")
    case = walk(desk, case, ["investigate"])
    photo = av("photo")
    officer = staff_client(desk.officer)
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    assert f'<option value="{photo.pk}"' in page  # the agency's evidence the officer may see
    response = officer.post(
        f"/staff/cases/{case.pk}/step/evidence/",
        {"evidence-evidence": photo.pk, "evidence-note": "现场照片"},
    )
    assert response.status_code == 302
    with unchanged():  # the same item twice is refused
        again = officer.post(
            f"/staff/cases/{case.pk}/step/evidence/",
            {"evidence-evidence": photo.pk, "evidence-note": "再次"},
        )
    assert again.status_code == 409 and "该证据已经关联到本步骤。" in html(again)
    response = officer.post(f"/staff/cases/{case.pk}/step/av-reason/", {"av-reason": "夜间无光"})
    assert response.status_code == 302
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    assert "关联证据" in page and "现场照片" in page and "夜间无光" in page
    fill_step(desk, case)
    assert "本步骤已经具备完成的条件" in html(officer.get(f"/staff/cases/{case.pk}/"))


# --- parties, officers, variants, extensions ----------------------------------------------------


def test_correcting_a_party_keeps_the_old_row_and_the_reason__R34(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    party = case.parties.get()
    officer = staff_client(desk.officer)
    page = html(officer.get(f"/staff/cases/{case.pk}/?party={party.pk}"))
    data = prefilled(page, "pcorrect")
    assert data["pcorrect-name"] == "张某某" and data["pcorrect-id_number"] == ADULT_ID
    data["pcorrect-name"] = "张某"
    url = f"/staff/cases/{case.pk}/parties/{party.pk}/correct/"
    with unchanged():
        refused = officer.post(url, data)
    assert refused.status_code == 422 and "请填写“更正理由”" in html(refused)
    assert form_values(html(refused), "pcorrect-name") == ["张某"]
    response = officer.post(url, {**data, "pcorrect-reason": "姓名笔误"})
    assert response.status_code == 302
    new = case.parties.get(replaces=party)
    assert new.name == "张某" and new.correction_reason == "姓名笔误"
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    assert "张某某" in page and "姓名笔误" in page and "已更正" in page


def test_officers_are_assigned_removed_and_chosen_for_the_step__L42(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    officer = staff_client(desk.officer)
    with unchanged():  # certificate expired on 2026-06-14
        refused = officer.post(
            f"/staff/cases/{case.pk}/officers/", {"assign-officer": desk.officer_expired.pk}
        )
    assert refused.status_code == 422 and "测试执法员丁" in html(refused)
    with unchanged():  # a reason is needed to take someone off the case
        refused = officer.post(
            f"/staff/cases/{case.pk}/officers/remove/", {"remove-officer": desk.officer_b.pk}
        )
    assert refused.status_code == 422 and "请填写“撤出原因”" in html(refused)
    response = officer.post(
        f"/staff/cases/{case.pk}/step/officers/", {"present-officers": [desk.officer_a.pk]}
    )
    assert response.status_code == 302
    run = case.steps.get()
    assert [e["officer_id"] for e in run.officers] == [desk.officer_a.pk]
    response = officer.post(
        f"/staff/cases/{case.pk}/officers/remove/",
        {"remove-officer": desk.officer_b.pk, "remove-reason": "工作调整"},
    )
    assert response.status_code == 302
    assert case.officers.get(officer=desk.officer_b).removed_reason == "工作调整"
    assert "工作调整" in html(officer.get(f"/staff/cases/{case.pk}/"))


def test_the_service_method_is_chosen_on_the_page__R24(desk: Desk) -> None:
    case = start(desk, "inspection")
    case = walk(desk, case, ["inspect", "result", "serve"])
    officer = staff_client(desk.officer)
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    assert "请选择办理方式" in page and "邮寄送达" in page
    with unchanged():
        refused = officer.post(f"/staff/cases/{case.pk}/step/variant/", {"variant-variant": ""})
    assert refused.status_code == 422 and "办理方式不正确" in html(refused)
    response = officer.post(f"/staff/cases/{case.pk}/step/variant/", {"variant-variant": "mail"})
    assert response.status_code == 302
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    assert "办理方式：邮寄送达" in page and "缺少“邮寄凭单及回执”" in page
    assert f'action="/staff/cases/{case.pk}/records/mail_receipt/"' in page


def test_only_the_head_extends_the_legal_review_limit_once__L58(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    path = ["investigate", "investigation_report", "notify_rights", "draft_decision"]
    case = walk(desk, case, [*path, "legal_review"])
    row = case.deadlines.get(key="legal_review")
    url = f"/staff/cases/{case.pk}/deadlines/{row.pk}/extend/"
    key = f"extend-{row.pk}"
    with unchanged():
        refused = staff_client(desk.officer).post(url, {f"{key}-reason": "案情复杂"})
    page = html(refused)
    assert refused.status_code == 403 and "延长期限须经本机关负责人批准。" in page
    assert form_values(page, f"{key}-reason") == ["案情复杂"]
    head = staff_client(desk.head)
    with unchanged():
        refused = head.post(url, {f"{key}-reason": ""})
    assert refused.status_code == 422 and "请填写“延长理由”" in html(refused)
    due = row.due_date
    response = head.post(url, {f"{key}-reason": "案情复杂"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.extended_times == 1 and row.due_date > due
    page = html(head.get(f"/staff/cases/{case.pk}/"))
    assert f'action="{url}"' not in page  # once only: no second form
    with unchanged():
        again = head.post(url, {f"{key}-reason": "再延长"})
    assert again.status_code == 409 and "只能延长一次" in html(again)


def test_the_emergency_start_form_is_filed_on_the_page_after_the_step__R9(desk: Desk) -> None:
    case = start(desk, "penalty_general", start_mode="emergency")
    fill_step(desk, case, skip=("records", "approval"))
    case = services.step_advance(actor=desk.officer, case=case, to="investigate")
    officer = staff_client(desk.officer)
    page = html(officer.get(f"/staff/cases/{case.pk}/"))
    url = f"/staff/cases/{case.pk}/records/start_approval/"
    assert f'action="{url}"' in page  # offered although its step has closed (filed afterwards)
    fields = sample_fields("start_approval")
    data = {f"record-start_approval-f_{k}": v for k, v in fields.items()}
    data.update(
        {
            "record-start_approval-sig_officers_state": "signed",
            "record-start_approval-sig_head_state": "signed",
        }
    )
    response = officer.post(url, data)
    assert response.status_code == 302, html(response)
    record = case.records.get(kind="start_approval")
    assert record.step_run.step_id == "register" and record.fields == fields
    assert case.deadlines.get(key="emergency_start_form").met_at is not None
    assert f'action="{url}"' not in html(officer.get(f"/staff/cases/{case.pk}/"))


def test_every_post_form_carries_the_csrf_token_and_is_checked(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    client = staff_client(desk.officer)
    party = case.parties.get()
    detail = f"/staff/cases/{case.pk}/?party={party.pk}&kind=inquiry_transcript"
    for url, least in ((detail, 12), ("/staff/cases/new/", 1), ("/staff/cases/complaints/", 1)):
        page = html(client.get(url))
        forms = re.findall(r'<form method="post".*?</form>', page, re.S)
        assert len(forms) >= least, url
        assert all('name="csrfmiddlewaretoken"' in f for f in forms)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    with unchanged():
        response = strict.post(f"/staff/cases/{case.pk}/advance/", {"advance-to": "investigate"})
    assert response.status_code == 403
