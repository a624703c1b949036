from __future__ import annotations

from django.urls import path

from zhifa.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("login/otp/", views.otp_verify, name="otp_verify"),
    path("login/enrol/", views.otp_enrol, name="otp_enrol"),
    path("login/reset/", views.password_reset, name="password_reset"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("security-log/", views.security_log, name="security_log"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:assignment_id>/revoke/", views.role_revoke, name="role_revoke"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/decide/", views.token_decide, name="token_decide"),
    path("resets/", views.resets, name="resets"),
    path("resets/<int:reset_id>/decide/", views.reset_decide, name="reset_decide"),
]
