"""Writing carts: lines, save for later, merging a guest cart on log-in, discount codes.

A cart holds one seller's photos in one currency: its first line fixes both. No function here
takes a price or a currency from the caller (R30): they come from the catalogue, at pricing time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from proofsheet.cart.models import MAX_QUANTITY, Cart, CartLine, Discount, DiscountUse
from proofsheet.cart.pricing import discount_static_problem, price_cart
from proofsheet.catalog.models import (
    GalleryPricing,
    Package,
    PriceSheet,
    Product,
    ProductOption,
)
from proofsheet.catalog.selectors import missing_groups
from proofsheet.core.errors import Invalid
from proofsheet.galleries.access import Access
from proofsheet.galleries.models import Photo, PhotoStatus


class CartError(Invalid):
    """A change the cart refuses; the message is for the visitor, the code says which rule."""


class DiscountRejected(CartError):
    code = "discount_rejected"


def quantity_clean(value: int | str) -> int:
    """A quantity as typed (a form's "3") or sent (an app's 3): a whole number in
    1..MAX_QUANTITY, or CartError (`quantity_invalid`) saying so. The one rule, for every road."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise CartError(
            fields={"quantity": f"The quantity must be a whole number from 1 to {MAX_QUANTITY}."},
            code="quantity_invalid",
        )
    if not 1 <= value <= MAX_QUANTITY:
        raise CartError(
            fields={"quantity": f"The quantity must be between 1 and {MAX_QUANTITY}."},
            code="quantity_invalid",
        )
    return value


# --- carts ------------------------------------------------------------------------------------


def cart_get_or_create(*, user=None, session_key: str = "") -> Cart:
    """The account's cart, or the guest cart of this browser session."""
    if user is not None and user.is_authenticated:
        cart = Cart.objects.filter(user=user).first()
        if cart is not None:
            return cart
        try:
            with transaction.atomic():
                return Cart.objects.create(user=user)
        except IntegrityError:  # a parallel request made it first
            return Cart.objects.get(user=user)
    if not session_key:
        raise CartError("A guest cart needs a session.")
    cart = Cart.objects.filter(user__isnull=True, session_key=session_key).first()
    return cart or Cart.objects.create(session_key=session_key)


def _locked(cart: Cart) -> Cart:
    locked = Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if locked is None:  # housekeeping removed it (30 days idle) between the lookup and now
        raise CartError("Your cart had expired; please try again.", code="cart_empty")
    return locked


def _touch(cart: Cart) -> None:
    """Mark the (locked) cart as changed: `updated_at` is how abandoned carts are found."""
    cart.save(update_fields=["updated_at"])


def _sync(cart: Cart) -> None:
    """Bring the caller's instance up to date with what the locked copy changed."""
    cart.refresh_from_db(fields=["seller", "currency", "discount_code", "updated_at"])


def _bind_seller(cart: Cart, seller_id: int, currency: str) -> None:
    """Make `cart` (locked) one seller's and currency's, or refuse a second seller/currency."""
    if cart.seller_id and not cart.lines.exists():
        cart.seller_id, cart.currency, cart.discount_code = None, "", ""
    if cart.seller_id is None:
        cart.seller_id, cart.currency = seller_id, currency
        cart.save(update_fields=["seller", "currency", "discount_code", "updated_at"])
        return
    if cart.seller_id != seller_id:
        raise CartError(
            "Your cart holds another photographer's photos. Check out or empty it first: "
            "one order is paid to one photographer.",
            code="cart_other_seller",
        )
    if cart.currency != currency:
        raise CartError(
            f"Your cart is in {cart.currency} and this is priced in {currency}. "
            "Check out or empty your cart first.",
            code="cart_other_seller",
        )


def buyer_required(access: Access) -> None:
    """Refuse a visitor who may look but not buy here (a guest code): `client_code_required`."""
    if not access.can_interact:
        raise CartError(
            "Ask your photographer for the client code to buy from this gallery.",
            code="client_code_required",
        )


