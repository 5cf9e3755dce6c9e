from django import forms

from proofsheet.galleries.models import (
    Gallery,
    WatermarkPosition,
)


class GalleryForm(forms.ModelForm):
    class Meta:
        model = Gallery
        fields = ["title", "description", "event_date", "location", "visibility", "photo_order"]
        widgets = {
            "event_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "visibility": forms.RadioSelect,
        }
        labels = {"photo_order": "Sort photos by"}


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
    name = forms.CharField(max_length=120, label="New set")


class WatermarkForm(forms.Form):
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
