"""The seller's store in the studio: discount codes, shipping methods and rates, store settings and
tax rules. Thin over `cart.discounts`, `fulfillment.shipping` and `catalog.store`; a rule's
refusal shows beside the form (`save_form`) or on the page a button leads back to
(`run_action`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from proofsheet.cart import discounts
from proofsheet.cart.models import Discount, DiscountKind
from proofsheet.catalog import selectors as catalog_selectors
from proofsheet.catalog import store
from proofsheet.core.money import format_amount, number_text
from proofsheet.fulfillment import shipping
from proofsheet.fulfillment.models import ShippingMethod
from proofsheet.payments import services as payment_services
from proofsheet.payments.selectors import card_provider_name, client_payment_mode
from proofsheet.studio.common import found, photographer_required, run_action, save_form
from proofsheet.studio.store_forms import (
    DiscountForm,
    ShippingMethodForm,
    ShippingRateForm,
    StoreForm,
    TaxRuleForm,
)

# --- discount codes ------------------------------------------------------------------------------


def discount_value_label(discount: Discount) -> str:
    if discount.kind == DiscountKind.PERCENT:
        return f"{number_text(discount.value)} %"
    if discount.kind == DiscountKind.FIXED:
        return format_amount(discount.value, discount.currency)
    return "Free shipping"


def discount_state(discount: Discount, now=None) -> str:
    """What a client trying the code now would meet: active, disabled, scheduled, expired…"""
    now = now or timezone.now()
    if not discount.active:
        return "Disabled"
    if discount.starts_at and now < discount.starts_at:
        return "Scheduled"
    if discount.ends_at and now >= discount.ends_at:
        return "Expired"
    if discount.max_uses is not None and discount.uses >= discount.max_uses:
        return "Used up"
    return "Active"


def _discount_row(discount: Discount, now) -> dict:
    scope = []
    if discount.gallery_id:
        scope.append(discount.gallery.title)
    kinds = {"print": "prints", "digital": "downloads"}
    if discount.product_kinds:
        scope.append(" and ".join(kinds.get(k, k) for k in discount.product_kinds))
    return {
        "discount": discount,
        "value": discount_value_label(discount),
        "min_order": (
            format_amount(discount.min_order, discount.currency) if discount.min_order else ""
        ),
        "scope": ", ".join(scope) or "Everything",
        "uses_left": discounts.discount_uses_left(discount),
        "state": discount_state(discount, now),
    }


def _discount(request, discount_id) -> Discount:
    return found(discounts.discount_get_owned(request.user, discount_id), "code")


@photographer_required
def discount_list(request):
    now = timezone.now()
    rows = [_discount_row(d, now) for d in discounts.discounts_owned_by(request.user)]
    return render(request, "studio/shop/discounts.html", {"rows": rows})


def _discount_page(request, discount: Discount | None):
    form = DiscountForm(
        request.POST or None,
        galleries=discounts.discount_gallery_choices(request.user),
        initial=DiscountForm.initial_for(discount) if discount else None,
    )

    def save(data) -> Discount:
        if discount is None:
            return discounts.discount_create(owner=request.user, **data)
        return discounts.discount_update(discount=discount, **data)

    saved = save_form(form, save)
    if saved:
        verb = "Created" if discount is None else "Saved"
        messages.success(request, f"{verb} the code {saved.code}.")
        return redirect("studio:discounts")
    return render(
        request,
        "studio/shop/discount_form.html",
        {
            "form": form,
            "discount": discount,
            "row": _discount_row(discount, timezone.now()) if discount else None,
        },
    )


@photographer_required
def discount_create(request):
    return _discount_page(request, None)


@photographer_required
def discount_edit(request, discount_id):
    return _discount_page(request, _discount(request, discount_id))


@require_POST
@photographer_required
def discount_toggle(request, discount_id):
    discount = _discount(request, discount_id)

    def toggle() -> str:
        if discount.active:
            discounts.discount_disable(discount=discount)
            return f"Disabled {discount.code}: clients can no longer use it."
        discounts.discount_enable(discount=discount)
        return f"Enabled {discount.code}."

    # Enabling can meet a rule tightened since the code was saved.
    refused = f"{discount.code} needs fixing first: "
    return run_action(request, toggle, back_to=reverse("studio:discounts"), refused=refused)


@require_POST
@photographer_required
def discount_delete(request, discount_id):
    discount = _discount(request, discount_id)

    def delete() -> str:
        discounts.discount_delete(discount=discount)
        return f"Deleted the code {discount.code}."

    return run_action(request, delete, back_to=reverse("studio:discounts"))


# --- shipping ------------------------------------------------------------------------------------


def _method_rows(method: ShippingMethod) -> list[dict]:
    currency = method.currency
    return [
        {
            "rate": rate,
            "where": ", ".join(rate.countries) or "Everywhere else",
            "first_item": format_amount(rate.first_item, currency),
            "additional_item": format_amount(rate.additional_item, currency),
            "per_kg": format_amount(rate.per_kg, currency),
        }
        for rate in sorted(method.rates.all(), key=lambda r: (not r.countries, r.created_at))
    ]


def _method_url(method: ShippingMethod, anchor: str = "rates") -> str:
    url = reverse("studio:shipping_method", kwargs={"method_id": method.public_id})
    return f"{url}#{anchor}"


def _method(request, method_id) -> ShippingMethod:
    return found(shipping.shipping_method_get_owned(request.user, method_id), "method")


@photographer_required
def shipping_list(request):
    form = ShippingMethodForm(request.POST or None)
    method = save_form(
        form, lambda data: shipping.shipping_method_create(owner=request.user, **data)
    )
    if method:
        messages.success(request, f"Added “{method.name}”. Now give it its rates.")
        return redirect(_method_url(method, "new-rate"))
    methods = [
        {"method": m, "rates": _method_rows(m)}
        for m in shipping.shipping_methods_owned_by(request.user)
    ]
    return render(request, "studio/shop/shipping.html", {"methods": methods, "form": form})


def _method_page(request, method, *, form=None, rate_form=None):
    """The method's page: its form, its rates and the form that adds one."""
    form = form or ShippingMethodForm(initial=ShippingMethodForm.initial_for(method))
    rate_form = rate_form or ShippingRateForm(prefix="rate")
    return render(
        request,
        "studio/shop/shipping_method.html",
        {"method": method, "form": form, "rate_form": rate_form, "rates": _method_rows(method)},
    )


