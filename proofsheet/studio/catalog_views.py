"""The studio's catalogue: price sheets, products and options, packages, bulk markup and per-photo
prices. Thin over `catalog.sheets`, `catalog.products`, `catalog.packages` and
`catalog.selectors`; a rule's refusal shows beside the form (`save_form`) or on the page a button
leads back to (`run_action`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from proofsheet.catalog import packages, products, selectors, sheets
from proofsheet.catalog.models import Package, PriceSheet, Product, ProductKind
from proofsheet.core.money import format_amount, quantize
from proofsheet.fulfillment.shipping import print_sales_without_shipping_for_sheet
from proofsheet.studio.catalog_forms import (
    MarkupForm,
    OptionForm,
    PackageForm,
    ProductForm,
    SheetCreateForm,
    SheetForm,
)
from proofsheet.studio.common import (
    found,
    owned_photo,
    photographer_required,
    run_action,
    save_form,
)


def _sheet(request, sheet_id) -> PriceSheet:
    return found(selectors.sheet_get_owned(request.user, sheet_id), "price sheet")


def _product(request, product_id) -> Product:
    return found(selectors.product_get_owned(request.user, product_id), "product")


def _sheet_url(sheet: PriceSheet, anchor: str = "") -> str:
    url = reverse("studio:price_sheet", kwargs={"sheet_id": sheet.public_id})
    return f"{url}#{anchor}" if anchor else url


def _product_url(product: Product) -> str:
    return reverse("studio:product", kwargs={"product_id": product.public_id}) + "#options"


def _galleries(count: int) -> str:
    return f"{count} galler{'y' if count == 1 else 'ies'}"


# --- sheets --------------------------------------------------------------------------------------


@photographer_required
def sheet_list(request):
    form = SheetCreateForm(request.POST or None)
    sheet = save_form(
        form,
        lambda data: sheets.price_sheet_create(
            owner=request.user,
            name=data["name"],
            currency=data["currency"],
            starter=data["start"] == "starter",
        ),
    )
    if sheet:
        messages.success(request, f"Created the price sheet “{sheet.name}”.")
        unsold = selectors.galleries_without_sheet(request.user).count()
        if unsold:  # the offer itself is on the sheet's page
            one = unsold == 1
            messages.info(
                request,
                f"{_galleries(unsold)} of yours {'sells' if one else 'sell'} nothing yet: "
                f"you can use this sheet for {'it' if one else 'them'} below.",
            )
        return redirect(_sheet_url(sheet))
    return render(
        request,
        "studio/catalog/sheets.html",
        {"sheets": selectors.sheets_owned_by(request.user), "form": form},
    )


def _sheet_page(request, sheet: PriceSheet, *, form=None, markup_form=None):
    """The sheet's page: its products, packages, the markup form and the sheet's settings."""
    form = form or SheetForm(initial={"name": sheet.name, "currency": sheet.currency})
    return render(
        request,
        "studio/catalog/sheet.html",
        {
            "sheet": sheet,
            "form": form,
            "products": list(selectors.sheet_products(sheet)),
            "packages": list(selectors.sheet_packages(sheet)),
            "markup_form": markup_form or MarkupForm(),
            "gallery_count": sheet.galleries.count(),
            "unsold": list(selectors.galleries_without_sheet(request.user).only("title")),
            "shipping_gaps": print_sales_without_shipping_for_sheet(sheet),
        },
    )


@photographer_required
def sheet_detail(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    form = SheetForm(request.POST or None, initial={"name": sheet.name, "currency": sheet.currency})
    if save_form(form, lambda data: sheets.price_sheet_update(sheet=sheet, **data), reload=sheet):
        messages.success(request, "Price sheet saved.")
        return redirect(_sheet_url(sheet))
    return _sheet_page(request, sheet, form=form)


@require_POST
@photographer_required
def sheet_apply(request, sheet_id):
    """Sell from this sheet in every gallery of the photographer that sells nothing."""
    sheet = _sheet(request, sheet_id)
    applied = sheets.price_sheet_apply_to_galleries(sheet=sheet)
    if applied:
        verb = "sells" if applied == 1 else "sell"
        messages.success(request, f"{_galleries(applied)} now {verb} from “{sheet.name}”.")
    else:
        messages.info(request, "Every gallery already sells from a price sheet.")
    return redirect(_sheet_url(sheet))


@require_POST
@photographer_required
def sheet_default(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    on = request.POST.get("default", "1") != "0"

    def choose() -> str:
        sheets.price_sheet_update(sheet=sheet, is_default=on)
        if on:
            return f"New galleries now sell from “{sheet.name}”."
        return (
            f"“{sheet.name}” is no longer the default: new galleries sell nothing until you "
            "choose a sheet."
        )

    return run_action(request, choose, back_to=_sheet_url(sheet))


@require_POST
@photographer_required
def sheet_duplicate(request, sheet_id):
    copy = sheets.price_sheet_duplicate(sheet=_sheet(request, sheet_id))
    messages.success(request, f"Made a copy: “{copy.name}”.")
    return redirect(_sheet_url(copy))


@require_POST
@photographer_required
def sheet_delete(request, sheet_id):
    sheet = _sheet(request, sheet_id)

    def delete() -> str:
        sheets.price_sheet_delete(sheet=sheet)
        return f"Deleted the price sheet “{sheet.name}”."

    return run_action(
        request, delete, back_to=reverse("studio:price_sheets"), refused_to=_sheet_url(sheet)
    )


@require_POST
@photographer_required
def sheet_markup(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    form = MarkupForm(request.POST)

    def markup(data) -> int:
        return sheets.price_sheet_markup(sheet=sheet, **{data["mode"]: data["value"]})

    changed = save_form(form, markup)
    if changed is None:
        return _sheet_page(request, sheet, markup_form=form)
    messages.success(request, f"Changed {changed} price{'' if changed == 1 else 's'}.")
    return redirect(_sheet_url(sheet))


# --- products and options ------------------------------------------------------------------------


@photographer_required
def product_create(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    kind = request.GET.get("kind") or request.POST.get("kind")
    if kind not in ProductKind.values:
        kind = ProductKind.PRINT
    form = ProductForm(request.POST or None, kind=kind)

    def create(_data) -> Product:
        return products.product_create(sheet=sheet, **form.service_fields())

    product = save_form(form, create)
    if product:
        messages.success(request, f"Added “{product.name}”.")
        if kind == ProductKind.PRINT:  # prints usually get options next
            return redirect("studio:product", product_id=product.public_id)
        return redirect(_sheet_url(sheet, "products"))
    return render(
        request,
        "studio/catalog/product_form.html",
        {"sheet": sheet, "form": form, "kind": kind, "creating": True},
    )


def _product_page(request, product: Product, *, form=None, option_form=None):
    """The product's page: its form, its options, its groups and the form that adds an option."""
    initial = ProductForm.initial_for(product)
    return render(
        request,
        "studio/catalog/product_form.html",
        {
            "sheet": product.sheet,
            "product": product,
            "form": form or ProductForm(kind=product.kind, initial=initial),
            "kind": product.kind,
            "options": list(product.options.all()),
            "groups": selectors.option_groups(product),
            "option_form": option_form or OptionForm(initial={"price_delta": "0"}),
        },
    )


