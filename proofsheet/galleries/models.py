"""Galleries, sets (albums) inside them, photos and their renditions, watermark settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from proofsheet.core.models import PublicIdModel


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    UNLISTED = "unlisted", "Unlisted (anyone with the link)"
    PRIVATE = "private", "Private (access code)"


class PhotoOrder(models.TextChoices):
    CAPTURED = "captured", "Capture time"
    FILENAME = "filename", "File name"
    UPLOADED = "uploaded", "Upload order"
    CUSTOM = "custom", "Custom (drag and drop)"


class Layout(models.TextChoices):
    JUSTIFIED = "justified", "Justified rows"
    MASONRY = "masonry", "Masonry columns"
    GRID = "grid", "Square grid"


class Gallery(PublicIdModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="galleries"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    event_date = models.DateField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    photo_order = models.CharField(
        max_length=10, choices=PhotoOrder.choices, default=PhotoOrder.CAPTURED
    )
    cover_photo = models.ForeignKey(
        "Photo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    layout = models.CharField(max_length=10, choices=Layout.choices, default=Layout.JUSTIFIED)
    # Private galleries: a client code (full rights) and an optional guest code (view only),
    # stored as keyed hashes, never in clear. Rotating either revokes every access granted so far.
    client_code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    guest_code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    codes_rotated_at = models.DateTimeField(null=True, blank=True)
    # Mixed into rendition URLs; a new salt on rotation moves every rendition to new URLs, so
    # links copied before the rotation stop working too.
    media_salt = models.CharField(max_length=16, blank=True)
    require_email = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    show_exif = models.BooleanField(default=True)
    # Free downloads: web-size (2048 px, no watermark) when enabled; originals only when allowed.
    downloads_enabled = models.BooleanField(default=False)
    originals_downloadable = models.BooleanField(default=False)
    download_pin_hash = models.CharField(max_length=64, blank=True)
    # Proofing rules for a submitted selection.
    selection_min = models.PositiveIntegerField(null=True, blank=True)
    selection_max = models.PositiveIntegerField(null=True, blank=True)
    selection_deadline = models.DateTimeField(null=True, blank=True)
    code_alert_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "galleries"

    def __str__(self) -> str:
        return self.title


class PhotoSet(PublicIdModel):
    """An album inside a gallery (shown as tabs to clients)."""

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="sets")
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gallery", "name"], name="photoset_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PhotoStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Photo(PublicIdModel):
    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="photos")
    photo_set = models.ForeignKey(
        PhotoSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos"
    )
    batch = models.ForeignKey(
        "UploadBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    # The original: a server-generated key in private storage; the client's name is metadata only.
    original_key = models.CharField(max_length=200, unique=True)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    format = models.CharField(max_length=10)
    status = models.CharField(
        max_length=12, choices=PhotoStatus.choices, default=PhotoStatus.UPLOADED
    )
    failure_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # What the photographer edits.
    title = models.CharField(max_length=200, blank=True)
    caption = models.TextField(blank=True)
    alt_text = models.CharField(max_length=300, blank=True)
    tags = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    show_location = models.BooleanField(default=False)
    # What processing finds.
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    exif = models.JSONField(default=dict, blank=True)
    gps_latitude = models.FloatField(null=True, blank=True)
    gps_longitude = models.FloatField(null=True, blank=True)
    placeholder = models.TextField(blank=True)
    palette = models.JSONField(default=list, blank=True)
    # Renditions live under an immutable, versioned prefix: a change (watermark, pipeline) makes a
    # new version, so URLs can be cached forever. {"preview": {"webp": key, "jpeg": key, "w": …}}
    rendition_version = models.CharField(max_length=32, blank=True)
    renditions = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # The same file twice in one gallery is reported as a duplicate, not stored twice.
            models.UniqueConstraint(fields=["gallery", "sha256"], name="photo_unique_in_gallery"),
        ]
        indexes = [
            models.Index(fields=["gallery", "status"]),
            models.Index(fields=["gallery", "captured_at", "id"]),
            models.Index(fields=["gallery", "position", "id"]),
            models.Index(fields=["gallery", "original_name", "id"]),
        ]

    def __str__(self) -> str:
        return self.title or self.original_name


class UploadBatch(PublicIdModel):
    """Photos uploaded together; the photographer is notified once all are processed."""

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="batches")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    closed = models.BooleanField(default=False)  # no more files will join
    notified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"batch {self.public_id}"


class WatermarkPosition(models.TextChoices):
    BOTTOM_RIGHT = "bottom-right", "Bottom right"
    BOTTOM_LEFT = "bottom-left", "Bottom left"
    TOP_RIGHT = "top-right", "Top right"
    TOP_LEFT = "top-left", "Top left"
    CENTER = "center", "Centre"
    TILED = "tiled", "Tiled"


class WatermarkSettings(PublicIdModel):
    """A photographer's watermark (gallery = None) or a gallery's override."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watermarks"
    )
    gallery = models.OneToOneField(
        Gallery, null=True, blank=True, on_delete=models.CASCADE, related_name="watermark"
    )
    enabled = models.BooleanField(default=True)
    text = models.CharField(max_length=100, blank=True)
    logo_key = models.CharField(max_length=200, blank=True)  # private storage
    position = models.CharField(
        max_length=12, choices=WatermarkPosition.choices, default=WatermarkPosition.BOTTOM_RIGHT
    )
    opacity = models.FloatField(default=0.35)
    size = models.FloatField(default=0.2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(gallery__isnull=True),
                name="watermark_one_default_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(opacity__gte=0, opacity__lte=1), name="watermark_opacity_range"
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=1), name="watermark_size_range"
            ),
        ]


# --- proofing ---------------------------------------------------------------------------


class GalleryVisitor(PublicIdModel):
    """Who favourites and comments in a gallery: a signed-in user or a guest known by email."""

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="visitors")
    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gallery", "email"], name="visitor_unique_email"),
        ]

    def __str__(self) -> str:
        return self.email


class FavouriteList(PublicIdModel):
    """A named list of picks; submitting it sends it to the photographer and locks it."""

    DEFAULT_NAME = "Favourites"  # the list the hearts fill unless the visitor picks another

    visitor = models.ForeignKey(GalleryVisitor, on_delete=models.CASCADE, related_name="lists")
    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE, related_name="lists")
    name = models.CharField(max_length=80)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visitor", "name"], name="list_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def locked(self) -> bool:
        return self.submitted_at is not None


class Favourite(models.Model):
    favourite_list = models.ForeignKey(
        FavouriteList, on_delete=models.CASCADE, related_name="items"
    )
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["favourite_list", "photo"], name="favourite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.favourite_list_id}:{self.photo_id}"


class PhotoComment(PublicIdModel):
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="comments")
    visitor = models.ForeignKey(GalleryVisitor, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(max_length=2000)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]
