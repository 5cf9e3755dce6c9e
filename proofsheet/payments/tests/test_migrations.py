"""Upgrading keeps what buyers see: a payment started before the next step was stored still
shows its instructions, and the order's page still says how to pay."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from proofsheet.orders.models import Order
from proofsheet.payments.selectors import payment_next_step


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_payment_pending_before_the_upgrade_keeps_its_instructions():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    before = [node for node in leaves if node[0] != "payments"] + [("payments", "0001_initial")]
    old = migrate(before)
    seller = old.get_model("accounts", "User").objects.create(
        email="ada@example.test", role="photographer"
    )
    old.get_model("catalog", "StoreSettings").objects.create(
        owner=seller, payment_instructions="IBAN FR76 3000"
    )
    order = old.get_model("orders", "Order").objects.create(
        number="PS-000007", seller=seller, email="ann@example.test", currency="EUR",
        subtotal=Decimal(10), total=Decimal(10),
    )  # fmt: skip
    payments = old.get_model("payments", "Payment")
    for _ in range(2):  # a duplicate the old get_or_create could leave behind
        payments.objects.create(order=order, provider="offline", amount=Decimal(10), currency="EUR")

    migrate(leaves)

    step = payment_next_step(Order.objects.get(pk=order.pk))
    assert step.kind == "instructions"
    assert step.text == "IBAN FR76 3000\n\nReference: PS-000007"
    assert payments.objects.filter(order_id=order.pk).count() == 1
