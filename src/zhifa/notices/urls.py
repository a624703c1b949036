from __future__ import annotations

from django.urls import path

from zhifa.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<int:email_id>/retry/", views.retry, name="retry"),
]
