"""The studio's discount codes and shipping pages in the Django test client: create, edit,
disable, delete; the rules show beside their fields; another photographer's codes, galleries,
methods and rates are 404; clients get 403."""

import uuid
from decimal import Decimal

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart import discounts
from proofsheet.cart.models import Discount, DiscountUse
from proofsheet.fulfillment import shipping
from proofsheet.fulfillment.models import ShippingMethod, ShippingRate
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory
from proofsheet.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def studio(photographer_client):
    return photographer_client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


CODE = {"code": "summer10", "kind": "percent", "value": "10", "active": "on"}


def test_dashboard_links_to_discounts_and_shipping(studio):
    page = studio.get(reverse("studio:dashboard")).text
    assert reverse("studio:discounts") in page and reverse("studio:shipping") in page
    empty = studio.get(reverse("studio:discounts"))
    assert empty.status_code == 200 and "No discount codes yet" in empty.text
    assert "No shipping methods yet" in studio.get(reverse("studio:shipping")).text


def test_create_a_code_and_see_it_listed(studio):
    gallery = GalleryFactory(owner=studio.user, title="Smith wedding")
    form = studio.get(reverse("studio:discount_create"))
    assert 'type="datetime-local"' in form.text and "Smith wedding" in form.text
    assert 'for="id_code"' in form.text  # every field has its label
    response = studio.post(
        reverse("studio:discount_create"),
        CODE | {"min_order": "50", "currency": "EUR", "max_uses": "3",
                "max_uses_per_customer": "1", "gallery": str(gallery.public_id),
                "product_kinds": ["print"], "starts_at": "2026-01-01T00:00",
                "ends_at": "2036-01-01T00:00"},
        follow=True,
    )  # fmt: skip
    assert response.request["PATH_INFO"] == reverse("studio:discounts")
    assert "Created the code SUMMER10." in messages_of(response)
    code = Discount.objects.get(owner=studio.user)
    assert (code.code, code.value, code.min_order, code.max_uses) == ("SUMMER10", 10, 50, 3)
    assert code.gallery == gallery and code.product_kinds == ["print"]
    assert code.starts_at.year == 2026 and code.ends_at.year == 2036
    assert "SUMMER10" in response.text and "10 %" in response.text
    assert "0 / 3" in response.text and "Smith wedding, prints" in response.text
    assert "from 50.00 EUR" in response.text and "Active" in response.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"value": "0"}, "more than 0 and at most 100"),
     ({"value": "101"}, "more than 0 and at most 100"),
     ({"kind": "fixed", "value": "5"}, "Choose the currency of the amount off."),
     ({"kind": "fixed", "value": "5.5", "currency": "JPY"}, "JPY amounts have at most 0 decimals."),
     ({"min_order": "20"}, "Choose the currency of the minimum order."),
     ({"code": "two words"}, "A code has 2 to 40 characters"),
     ({"starts_at": "2030-01-02T00:00", "ends_at": "2030-01-01T00:00"}, "must end after it starts"),
     ({"max_uses": "0"}, "greater than or equal to 1"),
     ({"max_uses": "1", "max_uses_per_customer": "2"}, "cannot be above the total")],
)  # fmt: skip
def test_rules_show_beside_the_form(studio, fields, message):
    response = studio.post(reverse("studio:discount_create"), CODE | fields)
    assert response.status_code == 200
    assert "Please correct the fields marked below." in response.text
    assert message in response.text.replace("&#x27;", "'")
    assert not Discount.objects.exists()


def test_duplicate_code_is_refused_with_a_clear_message(studio):
    discounts.discount_create(owner=studio.user, code="SUMMER10", kind="percent", value=5)
    response = studio.post(reverse("studio:discount_create"), CODE)
    assert "You already have a code SUMMER10: choose another." in response.text
    assert Discount.objects.count() == 1


def test_edit_disable_enable_and_delete(studio):
    code = discounts.discount_create(owner=studio.user, code="EDIT", kind="percent", value=5)
    url = reverse("studio:discount", args=[code.public_id])
    page = studio.get(url)
    assert 'value="EDIT"' in page.text and 'value="5"' in page.text
    response = studio.post(
        url, {"code": "edit", "kind": "fixed", "value": "7.50", "currency": "EUR", "active": "on"}
    )
    assert response.status_code == 302
    code.refresh_from_db()
    assert (code.kind, code.value, code.currency) == ("fixed", Decimal("7.50"), "EUR")
    assert "7.50 EUR" in studio.get(reverse("studio:discounts")).text

    disabled = studio.post(reverse("studio:discount_toggle", args=[code.public_id]), follow=True)
    assert "Disabled EDIT: clients can no longer use it." in messages_of(disabled)
    assert Discount.objects.get(pk=code.pk).active is False and "Enable" in disabled.text
    studio.post(reverse("studio:discount_toggle", args=[code.public_id]))
    assert Discount.objects.get(pk=code.pk).active is True

    deleted = studio.post(reverse("studio:discount_delete", args=[code.public_id]), follow=True)
    assert "Deleted the code EDIT." in messages_of(deleted)
    assert not Discount.objects.exists()


