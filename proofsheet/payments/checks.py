"""System check: every configured payment provider must import and accept its options, and
PAYMENT_PROVIDER must name one of them."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_payment_providers(app_configs, **kwargs):
    from proofsheet.payments.providers import build

    errors = []
    providers = getattr(settings, "PAYMENT_PROVIDERS", None)
    if not isinstance(providers, dict) or not providers:
        return [Error("PAYMENT_PROVIDERS must name at least one provider", id="payments.E001")]
    for name, config in providers.items():
        if not isinstance(config, dict) or "BACKEND" not in config:
            errors.append(Error(f"PAYMENT_PROVIDERS[{name!r}] needs a BACKEND", id="payments.E002"))
            continue
        unknown = set(config) - {"BACKEND", "OPTIONS"}
        if unknown:
            errors.append(
                Error(
                    f"PAYMENT_PROVIDERS[{name!r}] has unknown key(s) {', '.join(sorted(unknown))}",
                    id="payments.E003",
                )
            )
        try:
            build(config)
        except Exception as exc:  # any failure to import or build is reported, not raised
            errors.append(
                Error(
                    f"PAYMENT_PROVIDERS[{name!r}] cannot be built: {exc}",
                    id="payments.E004",
                )
            )
    chosen = getattr(settings, "PAYMENT_PROVIDER", None)
    if chosen not in providers:
        errors.append(
            Error(
                f"PAYMENT_PROVIDER is {chosen!r}, which is not a key of PAYMENT_PROVIDERS "
                f"({', '.join(sorted(map(str, providers)))})",
                id="payments.E005",
            )
        )
    return errors
