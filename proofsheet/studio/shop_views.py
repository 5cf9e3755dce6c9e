"""The studio's discount codes and shipping methods and rates. Thin over `cart.discounts` and
`fulfillment.shipping`."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from proofsheet.cart import discounts
from proofsheet.cart.models import Discount, DiscountKind
from proofsheet.core.errors import DomainError
from proofsheet.core.money import format_amount
from proofsheet.fulfillment import shipping
from proofsheet.fulfillment.models import ShippingMethod
from proofsheet.studio.common import photographer_required
from proofsheet.studio.shop_forms import DiscountForm, ShippingMethodForm, ShippingRateForm


def _found(obj, what: str):
    if obj is None:
        raise Http404(f"No such {what}")
    return obj


# --- discount codes ------------------------------------------------------------------------------


def discount_value_label(discount: Discount) -> str:
    if discount.kind == DiscountKind.PERCENT:
        return f"{discount.value.normalize():f} %"
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
    if request.method == "POST" and form.is_valid():
        try:
            if discount is None:
                discount = discounts.discount_create(owner=request.user, **form.service_fields())
                messages.success(request, f"Created the code {discount.code}.")
            else:
                discounts.discount_update(discount=discount, **form.service_fields())
                messages.success(request, f"Saved the code {discount.code}.")
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
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
    return _discount_page(
        request, _found(discounts.discount_get_owned(request.user, discount_id), "code")
    )


@require_POST
@photographer_required
def discount_toggle(request, discount_id):
    discount = _found(discounts.discount_get_owned(request.user, discount_id), "code")
    try:
        if discount.active:
            discounts.discount_disable(discount=discount)
            messages.success(request, f"Disabled {discount.code}: clients can no longer use it.")
        else:
            discounts.discount_enable(discount=discount)
            messages.success(request, f"Enabled {discount.code}.")
    except DomainError as exc:  # a rule tightened since the code was saved
        messages.error(request, f"{discount.code} needs fixing first: {exc.message}")
    return redirect("studio:discounts")


@require_POST
@photographer_required
def discount_delete(request, discount_id):
    discount = _found(discounts.discount_get_owned(request.user, discount_id), "code")
    try:
        discounts.discount_delete(discount=discount)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Deleted the code {discount.code}.")
    return redirect("studio:discounts")


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


def _to_method(method: ShippingMethod, anchor: str = "rates"):
    response = redirect("studio:shipping_method", method_id=method.public_id)
    response["Location"] += f"#{anchor}"
    return response


@photographer_required
def shipping_list(request):
    form = ShippingMethodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            method = shipping.shipping_method_create(owner=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Added “{method.name}”. Now give it its rates.")
            return _to_method(method, "new-rate")
    methods = [
        {"method": m, "rates": _method_rows(m)}
        for m in shipping.shipping_methods_owned_by(request.user)
    ]
    return render(request, "studio/shop/shipping.html", {"methods": methods, "form": form})


def _method_page(request, method, form, rate_form):
    return render(
        request,
        "studio/shop/shipping_method.html",
        {"method": method, "form": form, "rate_form": rate_form, "rates": _method_rows(method)},
    )


@photographer_required
def shipping_method_edit(request, method_id):
    method = _found(shipping.shipping_method_get_owned(request.user, method_id), "method")
    form = ShippingMethodForm(
        request.POST or None,
        initial={
            "name": method.name,
            "kind": method.kind,
            "currency": method.currency,
            "active": method.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            shipping.shipping_method_update(method=method, **form.cleaned_data)
        except DomainError as exc:
            method.refresh_from_db()
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Saved “{method.name}”.")
            return redirect("studio:shipping")
    return _method_page(request, method, form, ShippingRateForm(prefix="rate"))


@require_POST
@photographer_required
def shipping_method_delete(request, method_id):
    method = _found(shipping.shipping_method_get_owned(request.user, method_id), "method")
    shipping.shipping_method_delete(method=method)
    messages.success(request, f"Deleted “{method.name}” and its rates.")
    return redirect("studio:shipping")


@require_POST
@photographer_required
def shipping_rate_create(request, method_id):
    method = _found(shipping.shipping_method_get_owned(request.user, method_id), "method")
    rate_form = ShippingRateForm(request.POST, prefix="rate")
    if rate_form.is_valid():
        try:
            rate = shipping.shipping_rate_create(method=method, **rate_form.cleaned_data)
        except DomainError as exc:
            rate_form.add_service_errors(exc)
        else:
            where = ", ".join(rate.countries) or "everywhere else"
            messages.success(request, f"Added the rate for {where}.")
            return _to_method(method)
    form = ShippingMethodForm(
        initial={
            "name": method.name,
            "kind": method.kind,
            "currency": method.currency,
            "active": method.active,
        }
    )
    return _method_page(request, method, form, rate_form)


@photographer_required
def shipping_rate_edit(request, rate_id):
    rate = _found(shipping.shipping_rate_get_owned(request.user, rate_id), "rate")
    form = ShippingRateForm(request.POST or None, initial=ShippingRateForm.initial_for(rate))
    if request.method == "POST" and form.is_valid():
        try:
            shipping.shipping_rate_update(rate=rate, **form.cleaned_data)
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Rate saved.")
            return _to_method(rate.method)
    return render(
        request,
        "studio/shop/shipping_rate_form.html",
        {"rate": rate, "method": rate.method, "form": form},
    )


@require_POST
@photographer_required
def shipping_rate_delete(request, rate_id):
    rate = _found(shipping.shipping_rate_get_owned(request.user, rate_id), "rate")
    shipping.shipping_rate_delete(rate=rate)
    messages.success(
        request, f"Deleted the rate for {', '.join(rate.countries) or 'everywhere else'}."
    )
    return _to_method(rate.method)
