from django.urls import path

from proofsheet.studio import views

app_name = "studio"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
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
]
