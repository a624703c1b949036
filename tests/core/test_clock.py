from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from zhifa.core import clock


def test_frozen_clock_sets_now_and_today_in_china() -> None:
    # 2026-10-01 01:00 in Beijing is still 2026-09-30 in UTC: "today" is the Chinese date.
    with clock.frozen(datetime(2026, 10, 1, 1, 0, tzinfo=clock.CHINA)):
        assert clock.today().isoformat() == "2026-10-01"
        assert clock.now().astimezone(clock.CHINA).hour == 1
    assert clock.now().year >= 2026


def test_a_naive_time_is_read_as_china_time__clock() -> None:
    with clock.frozen(datetime(2026, 10, 1, 0, 30)) as at:
        assert at.tzinfo is clock.CHINA
        assert clock.now() == datetime(2026, 9, 30, 16, 30, tzinfo=UTC)
        assert clock.today() == date(2026, 10, 1)


def test_nested_freezes_restore_the_outer_time_then_the_real_one__clock() -> None:
    outer = datetime(2026, 9, 30, 9, 0, tzinfo=clock.CHINA)
    inner = datetime(2026, 10, 8, 9, 0, tzinfo=clock.CHINA)
    with clock.frozen(outer):
        with clock.frozen(inner):
            assert clock.now() == inner
        assert clock.now() == outer
    real_before = timezone.now()
    assert real_before <= clock.now() <= timezone.now()


def test_a_freeze_ends_even_when_the_block_raises__clock() -> None:
    with pytest.raises(RuntimeError), clock.frozen(datetime(2020, 1, 1, tzinfo=clock.CHINA)):
        raise RuntimeError("boom")
    assert clock.today() > date(2020, 1, 1)


def test_a_freeze_holds_for_its_own_thread_only__clock() -> None:
    seen: list[datetime] = []
    with clock.frozen(datetime(2020, 1, 1, tzinfo=clock.CHINA)):
        other = threading.Thread(target=lambda: seen.append(clock.now()))
        other.start()
        other.join()
        assert clock.now().year == 2020
    assert seen[0].year > 2020
