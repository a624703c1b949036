from __future__ import annotations

from datetime import datetime

from zhifa.core import clock


def test_frozen_clock_sets_now_and_today_in_china() -> None:
    # 2026-10-01 01:00 in Beijing is still 2026-09-30 in UTC: "today" is the Chinese date.
    with clock.frozen(datetime(2026, 10, 1, 1, 0, tzinfo=clock.CHINA)):
        assert clock.today().isoformat() == "2026-10-01"
        assert clock.now().astimezone(clock.CHINA).hour == 1
    assert clock.now().year >= 2026
