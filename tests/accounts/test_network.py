"""The client's address in the security log behind a proxy (security model S-7)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings

from zhifa.accounts.models import SecurityEvent
from zhifa.accounts.network import client_ip_address


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),  # no proxy
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not our proxy: the header is ignored
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),  # our nginx
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a forged left part is ignored
        ("127.0.0.1", "198.51.100.7, 127.0.0.1", "198.51.100.7"),  # two hops of our own
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_forwarded_address_only_from_a_trusted_proxy__S7(
    remote: str, forwarded: str, expected: str
) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    with override_settings(AXES_IPWARE_PROXY_TRUSTED_IPS=["127.0.0.1"]):
        assert client_ip_address(request) == expected


def test_a_failed_login_behind_nginx_logs_the_client_s_address__S7() -> None:
    with override_settings(AXES_IPWARE_PROXY_TRUSTED_IPS=["127.0.0.1"]):
        Client(HTTP_X_FORWARDED_FOR="198.51.100.7").post(
            "/staff/login/", {"username": "li.wei", "password": "Wrong#Password1"}
        )

    assert SecurityEvent.objects.get().ip_address == "198.51.100.7"
