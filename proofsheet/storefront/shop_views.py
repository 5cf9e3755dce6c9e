"""The client's buying flow: the price quote and "Add to cart" of a photo, the cart, the checkout
and its confirmation.

Interfaces only: cart writes are `cart.services`, prices `cart.pricing` / `catalog.selectors`,
the order and its payment's first step `cart.checkout.checkout_place`. Nothing here
reads a price, total or currency from the request (R30).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from proofsheet.cart import selectors as cart_selectors
from proofsheet.cart import services as cart_services
from proofsheet.cart.checkout import (
    ADDRESS_FIELDS,
    CheckoutError,
    address_book_save,
    checkout_place,
)
from proofsheet.cart.pricing import PricingError
from proofsheet.cart.services import CartError, a_group
from proofsheet.cart.session import request_cart
from proofsheet.catalog.models import ProductKind
from proofsheet.catalog.selectors import option_groups
from proofsheet.fulfillment.shipping import shipping_methods_for_sale
from proofsheet.galleries.selectors import as_public_id
from proofsheet.orders import selectors as order_selectors
from proofsheet.orders.models import Order
from proofsheet.orders.services import order_access_token
from proofsheet.payments.selectors import payment_next_step
from proofsheet.storefront import shop
from proofsheet.storefront.common import gallery_view, photo_or_404
from proofsheet.storefront.gallery_views import gallery_page, photo_page
from proofsheet.storefront.shop import BuyInvalid, chosen_options, money

PLACED = "proofsheet.shop.placed"  # public ids of the orders this browser placed
COUNTRIES = (
    ("AT", "Austria"), ("AU", "Australia"), ("BE", "Belgium"), ("BR", "Brazil"),
    ("CA", "Canada"), ("CH", "Switzerland"), ("CZ", "Czechia"), ("DE", "Germany"),
    ("DK", "Denmark"), ("ES", "Spain"), ("FI", "Finland"), ("FR", "France"),
    ("GB", "United Kingdom"), ("GR", "Greece"), ("HU", "Hungary"), ("IE", "Ireland"),
    ("IN", "India"), ("IS", "Iceland"), ("IT", "Italy"), ("JP", "Japan"), ("KR", "South Korea"),
    ("LU", "Luxembourg"), ("MX", "Mexico"), ("NL", "Netherlands"), ("NO", "Norway"),
    ("NZ", "New Zealand"), ("PL", "Poland"), ("PT", "Portugal"), ("SE", "Sweden"),
    ("SG", "Singapore"), ("US", "United States"), ("ZA", "South Africa"),
)  # fmt: skip


# --- the photo's buy panel ---------------------------------------------------------------


@require_GET
@gallery_view
def price_quote(request, gallery, access, photo_id):
    """The chosen product's price for this photo (the buy panel's live price, an htmx fragment)."""
    found = photo_or_404(gallery, photo_id)
    panel = shop.buy_panel(found, request.GET) if access.can_interact else None
    if panel is None:
        raise Http404
    return render(request, "storefront/_buy_price.html", {"buy": panel})


@require_POST
@gallery_view
def cart_add(request, gallery, access, photo_id):
    """Add the chosen product of this photo to the cart (a plain form POST; no JS needed)."""
    found = photo_or_404(gallery, photo_id)
    if not access.can_interact:
        panel = None
        messages.error(request, "Ask your photographer for the client code to buy photos.")
        return photo_page(request, gallery, access, found, buy=panel, status=403)
    panel = shop.buy_panel(found, request.POST)
    if panel is None:
        raise Http404
    try:
        if panel.error:
            raise BuyInvalid(panel.error)
        shop.quantity_parse(request.POST.get("quantity", ""))  # required here, not defaulted
        if panel.chosen is None or str(panel.chosen.product.public_id) != request.POST.get(
            "product", ""
        ):
            raise BuyInvalid("Choose a print or a download.")
        cart_services.cart_line_add(
            cart=request_cart(request),
            access=access,
            photo=found,
            product=panel.chosen.product,
            options=chosen_options(panel.chosen),
            quantity=panel.quantity,
        )
    except (BuyInvalid, CartError) as error:
        panel.error = str(error)
        return photo_page(request, gallery, access, found, buy=panel, status=400)
    messages.success(request, f"{panel.chosen.product.name} added to your cart.")
    return redirect(reverse("storefront:photo", args=[gallery.public_id, found.public_id]))


# --- the whole gallery ----------------------------------------------------------------------


@require_POST
@gallery_view
def cart_package_add(request, gallery, access):
    """Add a whole-gallery package of this gallery to the cart (a plain form POST)."""
    if not access.can_interact:
        error = "Ask your photographer for the client code to buy from this gallery."
        return gallery_page(request, gallery, access, package_error=error, status=403)
    packages = shop.gallery_packages(gallery)
    offer = packages.whole_gallery_get(request.POST.get("package", "")) if packages else None
    if offer is None:
        error = "This package is not sold in this gallery."
        return gallery_page(request, gallery, access, package_error=error, status=404)
    try:
        cart_services.cart_package_add(
            cart=request_cart(request), access=access, package=offer.package
        )
    except CartError as error:
        return gallery_page(request, gallery, access, package_error=str(error), status=400)
    messages.success(request, f"{offer.package.name} added to your cart.")
    return redirect("storefront:cart")


# --- the cart ----------------------------------------------------------------------------


def _option_groups(line) -> list[dict]:
    """A line's product's option groups, each with the line's current choice (None: nothing;
    `missing` when the group is required, so the line cannot be checked out as it is)."""
    if line.package_id:
        return []
    chosen = {o.pk for o in line.options.all()}
    groups = []
    for group in option_groups(line.product):
        picked = next((o.pk for o in group.options if o.pk in chosen), None)
        groups.append(
            {
                "name": group.name,
                "options": group.options,
                "chosen": picked,
                "optional": group.optional,
                "missing": picked is None and not group.optional,
                "ask": a_group(group.name),
            }
        )
    return groups


def _line_rows(lines, pricing, *, with_options: bool = False) -> list[dict]:
    priced = {line.key: line for line in pricing.lines} if pricing else {}
    return [
        {
            "line": line,
            "priced": priced.get(line.pk),
            "groups": _option_groups(line) if with_options else [],
        }
        for line in lines
    ]


def _cart_context(cart) -> dict:
    if cart is None:
        return {"cart": None, "rows": [], "saved": [], "pricing": None}
    lines = cart_selectors.cart_line_list(cart=cart)
    pricing = cart_selectors.cart_pricing(cart=cart) if lines else None
    return {
        "cart": cart,
        "rows": _line_rows(lines, pricing, with_options=True),
        "saved": cart_selectors.cart_line_list(cart=cart, saved_for_later=True),
        "pricing": pricing,
        "items_total": pricing.subtotal + pricing.package_savings if pricing else None,
        "currency": cart.currency,
        "max_quantity": shop.MAX_QUANTITY,
    }


def cart(request):
    """The cart: lines, saved-for-later, package deals, the code, the totals."""
    context = _cart_context(request_cart(request, create=False))
    response = render(request, "storefront/cart.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _cart_or_back(request):
    found = request_cart(request, create=False)
    if found is None:
        messages.error(request, "Your cart is empty.")
    return found


@require_POST
def cart_line(request, line_id):
    """Change one line: quantity, remove, save for later, move back to the cart."""
    current = _cart_or_back(request)
    if current is None:
        return redirect("storefront:cart")
    line = cart_selectors.cart_line_get(cart=current, public_id=line_id)
    if line is None:
        messages.error(request, "That item is no longer in your cart.")
        return redirect("storefront:cart")
    action = request.POST.get("action", "update")
    try:
        if action == "remove":
            cart_services.cart_line_remove(cart=current, line=line)
            messages.success(request, "Removed from your cart.")
        elif action == "save":
            cart_services.cart_line_save_for_later(cart=current, line=line)
            messages.success(request, "Saved for later.")
        elif action == "move":
            cart_services.cart_line_move_to_cart(cart=current, line=line)
            messages.success(request, "Moved back to your cart.")
        elif action == "options":
            wanted = {as_public_id(value) for value in request.POST.getlist("options")}
            options = [o for o in line.product.options.all() if o.public_id in wanted]
            cart_services.cart_line_update(cart=current, line=line, options=options)
            messages.success(request, "Options changed.")
        else:
            quantity = shop.quantity_parse(request.POST.get("quantity", ""))
            cart_services.cart_line_update(cart=current, line=line, quantity=quantity)
            messages.success(request, "Quantity updated.")
    except (BuyInvalid, CartError) as error:
        messages.error(request, str(error))
    return redirect("storefront:cart")


@require_POST
def cart_code(request):
    """Apply or remove the discount code."""
    current = _cart_or_back(request)
    if current is None:
        return redirect("storefront:cart")
    if request.POST.get("action") == "remove":
        cart_services.discount_remove(cart=current)
        messages.success(request, "Code removed.")
        return redirect("storefront:cart")
    email = request.user.email if request.user.is_authenticated else ""
    try:
        discount = cart_services.discount_apply(
            cart=current, code=request.POST.get("code", ""), email=email
        )
    except CartError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Code {discount.code} applied.")
    return redirect("storefront:cart")


# --- checkout ----------------------------------------------------------------------------


def _methods(cart) -> list:
    """The seller's shipping methods this cart can use."""
    if cart.seller_id is None:
        return []
    return list(shipping_methods_for_sale(cart.seller, cart.currency))