def test_a_used_code_cannot_be_deleted_only_disabled(studio):
    code = discounts.discount_create(owner=studio.user, code="USED", kind="free_shipping")
    order = Order.objects.create(
        number=f"T-{uuid.uuid4().hex[:12]}", seller=studio.user, email="a@example.test",
        currency="EUR", subtotal=0, total=0,
    )  # fmt: skip
    Discount.objects.filter(pk=code.pk).update(uses=F("uses") + 1)
    DiscountUse.objects.create(discount=code, order=order, email="a@example.test")
    listing = studio.get(reverse("studio:discounts")).text
    assert reverse("studio:discount_delete", args=[code.public_id]) not in listing
    response = studio.post(reverse("studio:discount_delete", args=[code.public_id]), follow=True)
    assert "disable it instead" in " ".join(messages_of(response))
    assert Discount.objects.filter(pk=code.pk).exists()
    assert "1 / no limit" in response.text


def test_another_photographers_codes_and_galleries_are_404(studio):
    theirs = discounts.discount_create(
        owner=PhotographerFactory(), code="THEIRS", kind="percent", value=5
    )
    for name in ("studio:discount", "studio:discount_toggle", "studio:discount_delete"):
        assert studio.post(reverse(name, args=[theirs.public_id]), CODE).status_code == 404
    assert studio.get(reverse("studio:discount", args=[theirs.public_id])).status_code == 404
    assert studio.get(reverse("studio:discount", args=[uuid.uuid4()])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.active and theirs.value == 5
    assert "THEIRS" not in studio.get(reverse("studio:discounts")).text
    # Scoping a code to someone else's gallery is a 404 too.
    foreign_gallery = GalleryFactory()
    response = studio.post(
        reverse("studio:discount_create"), CODE | {"gallery": str(foreign_gallery.public_id)}
    )
    assert response.status_code == 404
    assert not Discount.objects.filter(owner=studio.user).exists()


def test_clients_are_refused():
    client = Client()
    client.force_login(UserFactory())
    assert client.get(reverse("studio:discounts")).status_code == 403
    assert client.get(reverse("studio:shipping")).status_code == 403
    anonymous = Client().get(reverse("studio:discounts"))
    assert anonymous.status_code == 302


# --- shipping ------------------------------------------------------------------------------------


def test_create_a_method_with_rates(studio):
    response = studio.post(
        reverse("studio:shipping"),
        {"name": "Tracked post", "kind": "standard", "currency": "EUR", "active": "on"},
        follow=True,
    )
    method = ShippingMethod.objects.get(owner=studio.user)
    assert response.request["PATH_INFO"] == reverse(
        "studio:shipping_method", args=[method.public_id]
    )
    assert "No rates yet" in response.text
    add = reverse("studio:shipping_rate_create", args=[method.public_id])
    studio.post(add, {"rate-countries": "fr de", "rate-first_item": "5", "rate-additional_item":
                      "1.50", "rate-per_kg": "2"})  # fmt: skip
    studio.post(add, {"rate-countries": "", "rate-first_item": "15"})
    assert method.rates.count() == 2
    listing = studio.get(reverse("studio:shipping")).text
    assert "DE, FR" in listing and "Everywhere else" in listing and "1.50 EUR" in listing
    assert "15.00 EUR" in listing and "Tracked post" in listing


def test_rate_rules_show_on_the_method_page(studio):
    method = shipping.shipping_method_create(owner=studio.user, name="Yu", currency="JPY")
    shipping.shipping_rate_create(method=method, countries="", first_item=800)
    add = reverse("studio:shipping_rate_create", args=[method.public_id])
    cases = [
        ({"rate-countries": "", "rate-first_item": "900"}, "already has a rate for everywhere"),
        ({"rate-countries": "JPN", "rate-first_item": "900"}, "is not a two-letter country code"),
        ({"rate-countries": "JP", "rate-first_item": "900.5"}, "JPY amounts have at most 0"),
        ({"rate-countries": "JP", "rate-first_item": "-1"}, "Enter an amount between 0"),
        ({"rate-countries": "JP"}, "This field is required."),
    ]
    for data, message in cases:
        response = studio.post(add, data)
        assert response.status_code == 200 and "The rate was not added" in response.text
        assert message in response.text
    assert method.rates.count() == 1


def test_edit_method_and_rate_and_delete(studio):
    method = shipping.shipping_method_create(owner=studio.user, name="Post", currency="EUR")
    rate = shipping.shipping_rate_create(method=method, countries="FR", first_item="4.50")
    url = reverse("studio:shipping_method", args=[method.public_id])
    refused = studio.post(url, {"name": "Post", "kind": "standard", "currency": "JPY"})
    assert "more decimals than JPY allows" in refused.text
    studio.post(url, {"name": "Express", "kind": "expedited", "currency": "EUR"})
    method.refresh_from_db()
    assert (method.name, method.kind, method.active) == ("Express", "expedited", False)
    assert "Not offered" in studio.get(reverse("studio:shipping")).text

    rate_url = reverse("studio:shipping_rate", args=[rate.public_id])
    assert 'value="4.50"' in studio.get(rate_url).text
    studio.post(rate_url, {"countries": "be fr", "first_item": "6", "additional_item": "1"})
    rate.refresh_from_db()
    assert rate.countries == ["BE", "FR"] and rate.first_item == 6 and rate.additional_item == 1
    bad = studio.post(rate_url, {"countries": "be", "first_item": "x"})
    assert bad.status_code == 200 and "Enter an amount" in bad.text

    studio.post(reverse("studio:shipping_rate_delete", args=[rate.public_id]))
    assert not ShippingRate.objects.exists()
    studio.post(reverse("studio:shipping_method_delete", args=[method.public_id]))
    assert not ShippingMethod.objects.exists()


def test_another_photographers_methods_and_rates_are_404(studio):
    theirs = shipping.shipping_method_create(owner=PhotographerFactory(), name="Theirs")
    rate = shipping.shipping_rate_create(method=theirs, countries="")
    m, r = [theirs.public_id], [rate.public_id]
    assert studio.get(reverse("studio:shipping_method", args=m)).status_code == 404
    assert studio.post(reverse("studio:shipping_method", args=m), {"name": "x"}).status_code == 404
    assert studio.post(reverse("studio:shipping_method_delete", args=m)).status_code == 404
    assert (
        studio.post(
            reverse("studio:shipping_rate_create", args=m), {"rate-first_item": "1"}
        ).status_code
        == 404
    )
    assert studio.get(reverse("studio:shipping_rate", args=r)).status_code == 404
    assert (
        studio.post(reverse("studio:shipping_rate", args=r), {"first_item": 1}).status_code == 404
    )
    assert studio.post(reverse("studio:shipping_rate_delete", args=r)).status_code == 404
    assert ShippingMethod.objects.filter(pk=theirs.pk, name="Theirs").exists()
    assert ShippingRate.objects.filter(pk=rate.pk, first_item=0).exists()
    assert "Theirs" not in studio.get(reverse("studio:shipping")).text


# --- in the browser ------------------------------------------------------------------------------

BROWSER_PASSWORD = "darkroom-silver-gelatin-8"


@pytest.mark.browser
@pytest.mark.server
def test_codes_and_shipping_in_the_browser(proofsheet_server, page):
    """Phone and desktop: labelled fields, clear errors, no CSP errors, nothing wider than the
    screen; the forms work from the keyboard."""
    import re

    from proofsheet.accounts.services import user_create

    url = proofsheet_server.url
    user_create(email="shop@example.test", role="photographer", password=BROWSER_PASSWORD)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill("shop@example.test")
    page.get_by_label(re.compile(r"^Password:?$")).fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{url}/studio/")

    def fits():
        return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.get_by_role("link", name="Discount codes").click()
    page.get_by_role("link", name="New code").click()
    page.get_by_label(re.compile(r"^Code:?$")).fill("spring15")
    page.get_by_label("Percentage or amount off").fill("150")
    page.get_by_label("Uses in total").fill("5")
    page.get_by_label("Prints").check()
    page.get_by_label("Uses in total").press("Enter")  # submits from the keyboard
    page.wait_for_selector(".message.error")
    assert "at most 100" in page.content() and fits()
    page.get_by_label("Percentage or amount off").fill("15")
    page.get_by_role("button", name="Create code").click()
    page.wait_for_url(f"{url}/studio/discounts/")
    row = page.get_by_test_id("discounts")
    assert "SPRING15" in row.inner_text() and "0 / 5" in row.inner_text() and fits()

    page.goto(f"{url}/studio/shipping/")
    page.get_by_label("Name").fill("Tracked post")
    page.get_by_role("button", name="Add method").click()
    page.wait_for_url(re.compile(r".*/studio/shipping/[0-9a-f-]+/#new-rate$"))
    page.get_by_label("Countries").fill("fr de")
    page.get_by_label("First item").fill("5.905")
    page.get_by_role("button", name="Add rate").click()
    page.get_by_text("EUR amounts have at most 2 decimals.").wait_for()
    page.get_by_label("First item").fill("5.90")
    page.get_by_role("button", name="Add rate").click()
    page.get_by_test_id("rates").get_by_role("rowheader", name="DE, FR").wait_for()
    assert fits()
    page.goto(f"{url}/studio/shipping/")
    assert "5.90 EUR" in page.content() and fits()
    assert errors == []
