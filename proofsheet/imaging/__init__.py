"""The pure imaging layer: upload validation, the pyvips rendition pipeline, EXIF, colours.

No Django here (limits come in as arguments), so it is testable and reusable on its own:

- `validation.inspect_image(path, …) -> ImageInfo`: decide from the bytes, before decoding.
- `pipeline.render_photo(path, watermark=…, …) -> RenderResult`: one shrink-on-load decode,
  thumb/small/grid/preview in WebP and JPEG, placeholder, palette, metadata.
- `metadata.read_metadata(path) -> PhotoMetadata`: camera, exposure, capture time, GPS.

Everything a file can make go wrong surfaces as `RejectedImage` with a sentence for the
uploader. On first use the layer blocks every libvips loader except JPEG, PNG, WebP, TIFF and
HEIF for the whole process (`_vips.harden`). HEVC-coded HEIF (iPhone HEIC), which libvips here
cannot decode, is read and decoded by pillow-heif and handed to pyvips as pixels (`_heic`).
"""
