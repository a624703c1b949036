"""The client's address, for the lock-out bookkeeping and the security log.

Behind nginx every request comes from the proxy's address; the client's own is the right-most
address in ``X-Forwarded-For`` that is not one of our proxies. The header is believed only when
the request really comes from a proxy named in ``ZHIFA_TRUSTED_PROXIES`` (settings:
``AXES_IPWARE_PROXY_TRUSTED_IPS``): anyone else could write any address into it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip_address(request: HttpRequest) -> str | None:
    """``REMOTE_ADDR``, or the client seen by a trusted proxy (``AXES_CLIENT_IP_CALLABLE``)."""
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    trusted = set(getattr(settings, "AXES_IPWARE_PROXY_TRUSTED_IPS", None) or ())
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if remote is None or remote not in trusted or not forwarded:
        return remote
    for hop in reversed(forwarded.split(",")):
        address = _valid(hop)
        if address is None:
            return remote
        if address not in trusted:
            return address
    return remote
