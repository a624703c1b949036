"""A refused read or write of another agency's catalogue is a security-log line (issue 10,
defect 7; security model S-7, the cases' test_refusal_log.py shows the limit)."""

from __future__ import annotations

import pytest

from tests.catalogue.test_api import BASE, _power, client_for, post
from tests.org.conftest import Org, ledger_size
from zhifa.accounts.models import SecurityEvent
from zhifa.catalogue import services
from zhifa.catalogue.models import Power

pytestmark = pytest.mark.usefixtures("laws")


def test_a_refused_catalogue_read_and_write_are_logged__S7(org: Org) -> None:
    power = _power(org)
    stranger = client_for(org.forest_head)
    assert stranger.get(f"{BASE}/powers/{power.pk}/history").status_code == 403
    before = list(Power.objects.order_by("pk").values()), ledger_size()
    response = post(stranger, f"{BASE}/powers/{power.pk}/repeal", {"reason": "不是本单位的事项"})
    assert response.status_code == 403
    assert (list(Power.objects.order_by("pk").values()), ledger_size()) == before
    lines = SecurityEvent.objects.filter(user=org.forest_head, kind="access_denied").order_by("id")
    assert [line.detail for line in lines] == [
        f"read catalogue.power#{power.pk}: permission_denied",
        f"write org.agency#{org.land.pk}: permission_denied",
    ]
    # asking whether one may maintain a catalogue (the pages do, to show forms) is no refusal
    assert not services.can_maintain(org.forest_head, org.land)
    assert lines.count() == 2
