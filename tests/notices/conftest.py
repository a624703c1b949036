"""The outbox is tested through the notices that use it: the cases' desk and its org."""

# Fixtures shared with the cases tests: pytest finds them by name here, so F401 would be wrong.
from tests.cases.conftest import desk  # noqa: F401
from tests.org.conftest import frozen_today, org  # noqa: F401
