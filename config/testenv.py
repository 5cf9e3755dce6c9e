"""Loaded first by pytest (`-p config.testenv`): select the test configuration early."""

import os
from pathlib import Path

os.environ["PROOFSHEET_ENV"] = "test"
os.environ.setdefault(
    "PROOFSHEET_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test")
)
# A developer's .env must not leak into the tests.
os.environ.setdefault("PROOFSHEET_DOTENV", "/nonexistent")
for name in ("SECRET_KEY", "EMAIL_URL", "STORAGE_BACKEND", "TASK_BACKEND", "CACHE_URL"):
    os.environ.pop(name, None)
# Playwright's sync API keeps an event loop on the main thread; Django's ORM must still be usable
# from the test body around it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
