"""The client's cart: adding a photo's choice (and its live price) or a whole gallery, the cart
page, the checkout and its confirmation.

Interfaces only: each view parses the form, calls a flow (`flows.buying`, `flows.checkout`) and
renders. A refusal shows the form again with what is wrong (400 for what the visitor can change,
404 for what is no longer sold), except a guest code's, which is the error page `core.web` shows
(403). Nothing here reads a price, total or currency from the request (R30).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from proofsheet.cart import selectors as cart_selectors
from proofsheet.cart import services as cart_services
from proofsheet.cart.checkout import ADDRESS_FIELDS
from proofsheet.cart.models import MAX_QUANTITY
from proofsheet.cart.services import a_group
from proofsheet.cart.session import request_cart
from proofsheet.catalog.selectors import missing_groups, option_groups
from proofsheet.core.errors import DomainError
from proofsheet.core.money import format_amount
from proofsheet.core.web import refuse
from proofsheet.flows import buying
from proofsheet.flows import checkout as checkout_flow
from proofsheet.orders import selectors as order_selectors
from proofsheet.orders.models import Order
from proofsheet.orders.services import order_access_token
from proofsheet.payments.selectors import PAY_CHOICES, payment_choices, payment_next_step
from proofsheet.storefront import buy_panel
from proofsheet.storefront.common import gallery_page, gallery_view, photo_or_404, photo_page

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


def _form_status(refused: DomainError) -> int:
    """The status of a form shown again with why it was refused: 400 for what the visitor can
    change (a choice, a quantity, another seller's cart, sold out), the error's own for what is
    gone (404). A guest code's refusal (403) is not a form to show them: it goes on to the error
    page (DomainErrorMiddleware)."""
    if refused.status == 403:
        raise refused
    return 400 if refused.status in (409, 422) else refused.status


# --- a photo's choice ----------------------------------------------------------------------


@require_GET
@gallery_view
def price_quote(request, gallery, access, photo_id):
    """What the visitor's choice costs, or what they still have to choose (an htmx fragment)."""
    found = photo_or_404(gallery, photo_id)
    panel = buy_panel.buy_panel(found, request.GET)
    if panel is None:
        raise Http404
    buy_panel.panel_quote(panel, access=access, photo=found)
    return render(request, "storefront/_buy_price.html", {"buy": panel})


@require_POST
@gallery_view
def cart_add(request, gallery, access, photo_id):
    """Add the visitor's choice of this photo to the cart (a plain form POST; no JS needed)."""
    found = photo_or_404(gallery, photo_id)
    panel = buy_panel.buy_panel(found, request.POST)
    if panel is None:
        raise Http404
    try:
        line = buying.cart_line_add(
            cart=lambda: request_cart(request),
            access=access,
            photo=found,
            **(panel.choice | {"quantity": request.POST.get("quantity", "")}),
        )
    except DomainError as refused:
        status = _form_status(refused)
        buy_panel.panel_quote(panel, access=access, photo=found)
        panel.error = refused.message
        return photo_page(request, gallery, access, found, buy=panel, status=status)
    messages.success(request, f"{line.product.name} added to your cart.")
    return redirect(reverse("storefront:photo", args=[gallery.public_id, found.public_id]))


@require_POST
@gallery_view
def cart_package_add(request, gallery, access):
    """Add a whole-gallery package of this gallery to the cart (a plain form POST)."""
    try:
        line = buying.cart_package_add(
            cart=lambda: request_cart(request),
            access=access,
            package_id=request.POST.get("package", ""),
        )
    except DomainError as refused:
        status = _form_status(refused)
        return gallery_page(request, gallery, access, package_error=refused.message, status=status)
    messages.success(request, f"{line.package.name} added to your cart.")
    return redirect("storefront:cart")


# --- the cart ----------------------------------------------------------------------------


def _option_groups(line) -> list[dict]:
    """A line's product's option groups, each with the line's current choice (None: nothing;
    `missing` when the group is required, so the line cannot be checked out as it is)."""
    if line.package_id:
        return []
    chosen = {o.pk for o in line.options.all()}
    missing = set(missing_groups(line.product, line.options.all()))
    return [
        {
            "name": group.name,
            "options": group.options,
            "chosen": next((o.pk for o in group.options if o.pk in chosen), None),
            "optional": group.optional,
            "missing": group.name in missing,
            "ask": a_group(group.name),
        }
        for group in option_groups(line.product)
    ]


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
        "max_quantity": MAX_QUANTITY,
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


LINE_ACTIONS = {  # action → (what changes, what the visitor is told)
    "save": ({"saved_for_later": True}, "Saved for later."),
    "move": ({"saved_for_later": False}, "Moved back to your cart."),
}


@require_POST
def cart_line(request, line_id):
    """Change one line: quantity, options, remove, save for later, move back to the cart."""
    current = _cart_or_back(request)
    if current is None:
        return redirect("storefront:cart")
    action = request.POST.get("action", "update")
    back = reverse("storefront:cart")
    try:
        if action == "remove":
            buying.cart_line_remove(cart=current, line_id=line_id)
            done = "Removed from your cart."
        elif action == "options":  # a blank choice is "none" in that (optional) group
            options = [value for value in request.POST.getlist("options") if value]
            buying.cart_line_change(cart=current, line_id=line_id, option_ids=options)
            done = "Options changed."
        elif action in LINE_ACTIONS:
            change, done = LINE_ACTIONS[action]
            buying.cart_line_change(cart=current, line_id=line_id, **change)
        else:
            quantity = request.POST.get("quantity", "")
            buying.cart_line_change(cart=current, line_id=line_id, quantity=quantity)
            done = "Quantity updated."
    except DomainError as refused:  # said on the cart page, where it can be put right
        return refuse(request, refused, back)
    messages.success(request, done)
    return redirect(back)


@require_POST
def cart_code(request):
    """Apply or remove the discount code."""
    current = _cart_or_back(request)
    back = reverse("storefront:cart")
    if current is None:
        return redirect(back)
    if request.POST.get("action") == "remove":
        cart_services.discount_remove(cart=current)
        messages.success(request, "Code removed.")
        return redirect(back)
    email = request.user.email if request.user.is_authenticated else ""
    try:
        discount = cart_services.discount_apply(
            cart=current, code=request.POST.get("code", ""), email=email
        )
    except DomainError as refused:  # said on the cart page, beside the code box
        return refuse(request, refused, back)
    messages.success(request, f"Code {discount.code} applied.")
    return redirect(back)


# --- checkout ----------------------------------------------------------------------------


def _address_from(data, prefix: str = "") -> dict:
    return {key: data.get(f"{prefix}{key}", "").strip()[:200] for key in ADDRESS_FIELDS}


def _form(request, lines) -> dict:
    """What the visitor typed (or the form's first values): email, address, saved address,
    lines sent elsewhere, shipping method, idempotency key."""
    data = request.POST if request.method == "POST" else {}
    user = request.user
    saved = order_selectors.addresses_of(user)
    email = data.get("email", "").strip() if data else ""
    if not email and user.is_authenticated:
        email = user.email
    chosen_saved = data.get("saved_address", "") if data else ""
    if not data and saved:  # the newest saved address is offered first
        chosen_saved = str(saved[0].public_id)
    if chosen_saved and not any(str(a.public_id) == chosen_saved for a in saved):
        chosen_saved = "new"
    line_addresses = {}
    for line in lines:
        prefix = f"line-{line.public_id}-"
        if line.ships and data and data.get(prefix + "elsewhere"):
            line_addresses[str(line.public_id)] = _address_from(data, prefix)
    return {
        "email": email,
        "typed": _address_from(data) if data else dict.fromkeys(ADDRESS_FIELDS, ""),
        "saved_addresses": saved,
        "saved_address": chosen_saved,
        "save_address": bool(data.get("save_address")) if data else False,
        "line_addresses": line_addresses,
        "method_id": data.get("shipping_method", "") if data else "",
        "idempotency_key": (data.get("idempotency_key", "") if data else "")[:64]
        or uuid.uuid4().hex,
        "pay_with": (data.get("pay_with", "") if data else "")[:10],
    }


def checkout(request):
    """The checkout form (GET), a review of the totals or the placed order (POST)."""
    current = request_cart(request, create=False)
    lines = cart_selectors.cart_line_list(cart=current) if current else []
    form = _form(request, lines)
    placing = request.method == "POST" and request.POST.get("action") == "place"
    error = ""
    if placing and current is not None:
        try:
            placed = checkout_flow.checkout_submit(
                cart=current,
                email=form["email"],
                customer=request.user,
                address=form["typed"],
                saved_address_id=form["saved_address"],
                shipping_method_id=form["method_id"],
                line_addresses=form["line_addresses"],
                save_address=form["save_address"],
                idempotency_key=form["idempotency_key"],
                pay_with=form["pay_with"],
            )
        except DomainError as refused:  # the form again, with what to put right
            error = refused.message
        else:
            return _placed(request, placed.order)
    if not lines:
        messages.info(request, "Your cart is empty.")
        return redirect("storefront:cart")
    review = checkout_flow.checkout_review(
        cart=current,
        customer=request.user,
        address=form["typed"],
        saved_address_id=form["saved_address"],
        shipping_method_id=form["method_id"],
        line_addresses=form["line_addresses"],
    )
    pricing = review.pricing
    choices = payment_choices(current.seller)
    if form["pay_with"] not in choices:
        form["pay_with"] = choices[0]
    rows = _line_rows(lines, pricing)
    for row in rows:
        key = str(row["line"].public_id)
        row["prefix"] = f"line-{key}-"
        row["elsewhere"] = key in form["line_addresses"]
        row["line_address"] = form["line_addresses"].get(key, dict.fromkeys(ADDRESS_FIELDS, ""))
    context = {
        "cart": current,
        "rows": rows,
        "items_total": pricing.subtotal + pricing.package_savings,
        "pricing": pricing,
        "currency": current.currency,
        "needs_shipping": review.needs_shipping,
        "methods": [
            {
                "method": quote.method,
                "cost": None if quote.cost is None else format_amount(quote.cost, current.currency),
            }
            for quote in review.methods
        ],
        "method": review.method,
        "address": review.address,
        "countries": COUNTRIES,
        "error": error or review.problem,
        "tax_pending": "Calculated once you choose your country",
        "pay_choices": [(value, PAY_CHOICES[value]) for value in choices],
        # A download's tax follows the buyer's country: ask for it when a rule makes it matter.
        "asks_country": not review.needs_shipping
        and (bool(review.address.get("country")) or not pricing.tax_calculated),
        **form,
    }
    status = 400 if error else 200  # a review only shows what to fix
    response = render(request, "storefront/checkout.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _placed(request, order: Order):
    """Remember that this browser placed `order` (it may see the confirmation) and go there,
    or straight to the order's card payment page when it is paid by card."""
    placed = [p for p in request.session.get(PLACED, []) if p != str(order.public_id)][-19:]
    request.session[PLACED] = [*placed, str(order.public_id)]
    step = payment_next_step(order)
    if step.kind == "card":
        return redirect("storefront:order_pay", order_access_token(order))
    return redirect("storefront:checkout_done", order_id=order.public_id)


def checkout_done(request, order_id):
    """The confirmation: what was ordered and how to pay (only for the browser that placed it)."""
    if str(order_id) not in request.session.get(PLACED, []):
        raise Http404
    order = order_selectors.order_get(order_id)
    if order is None:
        raise Http404
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "next_step": payment_next_step(order),
        "order_url": reverse("storefront:order", args=[order_access_token(order)]),
        "pay_url": reverse("storefront:order_pay", args=[order_access_token(order)]),
    }
    response = render(request, "storefront/checkout_done.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
