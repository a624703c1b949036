"""Year files used by the calendar tests. The 2027 data is invented test data, not official."""

from __future__ import annotations

TEST_2027 = """
year = 2027
notice = "测试用虚构通知（非官方）"

[[holidays]]
name = "元旦"
from = 2027-01-01
to = 2027-01-03

[[holidays]]
name = "春节"
from = 2027-02-05
to = 2027-02-12

[[holidays]]
name = "国庆节"
dates = [2027-10-01, 2027-10-04, 2027-10-05]

[[workdays]]
date = 2027-02-14
name = "春节"
"""


def year_file(body: str) -> bytes:
    return body.encode("utf-8")
