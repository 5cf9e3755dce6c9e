from django.urls import path

from proofsheet.studio import (
    catalog_views,
    money_views,
    order_views,
    payout_views,
    store_views,
    views,
)

app_name = "studio"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Marketplace mode: connect a Stripe account to be paid (payout_views).
    path("get-paid/", payout_views.payouts, name="payouts"),
    path("get-paid/connect/", payout_views.payouts_connect, name="payouts_connect"),
    path("get-paid/refresh/", payout_views.payouts_refresh, name="payouts_refresh"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("watermark/", views.watermark, name="watermark"),
    path("galleries/new/", views.gallery_create, name="gallery_create"),
    path("galleries/<uuid:gallery_id>/", views.gallery_detail, name="gallery"),
    path("galleries/<uuid:gallery_id>/edit/", views.gallery_edit, name="gallery_edit"),
    path("galleries/<uuid:gallery_id>/delete/", views.gallery_delete, name="gallery_delete"),
    path(
        "galleries/<uuid:gallery_id>/access-code/",
        views.gallery_rotate_code,
        name="gallery_rotate_code",
    ),
    path(
        "galleries/<uuid:gallery_id>/guest-code/",
        views.gallery_guest_code,
        name="gallery_guest_code",
    ),
    path(
        "galleries/<uuid:gallery_id>/guest-code/remove/",
        views.gallery_guest_code_remove,
        name="gallery_guest_code_remove",
    ),
    path(
        "galleries/<uuid:gallery_id>/download-pin/",
        views.gallery_download_pin,
        name="gallery_download_pin",
    ),
    path("galleries/<uuid:gallery_id>/selections/", views.selections, name="selections"),
    path(
        "galleries/<uuid:gallery_id>/selections/<uuid:list_id>/export.csv",
        views.selection_export,
        name="selection_export",
    ),
    path(
        "galleries/<uuid:gallery_id>/selections/<uuid:list_id>/reopen/",
        views.selection_reopen,
        name="selection_reopen",
    ),
    path("galleries/<uuid:gallery_id>/watermark/", views.watermark, name="gallery_watermark"),
    path("galleries/<uuid:gallery_id>/photos/", views.gallery_photos, name="gallery_photos"),
    path("galleries/<uuid:gallery_id>/photos/bulk/", views.photos_bulk, name="photos_bulk"),
    path("galleries/<uuid:gallery_id>/photos/order/", views.photos_reorder, name="photos_reorder"),
    path("galleries/<uuid:gallery_id>/sets/", views.set_create, name="set_create"),
    path(
        "galleries/<uuid:gallery_id>/sets/<uuid:set_id>/rename/",
        views.set_rename,
        name="set_rename",
    ),
    path(
        "galleries/<uuid:gallery_id>/sets/<uuid:set_id>/delete/",
        views.set_delete,
        name="set_delete",
    ),
    path("galleries/<uuid:gallery_id>/batches/", views.batch_start, name="batch_start"),
    path(
        "galleries/<uuid:gallery_id>/batches/<uuid:batch_id>/done/",
        views.batch_finish,
        name="batch_finish",
    ),
    path("galleries/<uuid:gallery_id>/uploads/", views.tus_endpoint, name="tus"),
    path(
        "galleries/<uuid:gallery_id>/uploads/<uuid:upload_id>/",
        views.tus_endpoint,
        name="tus_upload",
    ),
    path("photos/<uuid:photo_id>/", views.photo_edit, name="photo"),
    path("photos/<uuid:photo_id>/retry/", views.photo_retry, name="photo_retry"),
    path("photos/<uuid:photo_id>/position/", views.photo_position, name="photo_position"),
    path("photos/<uuid:photo_id>/delete/", views.photo_delete, name="photo_delete"),
    # Price sheets, products, options, packages and photo prices (catalog_views).
    path("prices/", catalog_views.sheet_list, name="price_sheets"),
    path("prices/<uuid:sheet_id>/", catalog_views.sheet_detail, name="price_sheet"),
    path(
        "prices/<uuid:sheet_id>/default/", catalog_views.sheet_default, name="price_sheet_default"
    ),
    path(
        "prices/<uuid:sheet_id>/duplicate/",
        catalog_views.sheet_duplicate,
        name="price_sheet_duplicate",
    ),
    path("prices/<uuid:sheet_id>/delete/", catalog_views.sheet_delete, name="price_sheet_delete"),
    path(
        "prices/<uuid:sheet_id>/apply-to-galleries/",
        catalog_views.sheet_apply,
        name="price_sheet_apply",
    ),
    path("prices/<uuid:sheet_id>/markup/", catalog_views.sheet_markup, name="price_sheet_markup"),
    path(
        "prices/<uuid:sheet_id>/products/new/", catalog_views.product_create, name="product_create"
    ),
    path(
        "prices/<uuid:sheet_id>/packages/new/", catalog_views.package_create, name="package_create"
    ),
    path("products/<uuid:product_id>/", catalog_views.product_edit, name="product"),
    path("products/<uuid:product_id>/active/", catalog_views.product_toggle, name="product_toggle"),
    path("products/<uuid:product_id>/delete/", catalog_views.product_delete, name="product_delete"),
    path("products/<uuid:product_id>/options/", catalog_views.option_add, name="option_add"),
    path(
        "products/<uuid:product_id>/option-groups/",
        catalog_views.option_groups,
        name="option_groups",
    ),
    path("options/<uuid:option_id>/delete/", catalog_views.option_remove, name="option_remove"),
    path("packages/<uuid:package_id>/", catalog_views.package_edit, name="package"),
    path("packages/<uuid:package_id>/delete/", catalog_views.package_delete, name="package_delete"),
    path("photos/<uuid:photo_id>/prices/", catalog_views.photo_prices, name="photo_prices"),
    # The seller's store: settings, tax rules, discount codes and shipping (store_views).
    path("store/", store_views.store_settings, name="store"),
    path("store/tax-rules/", store_views.tax_rule_create, name="tax_rule_create"),
    path("store/tax-rules/<uuid:rule_id>/", store_views.tax_rule_edit, name="tax_rule"),
    path(
        "store/tax-rules/<uuid:rule_id>/delete/",
        store_views.tax_rule_delete,
        name="tax_rule_delete",
    ),
    path("orders/", order_views.orders, name="orders"),
    path("orders/export.csv", order_views.orders_export, name="orders_export"),
    path("orders/<uuid:order_id>/", order_views.order_detail, name="order"),
    path("orders/<uuid:order_id>/paid/", order_views.order_mark_paid, name="order_mark_paid"),
    path("orders/<uuid:order_id>/ship/", order_views.order_ship, name="order_ship"),
    path("orders/<uuid:order_id>/complete/", order_views.order_complete, name="order_complete"),
    path("orders/<uuid:order_id>/cancel/", order_views.order_cancel, name="order_cancel"),
    path("orders/<uuid:order_id>/refund/", order_views.order_refund, name="order_refund"),
    path(
        "orders/<uuid:order_id>/downloads/<uuid:grant_id>/reissue/",
        order_views.grant_reissue,
        name="order_grant_reissue",
    ),
    # Money: the photographer's ledger, the platform's totals for staff (money_views).
    path("ledger/", money_views.ledger, name="ledger"),
    path("ledger.csv", money_views.ledger_export, name="ledger_export"),
    path("platform/payments/", money_views.platform, name="platform_totals"),
    # Discount codes and shipping (store_views).
    path("discounts/", store_views.discount_list, name="discounts"),
    path("discounts/new/", store_views.discount_create, name="discount_create"),
    path("discounts/<uuid:discount_id>/", store_views.discount_edit, name="discount"),
    path(
        "discounts/<uuid:discount_id>/active/",
        store_views.discount_toggle,
        name="discount_toggle",
    ),
    path(
        "discounts/<uuid:discount_id>/delete/",
        store_views.discount_delete,
        name="discount_delete",
    ),
    path("shipping/", store_views.shipping_list, name="shipping"),
    path("shipping/<uuid:method_id>/", store_views.shipping_method_edit, name="shipping_method"),
    path(
        "shipping/<uuid:method_id>/delete/",
        store_views.shipping_method_delete,
        name="shipping_method_delete",
    ),
    path(
        "shipping/<uuid:method_id>/rates/",
        store_views.shipping_rate_create,
        name="shipping_rate_create",
    ),
    path("shipping/rates/<uuid:rate_id>/", store_views.shipping_rate_edit, name="shipping_rate"),
    path(
        "shipping/rates/<uuid:rate_id>/delete/",
        store_views.shipping_rate_delete,
        name="shipping_rate_delete",
    ),
]