def _address_from(data, prefix: str = "") -> dict:
    return {key: data.get(f"{prefix}{key}", "").strip()[:200] for key in ADDRESS_FIELDS}


def _form_state(request, cart, lines) -> dict:
    """What the visitor typed (or sensible first values), for the form and for placing."""
    data = request.POST if request.method == "POST" else {}
    user = request.user
    saved = order_selectors.addresses_of(user)
    email = data.get("email", "").strip() if data else ""
    if not email and user.is_authenticated:
        email = user.email
    typed = _address_from(data) if data else {key: "" for key in ADDRESS_FIELDS}
    address = typed  # the one used: what was typed, or a saved address picked instead
    chosen_saved = data.get("saved_address", "") if data else ""
    if not data and saved:
        chosen_saved = str(saved[0].public_id)
    if chosen_saved and chosen_saved != "new":
        found = next((a for a in saved if str(a.public_id) == chosen_saved), None)
        if found is not None:
            address = {key: getattr(found, key) for key in ADDRESS_FIELDS}
        else:
            chosen_saved = "new"
    line_addresses = {}
    elsewhere = set()
    for line in lines:
        if line.product.kind != ProductKind.PRINT:
            continue
        prefix = f"line-{line.public_id}-"
        if data and data.get(prefix + "elsewhere"):
            elsewhere.add(line.public_id)
            line_addresses[str(line.public_id)] = _address_from(data, prefix)
    return {
        "email": email,
        "address": address,
        "typed": typed,
        "saved_addresses": saved,
        "saved_address": chosen_saved,
        "save_address": bool(data.get("save_address")) if data else False,
        "elsewhere": elsewhere,
        "line_addresses": line_addresses,
        "method_id": data.get("shipping_method", "") if data else "",
        "idempotency_key": (data.get("idempotency_key", "") if data else "")[:64]
        or uuid.uuid4().hex,
    }


