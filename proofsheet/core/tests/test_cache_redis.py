"""CACHE_URL=redis://… gives every process one shared cache (rate limits, sessions at scale)."""

import os
import subprocess
import uuid

from tests.support import BIN, ROOT, require_service, subprocess_env

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def in_a_process(code: str) -> str:
    script = f"import django; django.setup(); from django.core.cache import cache; {code}"
    result = subprocess.run(
        [str(BIN / "python"), "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="config.settings", CACHE_URL=REDIS_URL),
    )
    return result.stdout.strip()


def test_two_processes_share_the_redis_cache():
    require_service(REDIS_URL, "Redis")
    key = f"proofsheet-test-{uuid.uuid4().hex}"

    in_a_process(f"cache.set({key!r}, 'seen by another process', 60)")

    assert in_a_process(f"print(cache.get({key!r}))") == "seen by another process"
    in_a_process(f"cache.delete({key!r})")
