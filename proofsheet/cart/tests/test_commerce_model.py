"""A stateful model of buying (T5): random sequences of cart, code and checkout actions.

After every step: the cart's prices add up, the cart holds one seller's products, stock and code
uses are never overspent, and every placed order adds up (R30–R33).
"""

import contextlib
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from proofsheet.cart import services
from proofsheet.cart.checkout import CheckoutError, checkout_place
from proofsheet.cart.models import Discount, DiscountUse
from proofsheet.cart.pricing import price_cart
from proofsheet.cart.tests.support import ADDRESS, make_discount, make_shop
from proofsheet.catalog.models import Package, Product, StoreSettings, TaxRule
from proofsheet.orders.models import Order, OrderLine

pytestmark = pytest.mark.django_db

STOCK = 6
QUANTITIES = st.one_of(st.integers(1, 5), st.sampled_from([0, -1, 100, 2.5, "3", None]))


class Commerce(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint_create()
        self.shop = make_shop()
        self.other = make_shop()
        Product.objects.filter(pk=self.shop.print.pk).update(stock=STOCK)
        TaxRule.objects.create(owner=self.shop.seller, country="FR", physical_rate=20,
                               digital_rate=Decimal("5.5"))  # fmt: skip
        deal = Package.objects.create(sheet=self.shop.sheet, name="2 downloads", price=25)
        deal.items.create(product=self.shop.digital, quantity=2)
        make_discount(self.shop, "TEN", max_uses=2)
        make_discount(self.shop, "FIVE", kind="fixed", value=Decimal("5"), currency="EUR")
        make_discount(self.shop, "SHIP", kind="free_shipping", min_order=Decimal("30"))
        self.cart = services.cart_get_or_create(session_key="model")
        self.orders = 0

    @initialize(include_tax=st.booleans())
    def store(self, include_tax):
        StoreSettings.objects.filter(owner=self.shop.seller).update(prices_include_tax=include_tax)

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def _line(self, index):
        lines = list(self.cart.lines.order_by("id"))
        return lines[index % len(lines)] if lines else None

    @rule(
        photo=st.integers(0, 2),
        digital=st.booleans(),
        lustre=st.booleans(),
        quantity=QUANTITIES,
        foreign=st.booleans(),
    )
    def add(self, photo, digital, lustre, quantity, foreign):
        shop = self.other if foreign else self.shop
        product = shop.digital if digital else shop.print
        options = [shop.lustre] if lustre and not digital else []
        with contextlib.suppress(services.CartError):
            services.cart_line_add(
                cart=self.cart, access=shop.access, photo=shop.photos[photo], product=product,
                options=options, quantity=quantity,
            )  # fmt: skip

    @rule(index=st.integers(0, 10), quantity=QUANTITIES)
    def update(self, index, quantity):
        line = self._line(index)
        if line is not None:
            with contextlib.suppress(services.CartError):
                services.cart_line_update(cart=self.cart, line=line, quantity=quantity)

    @rule(index=st.integers(0, 10))
    def remove(self, index):
        line = self._line(index)
        if line is not None:
            services.cart_line_remove(cart=self.cart, line=line)

    @rule(index=st.integers(0, 10), saved=st.booleans())
    def save_for_later(self, index, saved):
        line = self._line(index)
        if line is not None:
            change = services.cart_line_save_for_later if saved else services.cart_line_move_to_cart
            change(cart=self.cart, line=line)

    @rule(code=st.sampled_from(["TEN", "FIVE", "SHIP", "NOPE"]))
    def apply_code(self, code):
        with contextlib.suppress(services.CartError):
            services.discount_apply(cart=self.cart, code=code)

    @rule(price=st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2))
    def seller_changes_a_price(self, price):
        Product.objects.filter(pk=self.shop.digital.pk).update(price=price)

    @rule(with_address=st.booleans())
    def checkout(self, with_address):
        try:
            checkout_place(
                cart=self.cart,
                email=f"buyer{self.orders}@example.test",
                shipping_method=self.shop.shipping if self.cart.seller_id == self.shop.seller.pk
                else self.other.shipping,
                shipping_address=ADDRESS if with_address else None,
            )  # fmt: skip
            self.orders += 1
        except CheckoutError:
            pass
        self.cart.refresh_from_db()

    @invariant()
    def the_cart_adds_up(self):
        pricing = price_cart(self.cart, shipping_method=self.shop.shipping, address=ADDRESS)
        exclusive = Decimal(0) if pricing.prices_include_tax else pricing.tax_total
        lines = sum((x.total for x in pricing.lines), Decimal(0))
        assert lines - pricing.discount_total + pricing.shipping_total + exclusive == pricing.total
        assert pricing.total >= 0

    @invariant()
    def one_seller_per_cart(self):
        sellers = {line.product.sheet.owner_id for line in self.cart.lines.all()}
        assert sellers <= {self.cart.seller_id}

    @invariant()
    def nothing_is_overspent(self):
        sold = OrderLine.objects.filter(product_name="8x10 print", order__seller=self.shop.seller)
        sold_count = sold.aggregate(n=Sum("quantity"))["n"] or 0
        assert Product.objects.get(pk=self.shop.print.pk).stock == STOCK - sold_count
        ten = Discount.objects.get(owner=self.shop.seller, code="TEN")
        assert ten.uses <= 2 and ten.uses == DiscountUse.objects.filter(discount=ten).count()

    @invariant()
    def orders_add_up(self):
        for order in Order.objects.prefetch_related("lines"):
            exclusive = Decimal(0) if order.prices_include_tax else order.tax_total
            assert sum((x.total for x in order.lines.all()), Decimal(0)) == order.subtotal
            assert sum((x.discount for x in order.lines.all()), Decimal(0)) == order.discount_total
            assert (
                order.subtotal - order.discount_total + order.shipping_total + exclusive
                == order.total
            )
            assert order.total >= 0


def test_random_sequences_of_buying_keep_every_rule():
    run_state_machine_as_test(
        Commerce,
        settings=settings(
            max_examples=80,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
