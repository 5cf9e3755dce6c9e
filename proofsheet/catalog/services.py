"""The catalogue's entry points for code that creates galleries (studio, API, CLI, demo, flows):
which price sheet a new gallery sells from. They live in `catalog.sheets`; these names stay
importable here, with the same signatures, for callers written before the catalogue was split
by noun. New code imports `catalog.sheets` (and `products`, `packages`, `store`) directly."""

from proofsheet.catalog.sheets import (
    gallery_pricing_assign_default,
    gallery_pricing_set,
    price_sheet_apply_to_galleries,
)

__all__ = [
    "gallery_pricing_assign_default",
    "gallery_pricing_set",
    "price_sheet_apply_to_galleries",
]
