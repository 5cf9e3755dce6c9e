"""Task helpers: background work through Django's Tasks API with an explicit retry policy.

Django's Tasks API records a task that raises as FAILED but does not retry it. `retrying_task`
adds the policy: on an exception it enqueues the next attempt (with exponential back-off) before
the failure is recorded, until `max_attempts` is reached. Every such task must be idempotent: a
retried or re-delivered run must not repeat a side effect (DESIGN.md, rule 5).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

ATTEMPT_KWARG = "attempt"


def retry_delay(attempt: int, base_seconds: float) -> timedelta:
    """Return the back-off before attempt `attempt + 1`: base, 2×base, 4×base … capped at 1 h."""
    return timedelta(seconds=min(base_seconds * 2 ** (attempt - 1), 3600))


# What to do when a task is abandoned for good, by task path (see `task_given_up`).
GIVE_UP_HANDLERS: dict[str, Callable[..., None]] = {}


def retrying_task(
    *,
    max_attempts: int = 5,
    backoff_seconds: float = 10.0,
    on_give_up: Callable[..., None] | None = None,
    **task_options: Any,
) -> Callable:
    """Declare a task that is retried on any exception, up to `max_attempts` runs in all.

    The wrapped function receives `attempt` (1 for the first run) as a keyword argument.
    `on_give_up(*args, **kwargs)` runs once when the task is abandoned: its last attempt raised,
    or the workers running it kept dying (core.worker gives up after a few lost runs).
    """

    def decorate(func: Callable) -> Any:
        @functools.wraps(func)
        def run(*args: Any, attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return func(*args, attempt=attempt, **kwargs)
            except Exception:
                if attempt < max_attempts:
                    delay = retry_delay(attempt, backoff_seconds)
                    logger.warning(
                        "task %s failed on attempt %d of %d; retrying in %s",
                        func.__qualname__,
                        attempt,
                        max_attempts,
                        delay,
                    )
                    following = declared
                    if declared.get_backend().supports_defer:
                        following = declared.using(run_after=timezone.now() + delay)
                    following.enqueue(*args, attempt=attempt + 1, **kwargs)
                else:
                    logger.error(
                        "task %s failed for good after %d attempts", func.__qualname__, attempt
                    )
                    if on_give_up is not None:
                        on_give_up(*args, **kwargs)
                raise

        declared = task(**task_options)(run)
        if on_give_up is not None:
            GIVE_UP_HANDLERS[declared.module_path] = on_give_up
        return declared

    return decorate


def enqueue_on_commit(declared_task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue a task once the current transaction commits (never for work that rolled back)."""
    transaction.on_commit(lambda: declared_task.enqueue(*args, **kwargs))


def task_given_up(task_path: str, args: list, kwargs: dict) -> None:
    """Run the give-up handler of an abandoned task, if it declared one."""
    try:
        import_string(task_path)  # importing the task's module registers its handler
    except ImportError:
        logger.error("abandoned task %s cannot be imported", task_path)
        return
    handler = GIVE_UP_HANDLERS.get(task_path)
    if handler is not None:
        handler(*args, **{k: v for k, v in kwargs.items() if k != ATTEMPT_KWARG})
