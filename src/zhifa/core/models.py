"""The project's own working-day calendar (see ``docs/calendar.md`` and decision 0003).

``CalendarYear`` is one row per year the system knows; asking about a date of any other year is an
error (``CalendarYearUnknown``), never a guess. ``CalendarDay`` holds the days the official notice
names for that year: every day of a statutory holiday period (weekend days inside it included) and
every adjusted working day (调休上班). Any day not listed follows the plain rule: Monday to Friday
work, Saturday and Sunday rest.

Rows are written only by :mod:`zhifa.calendars.services` (and the seeding migration); readers go
through :mod:`zhifa.core.calendar`, which keeps each year in memory.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    class Source(models.TextChoices):
        PACKAGE = "chinese-calendar", _("chinese-calendar 软件包")
        FILE = "override-file", _("管理员载入的日历文件")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=32, choices=Source.choices)
    notice = models.CharField(_("依据的通知"), max_length=200, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True)
    package_version = models.CharField(_("软件包版本"), max_length=32, blank=True)
    content_sha256 = models.CharField(_("日期内容摘要"), max_length=64)
    loaded_at = models.DateTimeField(_("载入时间"))

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day the official notice names: a holiday-period day (rest) or an adjusted working day."""

    year = models.ForeignKey(
        CalendarYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("节日名称"), max_length=64)

    class Meta:
        verbose_name = _("日历日")
        verbose_name_plural = _("日历日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"
