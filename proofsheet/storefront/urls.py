from django.urls import path

from proofsheet.storefront import gallery_views as views
from proofsheet.storefront import pwa
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
    path(photo, views.photo, name="photo"),
    path(photo + "info/", views.photo_info, name="photo_info"),
    path(photo + "favourite/", views.favourite, name="favourite"),
    path(photo + "comments/", views.comment_add, name="comment_add"),
    path(photo + "download/", views.download, name="download"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
]
