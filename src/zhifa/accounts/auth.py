"""API authentication for machines (body cameras, the superior platform): bearer tokens.

Use it on a django-ninja router or operation::

    @router.post("/evidence", auth=ApiTokenAuth(scope="evidence:upload"))
    def upload(request, ...):
        evidence_services.blob_receive(actor=request.auth, ...)

``request.auth`` is then the :class:`~zhifa.accounts.models.ApiToken`; pass it as ``actor`` to
services (the ledger names it ``token:<prefix>``) and check its agency with
``zhifa.accounts.access.require_scope(request.auth, scope, agency)``. A missing, malformed, unknown,
revoked or expired token, or one without the scope, gives 401 and a line in the security log.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from zhifa.accounts.models import ApiToken
from zhifa.accounts.services import token_authenticate


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer zf_<prefix>_<secret>``, optionally requiring one scope."""

    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        accepted = token_authenticate(plaintext=token, scope=self.scope, request=request)
        if accepted is None:
            # A request that presents a token is answered for that token: a refused one is a 401
            # here, not a turn to the session method next in the list, whose CSRF check answered a
            # POST with 403 "CSRF check Failed" (issue 10, defect 6).
            raise AuthenticationError()
        return accepted
