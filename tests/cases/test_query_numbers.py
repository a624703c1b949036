"""Numbers in the case pages' queries (issue 10, defect 5): ``?agency=²``, ``?correct=²``,
``?party=¹`` and ``?agency=99999999999999999999999`` were a 500 (``isdigit()`` accepted ``²``,
which ``int()`` refused; the huge id overflowed SQLite's integer). A number that is not ASCII
digits within the id range is a 400; a well-formed one behaves as before."""

from __future__ import annotations

import pytest

from tests.cases.conftest import Desk, start, unchanged
from tests.cases.test_pages import staff_client

BAD_NUMBERS = ["%C2%B2", "%C2%B9", "%D9%A3", "-1", "0", "+1", "99999999999999999999999", "1%201"]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_a_bad_agency_filter_of_the_case_list_is_a_400_not_a_500(desk: Desk, value: str) -> None:
    response = staff_client(desk.org.supervisor).get(f"/staff/cases/?agency={value}")
    assert response.status_code == 400  # was 500 for ², ¹ and the huge number


@pytest.mark.parametrize("name", ["correct", "party"])
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_a_bad_record_or_party_to_correct_is_a_400_not_a_500(
    desk: Desk, name: str, value: str
) -> None:
    case = start(desk, "penalty_general")
    response = staff_client(desk.officer).get(f"/staff/cases/{case.pk}/?{name}={value}")
    assert response.status_code == 400  # was 500 for ² and ¹


def test_well_formed_numbers_still_filter_and_preselect(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    supervisor = staff_client(desk.org.supervisor)
    listed = supervisor.get(f"/staff/cases/?agency={desk.org.land.pk}")
    assert listed.status_code == 200 and case.title in listed.content.decode()
    other = supervisor.get(f"/staff/cases/?agency={desk.org.forest.pk}")
    assert other.status_code == 200 and case.number not in other.content.decode()
    assert supervisor.get("/staff/cases/?agency=").status_code == 200  # "all agencies"
    party = case.parties.get()
    page = staff_client(desk.officer).get(f"/staff/cases/{case.pk}/?party={party.pk}")
    assert page.status_code == 200 and 'name="pcorrect-name"' in page.content.decode()


def test_a_bad_step_run_in_an_approval_is_a_400_and_changes_nothing(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    client = staff_client(desk.officer)
    with unchanged():
        response = client.post(f"/staff/cases/{case.pk}/step/approval/", {"step_run": "²"})
    assert response.status_code == 400  # was 500


def test_the_400_page_says_what_was_wrong_in_chinese(desk: Desk) -> None:
    response = staff_client(desk.org.supervisor).get("/staff/cases/?agency=%C2%B2")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
