"""Tasks used by the worker tests (importable by the worker processes they start)."""

import time
from pathlib import Path

from django.tasks import task


@task()
def slow_marker(path: str, seconds: float) -> None:
    """Note the start, take a while, then append one line: a rerun shows as a second line."""
    Path(path + ".started").write_text("started")
    time.sleep(seconds)
    with open(path, "a") as fh:
        fh.write("done\n")
