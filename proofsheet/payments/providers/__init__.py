"""Payment providers chosen by the PAYMENT_PROVIDERS setting, built on first use."""

from __future__ import annotations

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from proofsheet.core.errors import Conflict
from proofsheet.payments.providers.base import PaymentProvider

_built: dict[str, PaymentProvider] = {}


class PaymentUnsupported(Conflict):
    """The order's payment provider cannot do what was asked."""

    code = "payment_unsupported"


class UnknownProvider(PaymentUnsupported):
    """No provider of that name is configured (an order placed through one removed since)."""


def build(config: dict) -> PaymentProvider:
    """Instantiate one provider from its {"BACKEND": …, "OPTIONS": …} entry (may raise)."""
    backend = import_string(config["BACKEND"])
    if not (isinstance(backend, type) and issubclass(backend, PaymentProvider)):
        raise TypeError(f"{config['BACKEND']} is not a PaymentProvider")
    return backend(**(config.get("OPTIONS") or {}))


def get_provider(name: str) -> PaymentProvider:
    """The configured provider called `name`."""
    provider = _built.get(name)
    if provider is None:
        config = settings.PAYMENT_PROVIDERS.get(name)
        if config is None:
            raise UnknownProvider(f"No payment provider called {name!r} is configured any more.")
        provider = _built[name] = build(config)
    return provider


def providers_forget() -> None:
    """Build providers afresh on next use (new settings; a forked process's own connections)."""
    _built.clear()


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "PAYMENT_PROVIDERS":
        providers_forget()


setting_changed.connect(_reset)
