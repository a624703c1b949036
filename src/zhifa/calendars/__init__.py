"""Administering the working-day calendar: loading and seeding years (``zhifa calendar``).

The calendar itself (its tables and every read of it) is the kernel's, ``zhifa.core.calendar``;
its writes live here, above ``accounts`` (who may load a year) and the ledger (every load is
recorded), because the kernel imports no app.
"""