@photographer_required
def product_edit(request, product_id):
    product = _product(request, product_id)
    form = ProductForm(
        request.POST or None, kind=product.kind, initial=ProductForm.initial_for(product)
    )

    def update(_data) -> Product:
        return products.product_update(product=product, **form.service_fields())

    if save_form(form, update, reload=product):
        messages.success(request, f"Saved “{product.name}”.")
        return redirect(_sheet_url(product.sheet, "products"))
    return _product_page(request, product, form=form)


@require_POST
@photographer_required
def product_toggle(request, product_id):
    product = _product(request, product_id)

    def toggle() -> str:
        products.product_update(product=product, active=not product.active)
        state = "on sale" if product.active else "off sale (clients no longer see it)"
        return f"“{product.name}” is {state}."

    return run_action(
        request,
        toggle,
        back_to=_sheet_url(product.sheet, "products"),
        refused=f"“{product.name}” needs fixing first: ",
    )


@require_POST
@photographer_required
def product_delete(request, product_id):
    product = _product(request, product_id)

    def delete() -> str:
        products.product_delete(product=product)
        return f"Removed “{product.name}”."

    return run_action(request, delete, back_to=_sheet_url(product.sheet, "products"))


@require_POST
@photographer_required
def option_add(request, product_id):
    product = _product(request, product_id)
    form = OptionForm(request.POST)
    option = save_form(form, lambda data: products.option_add(product=product, **data))
    if option is None:
        return _product_page(request, product, option_form=form)
    messages.success(request, f"Added “{option}”.")
    return redirect(_product_url(product))