def _priced_methods(cart, methods, address, line_addresses) -> list[dict]:
    """Each method with what it costs for the address given (None: it does not ship there)."""
    rows = []
    for method in methods:
        cost = None
        if address.get("country"):
            try:
                pricing = cart_selectors.cart_pricing(
                    cart=cart,
                    shipping_method=method,
                    address=address,
                    line_addresses=line_addresses,
                )
                cost = money(pricing.shipping_total, cart.currency)
            except PricingError:
                cost = None
        rows.append({"method": method, "cost": cost})
    return rows


def checkout(request):
    """The checkout form (GET), a review of the totals or the placed order (POST)."""
    current = request_cart(request, create=False)
    lines = cart_selectors.cart_line_list(cart=current) if current else []
    placing = request.method == "POST" and request.POST.get("action") == "place"
    if not lines:
        if placing and current is not None and request.POST.get("idempotency_key"):
            # A double click: the first request emptied the cart; show the order it placed.
            try:
                order = checkout_place(
                    cart=current,
                    email=request.POST.get("email", ""),
                    idempotency_key=request.POST["idempotency_key"],
                )
            except CheckoutError:
                pass
            else:
                return _placed(request, order)
        messages.info(request, "Your cart is empty.")
        return redirect("storefront:cart")
    state = _form_state(request, current, lines)
    physical = any(line.product.kind == ProductKind.PRINT for line in lines)
    methods = _methods(current) if physical else []
    method = next((m for m in methods if str(m.public_id) == state["method_id"]), None)
    if method is None and len(methods) == 1:
        method = methods[0]
    by_id = {str(line.public_id): line.pk for line in lines}
    line_addresses_pk = {by_id[k]: v for k, v in state["line_addresses"].items() if k in by_id}
    error = ""
    if placing:
        try:
            order = checkout_place(
                cart=current,
                email=state["email"],
                customer=request.user,
                shipping_method=method if physical else None,
                shipping_address=state["address"] if any(state["address"].values()) else None,
                line_addresses=state["line_addresses"],
                idempotency_key=state["idempotency_key"],
            )
        except CheckoutError as refused:
            error = str(refused)
        else:
            typed_new = state["saved_address"] in ("", "new")
            if request.user.is_authenticated and state["save_address"] and physical and typed_new:
                address_book_save(user=request.user, address=state["address"])
            return _placed(request, order)
    pricing = None
    try:
        pricing = cart_selectors.cart_pricing(
            cart=current,
            shipping_method=method if physical else None,
            address=state["address"] if state["address"].get("country") else None,
            line_addresses=line_addresses_pk,
        )
    except PricingError as problem:
        error = error or str(problem)
        pricing = cart_selectors.cart_pricing(cart=current)
    rows = _line_rows(lines, pricing)
    blank = {key: "" for key in ADDRESS_FIELDS}
    for row in rows:
        key = str(row["line"].public_id)
        row["prefix"] = f"line-{key}-"
        row["elsewhere"] = row["line"].public_id in state["elsewhere"]
        row["line_address"] = state["line_addresses"].get(key, blank)
    context = {
        "cart": current,
        "rows": rows,
        "items_total": pricing.subtotal + pricing.package_savings,
        "pricing": pricing,
        "currency": current.currency,
        "physical": physical,
        "methods": _priced_methods(current, methods, state["address"], line_addresses_pk),
        "method": method,
        "countries": COUNTRIES,
        "error": error,
        "tax_pending": "Calculated once you choose your country",
        # A download's tax follows the buyer's country: ask for it when a rule makes it matter.
        "asks_country": not physical
        and (bool(state["address"].get("country")) or not pricing.tax_calculated),
        **state,
    }
    status = 400 if error and placing else 200  # a review only shows what to fix
    response = render(request, "storefront/checkout.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _placed(request, order: Order):
    """Remember that this browser placed `order` (it may see the confirmation) and go there."""
    placed = [p for p in request.session.get(PLACED, []) if p != str(order.public_id)][-19:]
    request.session[PLACED] = [*placed, str(order.public_id)]
    return redirect("storefront:checkout_done", order_id=order.public_id)


def _order_link(order: Order) -> str:
    try:
        return reverse("storefront:order", args=[order_access_token(order)])
    except NoReverseMatch:
        return ""


def checkout_done(request, order_id):
    """The confirmation: what was ordered and how to pay (only for the browser that placed it)."""
    public_id = as_public_id(order_id)
    if public_id is None or str(public_id) not in request.session.get(PLACED, []):
        raise Http404
    order = Order.objects.filter(public_id=public_id).prefetch_related("lines").first()
    if order is None:
        raise Http404
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "next_step": payment_next_step(order),
        "order_url": _order_link(order),
    }
    response = render(request, "storefront/checkout_done.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
