"""The studio's catalogue: price sheets, products and options, packages, bulk markup, per-photo
prices, store settings and tax rules. Thin over `catalog.services` and `catalog.selectors`."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from proofsheet.catalog import selectors, services
from proofsheet.catalog.models import PriceSheet, ProductKind
from proofsheet.core.errors import DomainError, Invalid
from proofsheet.core.money import format_amount, quantize
from proofsheet.fulfillment.shipping import print_sales_without_shipping_for_sheet
from proofsheet.studio.catalog_forms import (
    MarkupForm,
    OptionForm,
    PackageForm,
    ProductForm,
    SheetCreateForm,
    SheetForm,
    StoreForm,
    TaxRuleForm,
)
from proofsheet.studio.common import owned_photo, photographer_required


def _found(obj, what: str):
    if obj is None:
        raise Http404(f"No such {what}")
    return obj


def _sheet(request, sheet_id) -> PriceSheet:
    return _found(selectors.sheet_get_owned(request.user, sheet_id), "price sheet")


def _to_sheet(sheet: PriceSheet, anchor: str = ""):
    response = redirect("studio:price_sheet", sheet_id=sheet.public_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# --- sheets --------------------------------------------------------------------------------------


@photographer_required
def sheet_list(request):
    form = SheetCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["start"] == "starter":
                sheet = services.price_sheet_starter(
                    owner=request.user, currency=data["currency"], name=data["name"]
                )
            else:
                sheet = services.price_sheet_create(
                    owner=request.user, name=data["name"], currency=data["currency"]
                )
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Created the price sheet “{sheet.name}”.")
            unsold = selectors.galleries_without_sheet(request.user).count()
            if unsold:  # the offer itself is on the sheet's page
                one = unsold == 1
                messages.info(
                    request,
                    f"{_galleries(unsold)} of yours {'sells' if one else 'sell'} nothing yet: "
                    f"you can use this sheet for {'it' if one else 'them'} below.",
                )
            return _to_sheet(sheet)
    return render(
        request,
        "studio/catalog/sheets.html",
        {"sheets": selectors.sheets_owned_by(request.user), "form": form},
    )


@photographer_required
def sheet_detail(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    form = SheetForm(request.POST or None, initial={"name": sheet.name, "currency": sheet.currency})
    if request.method == "POST" and form.is_valid():
        try:
            services.price_sheet_update(sheet=sheet, **form.cleaned_data)
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Price sheet saved.")
            return _to_sheet(sheet)
    products = list(selectors.sheet_products(sheet))
    return render(
        request,
        "studio/catalog/sheet.html",
        {
            "sheet": sheet,
            "form": form,
            "products": products,
            "packages": list(selectors.sheet_packages(sheet)),
            "markup_form": MarkupForm(),
            "gallery_count": sheet.galleries.count(),
            "unsold": list(selectors.galleries_without_sheet(request.user).only("title")),
            "shipping_gaps": print_sales_without_shipping_for_sheet(sheet),
        },
    )


def _galleries(count: int) -> str:
    return f"{count} galler{'y' if count == 1 else 'ies'}"


@require_POST
@photographer_required
def sheet_apply(request, sheet_id):
    """Sell from this sheet in every gallery of the photographer that sells nothing."""
    sheet = _sheet(request, sheet_id)
    applied = services.price_sheet_apply_to_galleries(sheet=sheet)
    if applied:
        verb = "sells" if applied == 1 else "sell"
        messages.success(request, f"{_galleries(applied)} now {verb} from “{sheet.name}”.")
    else:
        messages.info(request, "Every gallery already sells from a price sheet.")
    return _to_sheet(sheet)


@require_POST
@photographer_required
def sheet_default(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    on = request.POST.get("default", "1") != "0"
    services.price_sheet_set_default(sheet=sheet, is_default=on)
    messages.success(
        request,
        f"New galleries now sell from “{sheet.name}”."
        if on
        else f"“{sheet.name}” is no longer the default: new galleries sell nothing until you "
        "choose a sheet.",
    )
    return _to_sheet(sheet)


@require_POST
@photographer_required
def sheet_duplicate(request, sheet_id):
    copy = services.price_sheet_duplicate(sheet=_sheet(request, sheet_id))
    messages.success(request, f"Made a copy: “{copy.name}”.")
    return _to_sheet(copy)


@require_POST
@photographer_required
def sheet_delete(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    try:
        services.price_sheet_delete(sheet=sheet)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _to_sheet(sheet)
    messages.success(request, f"Deleted the price sheet “{sheet.name}”.")
    return redirect("studio:price_sheets")


@require_POST
@photographer_required
def sheet_markup(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    form = MarkupForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how to change the prices and give a number.")
        return _to_sheet(sheet, "markup")
    mode, value = form.cleaned_data["mode"], form.cleaned_data["value"]
    try:
        changed = services.price_sheet_markup(sheet=sheet, **{mode: value})
    except DomainError as exc:
        messages.error(request, exc.message)
        return _to_sheet(sheet, "markup")
    messages.success(request, f"Changed {changed} price{'' if changed == 1 else 's'}.")
    return _to_sheet(sheet)


# --- products and options ------------------------------------------------------------------------


@photographer_required
def product_create(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    kind = request.GET.get("kind") or request.POST.get("kind")
    if kind not in ProductKind.values:
        kind = ProductKind.PRINT
    form = ProductForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(sheet=sheet, **form.service_fields())
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Added “{product.name}”.")
            if kind == ProductKind.PRINT:  # prints usually get options next
                return redirect("studio:product", product_id=product.public_id)
            return _to_sheet(sheet, "products")
    return render(
        request,
        "studio/catalog/product_form.html",
        {"sheet": sheet, "form": form, "kind": kind, "creating": True},
    )


@photographer_required
def product_edit(request, product_id):
    product = _found(selectors.product_get_owned(request.user, product_id), "product")
    sheet = product.sheet
    form = ProductForm(
        request.POST or None, kind=product.kind, initial=ProductForm.initial_for(product)
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.product_update(product=product, **form.service_fields())
        except DomainError as exc:
            product.refresh_from_db()
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Saved “{product.name}”.")
            return _to_sheet(sheet, "products")
    return render(
        request,
        "studio/catalog/product_form.html",
        {
            "sheet": sheet,
            "product": product,
            "form": form,
            "kind": product.kind,
            "options": list(product.options.all()),
            "groups": selectors.option_groups(product),
            "option_form": OptionForm(initial={"price_delta": "0"}),
        },
    )


@require_POST
@photographer_required
def product_toggle(request, product_id):
    product = _found(selectors.product_get_owned(request.user, product_id), "product")
    try:
        services.product_update(product=product, active=not product.active)
    except DomainError as exc:
        messages.error(request, f"“{product.name}” needs fixing first: {exc.message}")
    else:
        state = "on sale" if product.active else "off sale (clients no longer see it)"
        messages.success(request, f"“{product.name}” is {state}.")
    return _to_sheet(product.sheet, "products")


@require_POST
@photographer_required
def product_delete(request, product_id):
    product = _found(selectors.product_get_owned(request.user, product_id), "product")
    try:
        services.product_delete(product=product)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Removed “{product.name}”.")
    return _to_sheet(product.sheet, "products")


@require_POST
@photographer_required
def option_add(request, product_id):
    product = _found(selectors.product_get_owned(request.user, product_id), "product")
    form = OptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "An option needs a group and a choice.")
    else:
        try:
            option = services.option_add(product=product, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Added “{option}”.")
    response = redirect("studio:product", product_id=product.public_id)
    response["Location"] += "#options"
    return response


@require_POST
@photographer_required
def option_groups(request, product_id):
    """Mark which of the product's option groups a client may leave unchosen."""
    product = _found(selectors.product_get_owned(request.user, product_id), "product")
    try:
        product = services.product_update(
            product=product, optional_groups=request.POST.getlist("optional_groups")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        optional = ", ".join(product.optional_groups)
        messages.success(
            request,
            f"Optional: {optional}." if optional else "Clients choose one option of each group.",
        )
    response = redirect("studio:product", product_id=product.public_id)
    response["Location"] += "#options"
    return response


@require_POST
@photographer_required
def option_remove(request, option_id):
    option = _found(selectors.option_get_owned(request.user, option_id), "option")
    services.option_remove(option=option)
    messages.success(request, f"Removed “{option}”.")
    response = redirect("studio:product", product_id=option.product.public_id)
    response["Location"] += "#options"
    return response


# --- packages ------------------------------------------------------------------------------------


def _package_page(request, sheet, package=None):
    products = list(selectors.sheet_products(sheet))
    downloads = [p for p in products if p.kind == ProductKind.DIGITAL]
    initial = None
    quantities = {}
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
    for product in products:
        key = f"qty-{product.public_id}"
        value = (
            request.POST.get(key, "")
            if request.method == "POST"
            else quantities.get(product.pk, "")
        )
        rows.append({"product": product, "key": key, "value": value})
    if request.method == "POST" and form.is_valid():
        items, bad = [], False
        for row in rows:
            raw = str(row["value"]).strip()
            if not raw or raw == "0":
                continue
            if not raw.isdigit():
                bad = True
                continue
            items.append((row["product"], int(raw)))
        whole_id = form.cleaned_data["whole_gallery"]
        whole = selectors.product_get_in_sheet(sheet, whole_id) if whole_id else None
        fields = {
            "name": form.cleaned_data["name"],
            "price": form.cleaned_data["price"],
            "items": items,
            "whole_gallery": whole,
            "active": form.cleaned_data["active"],
        }
        try:
            if bad:
                raise Invalid({"items": "Quantities are whole numbers."})
            if package is None:
                package = services.package_create(sheet=sheet, **fields)
            else:
                services.package_update(package=package, **fields)
        except DomainError as exc:
            form.add_service_errors(exc)  # `items` is no form field: it shows above the form
        else:
            messages.success(request, f"Saved the package “{package.name}”.")
            return _to_sheet(sheet, "packages")
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
    package = _found(selectors.package_get_owned(request.user, package_id), "package")
    return _package_page(request, package.sheet, package)


@require_POST
@photographer_required
def package_delete(request, package_id):
    package = _found(selectors.package_get_owned(request.user, package_id), "package")
    services.package_delete(package=package)
    messages.success(request, f"Deleted the package “{package.name}”.")
    return _to_sheet(package.sheet, "packages")


# --- per-photo prices ----------------------------------------------------------------------------


@require_POST
@photographer_required
def photo_prices(request, photo_id):
    """Set (a price) or clear (empty) this photo's own price of each product of its sheet."""
    photo = owned_photo(request, photo_id)
    sheet = selectors.sheet_for_gallery(photo.gallery)
    if sheet is None:
        messages.error(request, "This gallery has no price sheet.")
        return redirect("studio:photo", photo_id=photo.public_id)
    try:
        with transaction.atomic():
            for product in selectors.sheet_products(sheet):
                key = f"price-{product.public_id}"
                if key not in request.POST:
                    continue
                value = request.POST[key].strip()
                if value:
                    services.photo_price_set(product=product, photo=photo, price=value)
                else:
                    services.photo_price_clear(product=product, photo=photo)
    except DomainError as exc:
        messages.error(request, f"Prices not saved: {exc.message}")
    else:
        messages.success(request, "Prices for this photo saved.")
    response = redirect("studio:photo", photo_id=photo.public_id)
    response["Location"] += "#prices"
    return response


def photo_price_rows(photo) -> tuple[PriceSheet | None, list[dict]]:
    """The photo page's price table: each product of the gallery's sheet and this photo's price."""
    sheet = selectors.sheet_for_gallery(photo.gallery)
    if sheet is None:
        return None, []
    overrides = selectors.photo_prices(photo)
    return sheet, [
        {
            "product": product,
            "key": f"price-{product.public_id}",
            "sheet_price": format_amount(product.price, sheet.currency),
            "override": overrides.get(product.pk),
        }
        for product in selectors.sheet_products(sheet)
    ]


# --- store settings and tax rules ----------------------------------------------------------------


@photographer_required
def store(request):
    current = selectors.store_settings_for(request.user)
    form = StoreForm(
        request.POST or None,
        initial={
            "prices_include_tax": current.prices_include_tax,
            "payment_instructions": current.payment_instructions,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.store_settings_update(owner=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Store settings saved.")
            return redirect("studio:store")
    return render(
        request,
        "studio/catalog/store.html",
        {
            "form": form,
            "rules": selectors.tax_rules_of(request.user),
            "rule_form": TaxRuleForm(prefix="rule"),
        },
    )


@require_POST
@photographer_required
def tax_rule_create(request):
    form = TaxRuleForm(request.POST, prefix="rule")
    if form.is_valid():
        try:
            rule = services.tax_rule_create(owner=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, f"Tax rule not added: {exc.message}")
        else:
            messages.success(request, f"Added the tax rule for {rule}.")
    else:
        errors = [f"{form.fields[k].label or k}: {' '.join(v)}" for k, v in form.errors.items()]
        messages.error(request, "Tax rule not added: " + "; ".join(errors))
    response = redirect("studio:store")
    response["Location"] += "#tax"
    return response


@photographer_required
def tax_rule_edit(request, rule_id):
    rule = _found(selectors.tax_rule_get_owned(request.user, rule_id), "tax rule")
    form = TaxRuleForm(
        request.POST or None,
        initial={
            "country": rule.country,
            "region": rule.region,
            "physical_rate": f"{rule.physical_rate.normalize():f}",
            "digital_rate": f"{rule.digital_rate.normalize():f}",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tax_rule_update(rule=rule, **form.cleaned_data)
        except DomainError as exc:
            rule.refresh_from_db()
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Saved the tax rule for {rule}.")
            response = redirect("studio:store")
            response["Location"] += "#tax"
            return response
    return render(request, "studio/catalog/tax_rule_form.html", {"rule": rule, "form": form})


@require_POST
@photographer_required
def tax_rule_delete(request, rule_id):
    rule = _found(selectors.tax_rule_get_owned(request.user, rule_id), "tax rule")
    services.tax_rule_delete(rule=rule)
    messages.success(request, f"Deleted the tax rule for {rule}.")
    response = redirect("studio:store")
    response["Location"] += "#tax"
    return response
