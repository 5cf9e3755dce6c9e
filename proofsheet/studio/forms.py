from django import forms
from django.core.validators import MinValueValidator, RegexValidator
from django.utils import timezone

from proofsheet.catalog import selectors as catalog_selectors
from proofsheet.catalog.models import PriceSheet
from proofsheet.core.web import ServiceErrorsMixin
from proofsheet.galleries.models import (
    Gallery,
    WatermarkPosition,
)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def datetime_local() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


class GalleryForm(ServiceErrorsMixin, forms.ModelForm):
    # Groups of fields, in order, as the form page shows them.
    GROUPS = (
        ("Gallery", ["title", "description", "event_date", "location"]),
        ("Who can see it", ["visibility", "require_email", "expires_at"]),
        ("How it looks", ["layout", "photo_order", "show_exif"]),
        ("Downloads", ["downloads_enabled", "originals_downloadable"]),
        ("Client selection", ["selection_min", "selection_max", "selection_deadline"]),
        ("Store", ["price_sheet"]),
    )

    # Not a Gallery field: flows.galleries hands it to catalog.sheets.gallery_pricing_set.
    price_sheet = forms.ModelChoiceField(
        queryset=PriceSheet.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="None — this gallery sells nothing",
        label="Price sheet",
        help_text="What clients can buy in this gallery. Manage sheets under Price sheets.",
    )

    class Meta:
        model = Gallery
        fields = [
            "title",
            "description",
            "event_date",
            "location",
            "visibility",
            "require_email",
            "expires_at",
            "layout",
            "photo_order",
            "show_exif",
            "downloads_enabled",
            "originals_downloadable",
            "selection_min",
            "selection_max",
            "selection_deadline",
        ]
        widgets = {
            "event_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "visibility": forms.RadioSelect,
            "layout": forms.RadioSelect,
            "expires_at": datetime_local(),
            "selection_deadline": datetime_local(),
        }
        labels = {
            "photo_order": "Sort photos by",
            "require_email": "Ask visitors for their email first",
            "expires_at": "Close the gallery on",
            "show_exif": "Show camera details",
            "downloads_enabled": "Free downloads",
            "originals_downloadable": "Originals too",
            "selection_min": "Minimum picks",
            "selection_max": "Maximum picks",
            "selection_deadline": "Selection deadline",
        }
        help_texts = {
            "layout": "How clients see the photos: rows that keep each photo's shape, "
            "columns, or even squares.",
            "require_email": "Visitors give their email before they see the photos, so you "
            "know who looked and their favourites are kept for them.",
            "expires_at": "From then on clients see a “gallery closed” page; you still see "
            "everything. Leave empty to keep it open.",
            "show_exif": "Let clients see the camera, lens and exposure of each photo.",
            "downloads_enabled": "Clients can download web-size copies (2048 px, no "
            "watermark) for free. Guests with a view-only code cannot.",
            "originals_downloadable": "Also let clients download the full-resolution originals "
            "(only while free downloads are on).",
            "selection_min": "Clients must pick at least this many photos to send their "
            "selection. Leave empty for no minimum.",
            "selection_max": "Clients may send at most this many photos. Leave empty for no limit.",
            "selection_deadline": "After this, clients can no longer send a selection. Leave "
            "empty for no deadline.",
        }

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owner is not None:
            self.fields["price_sheet"].queryset = catalog_selectors.sheets_owned_by(owner)
            if self.instance.pk:
                self.initial["price_sheet"] = catalog_selectors.sheet_for_gallery(self.instance)
            else:
                self.initial["price_sheet"] = catalog_selectors.sheet_default(owner)
        zone = timezone.get_current_timezone_name()
        for name in ("expires_at", "selection_deadline"):
            field = self.fields[name]
            field.help_text = f"{field.help_text} Time zone: {zone}."
        # Scripts and saved pages from before layouts send none: keep the current one.
        self.fields["layout"].required = False
        for name in ("selection_min", "selection_max"):
            self.fields[name].min_value = 1
            self.fields[name].widget.attrs["min"] = 1
            self.fields[name].validators.append(MinValueValidator(1))

    def clean_layout(self) -> str:
        return self.cleaned_data["layout"] or self.instance.layout

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]


class DownloadPinForm(forms.Form):
    pin = forms.CharField(
        label="Download PIN",
        min_length=4,
        max_length=32,
        validators=[RegexValidator(r"^[A-Za-z0-9]+$", "Use letters and digits only, no spaces.")],
        help_text="4 or more letters or digits. Clients enter it once before they download.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class PhotoForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    caption = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    alt_text = forms.CharField(
        max_length=300,
        required=False,
        label="Alt text",
        help_text="Describes the photo for people who cannot see it.",
    )
    tags = forms.CharField(required=False, help_text="Separate tags with commas.")
    show_location = forms.BooleanField(
        required=False, label="Show where this photo was taken (GPS)"
    )

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


BULK_ACTIONS = [
    ("edit", "Apply title / caption / alt text / tags"),
    ("move", "Move to set"),
    ("cover", "Set as cover"),
    ("retry", "Retry processing"),
    ("delete", "Delete"),
]


class PositionForm(forms.Form):
    """Where one photo goes in the custom order (1 is first)."""

    position = forms.IntegerField()


class BulkForm(forms.Form):
    """Many photos at once: the action, the photos, and what to apply."""

    action = forms.ChoiceField(choices=BULK_ACTIONS)
    photos = forms.CharField(widget=forms.MultipleHiddenInput)
    title = forms.CharField(max_length=200, required=False)
    caption = forms.CharField(required=False)
    alt_text = forms.CharField(max_length=300, required=False)
    add_tags = forms.CharField(required=False)
    photo_set = forms.CharField(required=False)


class SetForm(forms.Form):
    name = forms.CharField(
        max_length=120, label="New set", error_messages={"required": "A set needs a name."}
    )


class WatermarkForm(ServiceErrorsMixin, forms.Form):
    enabled = forms.BooleanField(required=False, initial=True, label="Watermark previews")
    text = forms.CharField(
        max_length=100,
        required=False,
        help_text="For example © Your Studio. Or upload a logo below.",
    )
    logo = forms.FileField(required=False, help_text="PNG or WebP with transparency.")
    position = forms.ChoiceField(choices=WatermarkPosition.choices)
    opacity = forms.FloatField(min_value=0.05, max_value=1, initial=0.35)
    size = forms.FloatField(
        min_value=0.05, max_value=1, initial=0.2, help_text="Share of the photo's long edge."
    )