def a_group(group: str) -> str:
    """How a message asks for a choice in `group`: "a paper", "an edge"."""
    name = group.lower()
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def options_clean(product: Product, options: Iterable[ProductOption]) -> list[ProductOption]:
    """`options` as a line of `product` may have them (its own, one per group, every required
    group chosen), in a stable order; CartError says what is wrong."""
    options = list(options)
    groups = set()
    for option in options:
        if option.product_id != product.pk:
            raise CartError(
                f"“{option}” is not an option of {product.name}.", code="option_invalid"
            )
        if option.group in groups:
            raise CartError(f"Choose one {option.group.lower()} only.", code="option_invalid")
        groups.add(option.group)
    missing = missing_groups(product, options)
    if missing:  # a required group (paper…) left out; optional ones (a frame) may be
        raise CartError(f"Choose {a_group(missing[0])}.", code="option_required")
    return sorted(options, key=lambda o: o.pk)


def _sheet_of(gallery) -> PriceSheet:
    pricing = GalleryPricing.objects.filter(gallery=gallery).select_related("sheet").first()
    if pricing is None:
        raise CartError("Nothing in this gallery is for sale.", code="not_for_sale")
    return pricing.sheet


def _stock_check(product: Product, quantity: int) -> None:
    if product.stock is not None and quantity > product.stock:
        if product.stock == 0:
            raise CartError(f"{product.name} is sold out.", code="out_of_stock")
        raise CartError(f"Only {product.stock} of {product.name} left.", code="out_of_stock")


def cart_line_add(
    *,
    cart: Cart,
    access: Access,
    photo: Photo,
    product: Product,
    options: Iterable[ProductOption] = (),
    quantity: int | str = 1,
) -> CartLine:
    """Put `quantity` × `product` of `photo` in the cart (merged with the same line if any)."""
    quantity = quantity_clean(quantity)
    gallery = access.gallery
    buyer_required(access)
    if photo.gallery_id != gallery.pk or photo.status != PhotoStatus.READY:
        raise CartError("This photo is not available.", code="not_for_sale")
    sheet = _sheet_of(gallery)
    if product.sheet_id != sheet.pk or not product.active:
        raise CartError("This product is not sold in this gallery.", code="not_for_sale")
    options = options_clean(product, options)
    with transaction.atomic():
        locked = _locked(cart)
        _bind_seller(locked, gallery.owner_id, sheet.currency)
        line = _same_line(locked, photo.pk, product.pk, [o.pk for o in options])
        if line is not None:
            total = line.quantity + quantity
            if total > MAX_QUANTITY:
                raise CartError(
                    f"You can buy at most {MAX_QUANTITY} of one item.", code="quantity_invalid"
                )
            _stock_check(product, total)
            line.quantity = total
            line.save(update_fields=["quantity", "updated_at"])
        else:
            _stock_check(product, quantity)
            line = CartLine.objects.create(
                cart=locked, product=product, photo=photo, gallery=gallery, quantity=quantity
            )
            line.options.set(options)
        _touch(locked)
    _sync(cart)
    return line


def cart_package_add(*, cart: Cart, access: Access, package: Package) -> CartLine:
    """Put a whole-gallery package (every photo of the gallery, digital) in the cart."""
    gallery = access.gallery
    buyer_required(access)
    sheet = _sheet_of(gallery)
    if (
        package.sheet_id != sheet.pk
        or not package.active
        or package.whole_gallery is None
        or not package.whole_gallery.active
    ):
        raise CartError("This package is not sold in this gallery.", code="not_for_sale")
    with transaction.atomic():
        locked = _locked(cart)
        _bind_seller(locked, gallery.owner_id, sheet.currency)
        line = locked.lines.filter(package=package, gallery=gallery).first()
        if line is None:
            line = CartLine.objects.create(
                cart=locked, product=package.whole_gallery, package=package, gallery=gallery
            )
        elif line.saved_for_later:  # one copy of a whole gallery is all there is to buy
            line.saved_for_later = False
            line.save(update_fields=["saved_for_later", "updated_at"])
        _touch(locked)
    _sync(cart)
    return line


