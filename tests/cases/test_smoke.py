from tests.cases.conftest import Desk, start, walk


def test_general_penalty_walks_to_archive(desk: Desk) -> None:
    case = start(desk, "penalty_general")
    case = walk(
        desk,
        case,
        [
            "investigate",
            "investigation_report",
            "notify_rights",
            "hearing_request",
            "hearing",
            "draft_decision",
            "legal_review",
            "decide",
            "serve",
            "compliance",
            "close",
            "archive",
            "",
        ],
        serve="leaving",
    )
    assert case.state == "archived"


def test_simple_over(desk: Desk) -> None:
    import pytest

    from tests.cases.conftest import all_signed, fill_step, sample_fields
    from zhifa.cases import services
    from zhifa.core.errors import ValidationFailed

    case = start(desk, "penalty_simple")
    fill_step(desk, case)
    case = services.step_advance(actor=desk.officer, case=case, to="notify_on_spot")
    fill_step(desk, case)
    case = services.step_advance(actor=desk.officer, case=case, to="decide_on_spot")
    services.record_add(
        actor=desk.officer,
        case=case,
        kind="simple_penalty_decision",
        fields=sample_fields("simple_penalty_decision", measure="fine", fine_yuan="200.01"),
        signatures=all_signed(""),
    )
    with pytest.raises(ValidationFailed) as err:
        services.step_advance(actor=desk.officer, case=case, to="file_with_agency")
    print(err.value.message)
