from __future__ import annotations

from django.urls import path

from zhifa.evidence import views

app_name = "evidence"
urlpatterns = [
    path("", views.evidence_list, name="list"),
    path("upload/", views.upload_page, name="upload"),
]
