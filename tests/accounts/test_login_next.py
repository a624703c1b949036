"""Where sign-in leads (S-1): only a path of this site. Found by the fuzz pass
(tests/test_fuzz_inputs.py): ``/staff/login/?next=1`` or ``?next=²`` for a signed-in user was a 500,
because ``redirect()`` reads a value without ``/`` as a URL name first."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.accounts.support import make_user
from tests.cases.test_pages import staff_client


@pytest.mark.parametrize("next_url", ["1", "²", "accounts:roles", "staff", "http:", "javascript:x"])
def test_a_next_that_is_not_a_path_leads_home_not_to_a_500__S1(next_url: str) -> None:
    client = staff_client(make_user("li.wei"))
    response = client.get("/staff/login/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"


def test_a_next_that_is_a_path_is_followed__S1() -> None:
    client = staff_client(make_user("li.wei"))
    response = client.get("/staff/login/", {"next": "/staff/password/"})
    assert response["Location"] == "/staff/password/"


def test_an_anonymous_login_page_with_any_next_is_shown__S1() -> None:
    for next_url in ("1", "²", "/staff/"):
        assert Client().get("/staff/login/", {"next": next_url}).status_code == 200
