"""Reading orders: a seller sees only their sales, a customer only their own orders (R01)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from proofsheet.core.models import as_public_id
from proofsheet.orders.models import Address, Order, OrderEvent, OrderStatus


def orders_for_seller(seller, *, status: str = "", q: str = "") -> QuerySet[Order]:
    """The seller's orders, newest first, optionally by status and a search (number, email)."""
    orders = Order.objects.filter(seller=seller)
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    q = (q or "").strip()
    if q:
        orders = orders.filter(
            Q(number__icontains=q) | Q(email__icontains=q) | Q(lines__product_name__icontains=q)
        ).distinct()
    return orders


def orders_for_customer(user) -> QuerySet[Order]:
    """A signed-in customer's orders, newest first."""
    return Order.objects.filter(customer=user)


def order_get_for_seller(seller, public_id) -> Order | None:
    public_id = as_public_id(public_id)
    return Order.objects.filter(seller=seller, public_id=public_id).first() if public_id else None


def order_get_for_customer(user, public_id) -> Order | None:
    public_id = as_public_id(public_id)
    if public_id is None or not getattr(user, "is_authenticated", False):
        return None
    return Order.objects.filter(customer=user, public_id=public_id).first()


def order_placed_from(*, cart_public_id, idempotency_key: str) -> Order | None:
    """The order this cart placed with this idempotency key (never another cart's)."""
    if not idempotency_key or cart_public_id is None:
        return None
    return Order.objects.filter(
        cart_public_id=cart_public_id, idempotency_key=idempotency_key
    ).first()


def order_get(public_id) -> Order | None:
    """An order by its public id, for a caller that has already shown it may see it (the
    browser that placed it)."""
    public_id = as_public_id(public_id)
    return Order.objects.filter(public_id=public_id).first() if public_id else None


def order_events(order: Order) -> list[OrderEvent]:
    """The order's log, oldest first."""
    return list(order.events.select_related("actor"))


def addresses_of(user, *, limit: int = 10) -> list[Address]:
    """A customer's saved addresses, newest first (none for visitors)."""
    if not user.is_authenticated:
        return []
    return list(Address.objects.filter(user=user).order_by("-created_at")[:limit])
