"""Browsers of staff members as the API sees them, for any app's tests.

:func:`verified_client` is a staff member after the real login (``accounts.views._complete_login``):
signed in with the password and a TOTP device verified in this session — what every staff router
of the API requires (:data:`zhifa.apikit.STAFF`). :func:`password_only_client` stopped after the
password, which the API refuses as it refuses no login at all.
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.accounts.models import User


def verify_session(client: Client, user: User) -> None:
    """Mark ``client``'s session (already signed in as ``user``) as verified by a TOTP device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="测试", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def verified_client(user: User, **client_options: Any) -> Client:
    client = Client(**client_options)
    client.force_login(user)
    verify_session(client, user)
    return client


def password_only_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
