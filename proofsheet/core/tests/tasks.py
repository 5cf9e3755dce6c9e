"""Tasks used by the worker tests (importable by the worker processes they start)."""

import os
import signal
import time
from pathlib import Path

from django.tasks import task

from proofsheet.core.tasks import retrying_task


@task()
def slow_marker(path: str, seconds: float) -> None:
    """Note the start, take a while, then append one line: a rerun shows as a second line."""
    Path(path + ".started").write_text("started")
    time.sleep(seconds)
    with open(path, "a") as fh:
        fh.write("done\n")


def _note_given_up(path: str) -> None:
    Path(path).write_text("given up")


@retrying_task(max_attempts=5, backoff_seconds=1, on_give_up=_note_given_up)
def poison(path: str, *, attempt: int = 1) -> None:
    """Kill the worker running it, every time (an input that crashes the decoder, say)."""
    os.kill(os.getpid(), signal.SIGKILL)
