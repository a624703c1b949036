from __future__ import annotations

from django.urls import path

from zhifa.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.integrity, name="integrity"),
]
