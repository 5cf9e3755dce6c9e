"""System check: every configured payment provider must import and accept its options, and
PAYMENT_PROVIDER must name one of them."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register


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
    if getattr(settings, "MARKETPLACE", False) and chosen in providers:
        backend = str(providers[chosen].get("BACKEND", ""))
        if not backend.endswith("StripeProvider"):
            errors.append(
                Error(
                    "MARKETPLACE is on but new orders are not paid through Stripe "
                    f"(PAYMENT_PROVIDER is {chosen!r}): photographers could not connect an "
                    "account, so set STRIPE_SECRET_KEY (and its companions) or turn "
                    "MARKETPLACE off",
                    id="payments.E006",
                )
            )
        elif not (providers[chosen].get("OPTIONS") or {}).get("connect_webhook_secret"):
            errors.append(
                Warning(
                    "MARKETPLACE is on but STRIPE_CONNECT_WEBHOOK_SECRET is empty: "
                    "photographers' account changes arrive only when they come back from "
                    "Stripe's onboarding (register a Connect webhook endpoint)",
                    id="payments.W007",
                )
            )
    return errors
