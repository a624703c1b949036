"""Seed the working-day calendar with every year the installed chinese-calendar knows.

A fresh database thus knows 2004–2026 (chinese-calendar 1.11.0). No ledger events are written
here: a migration runs before any actor exists and must use the historical models; ``zhifa
calendar check`` proves that every seeded year still equals the package. Years the package learns
later come in with ``zhifa calendar seed`` (a service that does append ledger events).
"""

from django.db import migrations

from zhifa.core import clock
from zhifa.core.calendar_data import days_sha256, package_version, package_year, package_years


def seed(apps, schema_editor):
    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    version = package_version()
    loaded_at = clock.now()
    known = set(CalendarYear.objects.values_list("year", flat=True))
    for year in package_years():
        if year in known:
            continue
        data = package_year(year)
        row = CalendarYear.objects.create(
            year=year,
            source="chinese-calendar",
            notice="",
            file_name="",
            file_sha256="",
            package_version=version,
            content_sha256=days_sha256(data.days),
            loaded_at=loaded_at,
        )
        CalendarDay.objects.bulk_create(
            CalendarDay(year=row, date=day.date, is_workday=day.is_workday, name=day.name)
            for day in data.days
        )


def unseed(apps, schema_editor):
    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    seeded = CalendarYear.objects.filter(source="chinese-calendar")
    CalendarDay.objects.filter(year__in=seeded).delete()
    seeded.delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
