"""Template helpers for showing photos: rendition URLs and responsive srcsets."""

from django import template

from proofsheet.galleries import selectors

register = template.Library()


@register.simple_tag
def rendition(photo, name: str = "grid", fmt: str = "webp") -> str:
    """URL of one rendition of a photo ('' while it is not ready)."""
    return selectors.rendition_url(photo, name, fmt) or ""


@register.simple_tag
def srcset(photo, fmt: str = "webp", names: str = "small grid preview") -> str:
    return selectors.rendition_srcset(photo, fmt, names)