@photographer_required
def shipping_method_edit(request, method_id):
    method = _method(request, method_id)
    form = ShippingMethodForm(request.POST or None, initial=ShippingMethodForm.initial_for(method))

    def update(data) -> ShippingMethod:
        return shipping.shipping_method_update(method=method, **data)

    if save_form(form, update, reload=method):
        messages.success(request, f"Saved “{method.name}”.")
        return redirect("studio:shipping")
    return _method_page(request, method, form=form)


@require_POST
@photographer_required
def shipping_method_delete(request, method_id):
    method = _method(request, method_id)
    shipping.shipping_method_delete(method=method)
    messages.success(request, f"Deleted “{method.name}” and its rates.")
    return redirect("studio:shipping")


@require_POST
@photographer_required
def shipping_rate_create(request, method_id):
    method = _method(request, method_id)
    rate_form = ShippingRateForm(request.POST, prefix="rate")
    rate = save_form(rate_form, lambda data: shipping.shipping_rate_create(method=method, **data))
    if rate:
        messages.success(request, f"Added the rate for {_where(rate)}.")
        return redirect(_method_url(method))
    return _method_page(request, method, rate_form=rate_form)


def _where(rate) -> str:
    return ", ".join(rate.countries) or "everywhere else"


@photographer_required
def shipping_rate_edit(request, rate_id):
    rate = found(shipping.shipping_rate_get_owned(request.user, rate_id), "rate")
    form = ShippingRateForm(request.POST or None, initial=ShippingRateForm.initial_for(rate))
    if save_form(form, lambda data: shipping.shipping_rate_update(rate=rate, **data)):
        messages.success(request, "Rate saved.")
        return redirect(_method_url(rate.method))
    return render(
        request,
        "studio/shop/shipping_rate_form.html",
        {"rate": rate, "method": rate.method, "form": form},
    )


@require_POST
@photographer_required
def shipping_rate_delete(request, rate_id):
    rate = found(shipping.shipping_rate_get_owned(request.user, rate_id), "rate")
    shipping.shipping_rate_delete(rate=rate)
    messages.success(request, f"Deleted the rate for {_where(rate)}.")
    return redirect(_method_url(rate.method))


# --- store settings and tax rules ----------------------------------------------------------------


def _store_page(request, *, form=None, rule_form=None):
    """The store page: the settings' form, the tax rules and the form that adds one."""
    if form is None:
        current = catalog_selectors.store_settings_for(request.user)
        form = StoreForm(initial=StoreForm.initial_for(current))
    return render(
        request,
        "studio/catalog/store.html",
        {
            "form": form,
            "rules": catalog_selectors.tax_rules_of(request.user),
            "rule_form": rule_form or TaxRuleForm(prefix="rule"),
            "cards_set_up": bool(card_provider_name()),
            "client_payment_now": {
                "offline": "bank transfer or later only",
                "card": "card only",
                "both": "card, or bank transfer or later",
            }[client_payment_mode(request.user)],
        },
    )


@photographer_required
def store_settings(request):
    current = catalog_selectors.store_settings_for(request.user)
    form = StoreForm(request.POST or None, initial=StoreForm.initial_for(current))
    if save_form(
        form, lambda data: payment_services.store_settings_update(owner=request.user, **data)
    ):
        messages.success(request, "Store settings saved.")
        return redirect("studio:store")
    return _store_page(request, form=form)


@require_POST
@photographer_required
def tax_rule_create(request):
    rule_form = TaxRuleForm(request.POST, prefix="rule")
    rule = save_form(rule_form, lambda data: store.tax_rule_create(owner=request.user, **data))
    if rule:
        messages.success(request, f"Added the tax rule for {rule}.")
        return redirect(reverse("studio:store") + "#tax")
    return _store_page(request, rule_form=rule_form)


def _rule(request, rule_id):
    return found(catalog_selectors.tax_rule_get_owned(request.user, rule_id), "tax rule")


@photographer_required
def tax_rule_edit(request, rule_id):
    rule = _rule(request, rule_id)
    form = TaxRuleForm(request.POST or None, initial=TaxRuleForm.initial_for(rule))
    if save_form(form, lambda data: store.tax_rule_update(rule=rule, **data), reload=rule):
        messages.success(request, f"Saved the tax rule for {rule}.")
        return redirect(reverse("studio:store") + "#tax")
    return render(request, "studio/catalog/tax_rule_form.html", {"rule": rule, "form": form})


@require_POST
@photographer_required
def tax_rule_delete(request, rule_id):
    rule = _rule(request, rule_id)
    store.tax_rule_delete(rule=rule)
    messages.success(request, f"Deleted the tax rule for {rule}.")
    return redirect(reverse("studio:store") + "#tax")
