from __future__ import annotations

from django.urls import path

from zhifa.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
]
