"""The kernel finds each app's share of ``zhifa tick`` and ``zhifa demo load`` without importing
any app by name (issue 9: the kernel knows no domain)."""

from __future__ import annotations

from zhifa.core import demo, tick


def test_demo_load_runs_each_apps_step_in_order_organisation_catalogue_logins_cases() -> None:
    assert [step.name for step in demo.discover()] == [
        "org.baishan",
        "catalogue.demo",
        "accounts.demo",
        "cases.demo",
    ]


def test_tick_runs_the_cases_tasks_before_the_ledger_signs_a_checkpoint__R34() -> None:
    assert [task.name for task in tick.discover()] == [
        "cases.pending_calendar",
        "cases.overdue",
        "notices.email",
        "ledger.checkpoint",
    ]