@require_POST
@photographer_required
def option_groups(request, product_id):
    """Mark which of the product's option groups a client may leave unchosen."""
    product = _product(request, product_id)

    def mark() -> str:
        optional = request.POST.getlist("optional_groups")
        products.product_update(product=product, optional_groups=optional)
        names = ", ".join(product.optional_groups)
        return f"Optional: {names}." if names else "Clients choose one option of each group."

    return run_action(request, mark, back_to=_product_url(product))


@require_POST
@photographer_required
def option_remove(request, option_id):
    option = found(selectors.option_get_owned(request.user, option_id), "option")
    products.option_remove(option=option)
    messages.success(request, f"Removed “{option}”.")
    return redirect(_product_url(option.product))


# --- packages ------------------------------------------------------------------------------------


def _package_page(request, sheet: PriceSheet, package: Package | None = None):
    sheet_products = list(selectors.sheet_products(sheet))
    downloads = [p for p in sheet_products if p.kind == ProductKind.DIGITAL]
    initial, quantities = None, {}
    if package is not None:
        initial = {
            "name": package.name,
            "price": quantize(package.price, sheet.currency),
            "whole_gallery": str(package.whole_gallery.public_id) if package.whole_gallery else "",
            "active": package.active,
        }
        quantities = {item.product_id: item.quantity for item in package.items.all()}
    form = PackageForm(request.POST or None, initial=initial, downloads=downloads)
    rows = []
    for product in sheet_products:
        key = f"qty-{product.public_id}"
        value = request.POST.get(key, "") if form.is_bound else quantities.get(product.pk, "")
        rows.append({"product": product, "key": key, "value": value})
    # An empty cell or 0: the product is not in the package.
    items = [
        (row["product"].public_id, str(row["value"]).strip())
        for row in rows
        if str(row["value"]).strip() not in ("", "0")
    ]

    def save(data):
        fields = data | {"items": items}
        if package is None:
            return packages.package_create(sheet=sheet, **fields)
        return packages.package_update(package=package, **fields)

    saved = save_form(form, save, reload=package)  # `items` errors show above the form
    if saved:
        messages.success(request, f"Saved the package “{saved.name}”.")
        return redirect(_sheet_url(sheet, "packages"))
    return render(
        request,
        "studio/catalog/package_form.html",
        {"sheet": sheet, "package": package, "form": form, "rows": rows},
    )


@photographer_required
def package_create(request, sheet_id):
    return _package_page(request, _sheet(request, sheet_id))


@photographer_required
def package_edit(request, package_id):
    package = found(selectors.package_get_owned(request.user, package_id), "package")
    return _package_page(request, package.sheet, package)


@require_POST
@photographer_required
def package_delete(request, package_id):
    package = found(selectors.package_get_owned(request.user, package_id), "package")
    packages.package_delete(package=package)
    messages.success(request, f"Deleted the package “{package.name}”.")
    return redirect(_sheet_url(package.sheet, "packages"))


# --- per-photo prices ----------------------------------------------------------------------------


@require_POST
@photographer_required
def photo_prices(request, photo_id):
    """Set (a price) or clear (empty) this photo's own price of each product of its sheet."""
    photo = owned_photo(request, photo_id)
    back = reverse("studio:photo", kwargs={"photo_id": photo.public_id})
    sheet, rows = selectors.photo_price_table(photo)
    if sheet is None:
        messages.error(request, "This gallery has no price sheet.")
        return redirect(back)
    keys = {row.product.public_id: f"price-{row.product.public_id}" for row in rows}
    prices = {pid: request.POST[key] for pid, key in keys.items() if key in request.POST}

    def save() -> str:
        products.photo_prices_set(photo=photo, prices=prices)
        return "Prices for this photo saved."

    return run_action(request, save, back_to=f"{back}#prices", refused="Prices not saved: ")


def photo_price_rows(photo) -> tuple[PriceSheet | None, list[dict]]:
    """The photo page's price table: each product of the gallery's sheet and this photo's price."""
    sheet, rows = selectors.photo_price_table(photo)
    if sheet is None:
        return None, []
    return sheet, [
        {
            "product": row.product,
            "key": f"price-{row.product.public_id}",
            "sheet_price": format_amount(row.sheet_price, sheet.currency),
            "override": row.override,
        }
        for row in rows
    ]
