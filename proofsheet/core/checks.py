"""System checks: a misconfigured backend is reported at start-up, not at first use."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.module_loading import import_string


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs):
    """Production needs a real secret, no debug and a non-default admin path."""
    errors = []
    if settings.PRODUCTION and settings.ADMIN_PATH == "admin/":
        errors.append(Error("ADMIN_PATH is the default 'admin/'", id="proofsheet.E001"))
    return errors


@register()
def check_backends(app_configs, **kwargs):
    """Every pluggable backend named in settings must import."""
    errors = []
    breached = settings.BREACHED_PASSWORDS["BACKEND"]
    if breached != "none":
        try:
            import_string(breached)
        except ImportError as exc:
            errors.append(
                Error(
                    f"BREACHED_PASSWORD_BACKEND {breached!r} cannot be imported: {exc}",
                    id="proofsheet.E002",
                )
            )
    return errors


@register()
def check_housekeeping(app_configs, **kwargs):
    """Every HOUSEKEEPING_JOBS entry must import and be callable; the interval is not negative."""
    errors = []
    if settings.HOUSEKEEPING_INTERVAL_SECONDS < 0:
        errors.append(
            Error(
                "HOUSEKEEPING_INTERVAL_SECONDS must be 0 (off) or a number of seconds",
                id="proofsheet.E003",
            )
        )
    for path in settings.HOUSEKEEPING_JOBS:
        try:
            job = import_string(path)
        except ImportError as exc:
            errors.append(
                Error(
                    f"HOUSEKEEPING_JOBS entry {path!r} cannot be imported: {exc}",
                    id="proofsheet.E004",
                )
            )
            continue
        if not callable(job):
            errors.append(
                Error(f"HOUSEKEEPING_JOBS entry {path!r} is not callable", id="proofsheet.E004")
            )
    return errors
