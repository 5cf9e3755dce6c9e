"""Moved to `storefront.buy_panel`; these names stay here only until `gallery_views` imports
them from there (its owner's change: `from proofsheet.storefront import buy_panel as shop`)."""

from proofsheet.storefront.buy_panel import buy_panel, gallery_packages, sells_anything

__all__ = ["buy_panel", "gallery_packages", "sells_anything"]