def _same_line(
    cart: Cart, photo_id, product_id, option_ids: list[int], *, saved: bool = False, exclude=None
) -> CartLine | None:
    candidates = cart.lines.filter(
        photo_id=photo_id, product_id=product_id, package__isnull=True, saved_for_later=saved
    ).prefetch_related("options")
    for line in candidates:
        if line.pk != exclude and sorted(o.pk for o in line.options.all()) == option_ids:
            return line
    return None


def _line_of(cart: Cart, line: CartLine) -> CartLine:
    found = cart.lines.filter(pk=line.pk).select_related("product").first()
    if found is None:
        raise CartError("That item is no longer in your cart.", code="not_found")
    return found


def cart_line_update(
    *,
    cart: Cart,
    line: CartLine,
    quantity: int | str | None = None,
    options: Iterable[ProductOption] | None = None,
) -> CartLine:
    """Change a line's quantity and/or options (a line that becomes another's twin joins it)."""
    if quantity is not None:
        quantity = quantity_clean(quantity)
    with transaction.atomic():
        cart = _locked(cart)
        line = _line_of(cart, line)
        if line.package_id and (options is not None or (quantity or 1) != 1):
            raise CartError("A whole-gallery package is bought once, without options.")
        if quantity is not None:
            _stock_check(line.product, quantity)
            line.quantity = quantity
        line.save(update_fields=["quantity", "updated_at"])
        _touch(cart)
        if options is not None:
            cleaned = options_clean(line.product, options)
            line.options.set(cleaned)
            twin = _same_line(
                cart,
                line.photo_id,
                line.product_id,
                [o.pk for o in cleaned],
                saved=line.saved_for_later,
                exclude=line.pk,
            )
            if twin is not None:
                return _join(twin, line)
        return line


def _join(into: CartLine, other: CartLine) -> CartLine:
    total = into.quantity + other.quantity
    if total > MAX_QUANTITY:
        raise CartError(f"You can buy at most {MAX_QUANTITY} of one item.", code="quantity_invalid")
    into.quantity = total
    into.save(update_fields=["quantity", "updated_at"])
    other.delete()
    return into


def cart_line_remove(*, cart: Cart, line: CartLine) -> None:
    with transaction.atomic():
        locked = _locked(cart)
        locked.lines.filter(pk=line.pk).delete()
        if not locked.lines.exists():
            locked.seller_id, locked.currency, locked.discount_code = None, "", ""
            locked.save(update_fields=["seller", "currency", "discount_code", "updated_at"])
        else:
            _touch(locked)
    _sync(cart)


def cart_line_save_for_later(*, cart: Cart, line: CartLine) -> CartLine:
    """Move a line out of what will be bought, keeping it in the cart."""
    return _set_saved(cart, line, True)


def cart_line_move_to_cart(*, cart: Cart, line: CartLine) -> CartLine:
    """Bring a saved line back into what will be bought."""
    return _set_saved(cart, line, False)


def _set_saved(cart: Cart, line: CartLine, saved: bool) -> CartLine:
    with transaction.atomic():
        cart = _locked(cart)
        line = _line_of(cart, line)
        if line.saved_for_later == saved:
            return line
        _touch(cart)
        twin = None
        if not line.package_id:
            option_ids = sorted(line.options.values_list("pk", flat=True))
            twin = _same_line(
                cart, line.photo_id, line.product_id, option_ids, saved=saved, exclude=line.pk
            )
        if twin is not None:
            return _join(twin, line)
        line.saved_for_later = saved
        line.save(update_fields=["saved_for_later", "updated_at"])
        return line


