from __future__ import annotations

from django.urls import path

from zhifa.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("deadlines/", views.deadline_list, name="deadlines"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:notice_id>/read/", views.notification_read, name="notification_read"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/<int:complaint_id>/", views.complaint_detail, name="complaint"),
    path(
        "complaints/<int:complaint_id>/case/",
        views.complaint_start_case,
        name="complaint_case",
    ),
    path("complaints/<int:complaint_id>/close/", views.complaint_close, name="complaint_close"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/advance/", views.case_advance, name="advance"),
    path("<int:case_id>/records/<slug:kind>/", views.record_add, name="record_add"),
    path(
        "<int:case_id>/records/<int:record_id>/correct/",
        views.record_correct,
        name="record_correct",
    ),
    path("<int:case_id>/parties/", views.party_add, name="party_add"),
    path(
        "<int:case_id>/parties/<int:party_id>/correct/", views.party_correct, name="party_correct"
    ),
    path("<int:case_id>/officers/", views.officer_assign, name="officer_assign"),
    path("<int:case_id>/officers/remove/", views.officer_remove, name="officer_remove"),
    path("<int:case_id>/step/officers/", views.step_officers, name="step_officers"),
    path("<int:case_id>/step/variant/", views.step_variant, name="step_variant"),
    path("<int:case_id>/step/av-reason/", views.step_av_reason, name="step_av_reason"),
    path("<int:case_id>/step/disputed/", views.step_disputed, name="step_disputed"),
    path("<int:case_id>/step/evidence/", views.evidence_link, name="evidence_link"),
    path("<int:case_id>/step/approval/", views.approval_give, name="approval"),
    path(
        "<int:case_id>/deadlines/<int:deadline_id>/extend/",
        views.deadline_extend,
        name="deadline_extend",
    ),
]
