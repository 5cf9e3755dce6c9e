from django.urls import path

from proofsheet.storefront import cart_views, order_views, payment_views, pwa
from proofsheet.storefront import gallery_views as views
from proofsheet.storefront.views import portfolio

app_name = "storefront"

gallery = "g/<uuid:gallery_id>/"
photo = gallery + "p/<uuid:photo_id>/"

urlpatterns = [
    path("access/", views.code_entry, name="code_entry"),
    path("photographers/<uuid:user_id>/", portfolio, name="portfolio"),
    path(gallery, views.gallery, name="gallery"),
    path(gallery + "unlock/", views.unlock, name="unlock"),
    path(gallery + "email/", views.email_gate, name="email_gate"),
    path(gallery + "qr/", views.qr_page, name="qr"),
    path(gallery + "qr.svg", views.qr_svg, name="qr_svg"),
    path(gallery + "favourites/", views.favourites, name="favourites"),
    path(gallery + "favourites/lists/", views.list_create, name="list_create"),
    path(gallery + "favourites/submit/", views.selection_submit, name="selection_submit"),
    path(gallery + "download-pin/", views.download_pin, name="download_pin"),
    path(gallery + "download-all/", views.download_all, name="download_all"),
    path(gallery + "buy-all/", cart_views.cart_package_add, name="cart_package_add"),
    path(photo, views.photo, name="photo"),
    path(photo + "info/", views.photo_info, name="photo_info"),
    path(photo + "favourite/", views.favourite, name="favourite"),
    path(photo + "comments/", views.comment_add, name="comment_add"),
    path(photo + "download/", views.download, name="download"),
    path(photo + "price/", cart_views.price_quote, name="price_quote"),
    path(photo + "buy/", cart_views.cart_add, name="cart_add"),
    path("cart/", cart_views.cart, name="cart"),
    path("cart/lines/<uuid:line_id>/", cart_views.cart_line, name="cart_line"),
    path("cart/code/", cart_views.cart_code, name="cart_code"),
    path("checkout/", cart_views.checkout, name="checkout"),
    path("checkout/done/<uuid:order_id>/", cart_views.checkout_done, name="checkout_done"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    # Orders: `ref` is a signed order link, or the order's id for its signed-in buyer.
    path("orders/", order_views.my_orders, name="my_orders"),
    path("orders/<str:ref>/", order_views.order, name="order"),
    path("orders/<str:ref>/pay/", payment_views.order_pay, name="order_pay"),
    path("orders/<str:ref>/pay/setup/", payment_views.order_pay_setup, name="order_pay_setup"),
    path("orders/<str:ref>/pay/return/", payment_views.order_pay_return, name="order_pay_return"),
    path(
        "cards/<str:method_id>/remove/",
        payment_views.saved_card_remove,
        name="saved_card_remove",
    ),
    path(
        "payments/webhook/<slug:provider>/",
        payment_views.payment_webhook,
        name="payment_webhook",
    ),
    path(
        "orders/<str:ref>/downloads/<uuid:grant_id>/",
        order_views.order_download,
        name="order_download",
    ),
    path("orders/<str:ref>/downloads.zip", order_views.order_download_all, name="order_zip"),
    path("downloads/<str:token>/", order_views.grant_download, name="grant_download"),
]