def cart_merge(*, guest_cart: Cart, user_cart: Cart) -> Cart:
    """Fold the guest cart into the account's cart at log-in; return the account's cart.

    Same seller and currency (or an empty side): the lines join, twins add up (to the maximum).
    Different sellers: a cart holds one seller, and the guest cart is the one the visitor has
    just filled, so it replaces the account's older cart.
    """
    if guest_cart.pk == user_cart.pk:
        return user_cart
    with transaction.atomic():
        # Lock both in id order, so two log-ins never wait on each other crosswise.
        locked = {
            c.pk: c
            for c in Cart.objects.select_for_update()
            .filter(pk__in=[guest_cart.pk, user_cart.pk])
            .order_by("pk")
        }
        guest, mine = locked.get(guest_cart.pk), locked.get(user_cart.pk)
        if guest is None or mine is None:
            return mine or user_cart
        if not guest.lines.exists():
            guest.delete()
            return mine
        if mine.lines.exists() and (mine.seller_id, mine.currency) != (
            guest.seller_id,
            guest.currency,
        ):
            mine.lines.all().delete()
            mine.seller_id, mine.discount_code = None, ""
        if mine.seller_id is None:
            mine.seller_id, mine.currency = guest.seller_id, guest.currency
        mine.discount_code = guest.discount_code or mine.discount_code
        mine.save(update_fields=["seller", "currency", "discount_code", "updated_at"])
        for line in guest.lines.prefetch_related("options").order_by("created_at", "id"):
            option_ids = sorted(o.pk for o in line.options.all())
            twin = (
                mine.lines.filter(package=line.package, gallery=line.gallery).first()
                if line.package_id
                else _same_line(
                    mine, line.photo_id, line.product_id, option_ids, saved=line.saved_for_later
                )
            )
            if twin is not None:
                if not line.package_id:
                    twin.quantity = min(twin.quantity + line.quantity, MAX_QUANTITY)
                    twin.save(update_fields=["quantity", "updated_at"])
                continue
            line.cart = mine
            line.save(update_fields=["cart", "updated_at"])
        guest.delete()
    _sync(user_cart)
    return user_cart


# --- discount codes ---------------------------------------------------------------------------


def discount_check(discount: Discount | None, *, cart: Cart, email: str = "", now=None) -> str:
    """Why `discount` cannot be used on `cart` ("" when it can), as far as can be told now."""
    now = now or timezone.now()
    if discount is None or discount.owner_id != cart.seller_id:
        return "That code is not valid."
    problem = discount_static_problem(discount, currency=cart.currency, now=now)
    if problem:
        return problem
    if email and discount.max_uses_per_customer is not None:
        used = DiscountUse.objects.filter(discount=discount, email=email.strip().lower()).count()
        if used >= discount.max_uses_per_customer:
            return f"You have already used the code {discount.code}."
    pricing = price_cart(cart, discount=discount, now=now)
    return pricing.discount_problem


def discount_apply(*, cart: Cart, code: str, email: str = "") -> Discount:
    """Put a discount code on the cart after checking it (it is checked again at checkout)."""
    code = code.strip().upper()
    if not code or len(code) > 40:
        raise DiscountRejected("Enter a discount code.")
    if cart.seller_id is None:
        raise DiscountRejected("Add something to your cart first.")
    discount = Discount.objects.filter(owner_id=cart.seller_id, code=code).first()
    problem = discount_check(discount, cart=cart, email=email)
    if problem or discount is None:  # discount_check refuses an unknown code, with its reason
        raise DiscountRejected(problem)
    Cart.objects.filter(pk=cart.pk).update(discount_code=code, updated_at=timezone.now())
    cart.discount_code = code
    return discount


def discount_remove(*, cart: Cart) -> None:
    Cart.objects.filter(pk=cart.pk).update(discount_code="", updated_at=timezone.now())
    cart.discount_code = ""


# --- housekeeping -----------------------------------------------------------------------------

PURGE_BATCH = 500


def carts_purge_abandoned(*, now=None, batch_size: int = PURGE_BATCH) -> int:
    """Delete guest carts and empty account carts untouched for CART_GUEST_DAYS; return how many.

    An account cart with lines stays however old it is (a customer's saved-for-later). Each
    batch is its own short transaction, so a large backlog never holds a long lock; the
    conditions are read again under the lock (rows a visitor is changing are skipped), so a
    cart touched meanwhile is kept.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CART_GUEST_DAYS)
    abandoned = Cart.objects.filter(updated_at__lt=cutoff).filter(
        Q(user__isnull=True) | ~Exists(CartLine.objects.filter(cart=OuterRef("pk")))
    )
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                abandoned.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            _, per_model = abandoned.filter(pk__in=ids).delete()
        deleted += per_model.get(Cart._meta.label, 0)
    return deleted
