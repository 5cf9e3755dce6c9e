"""Storage helpers."""

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Local storage for originals: files have no URL at all (R06)."""

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL; serve them through a grant view.")


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's hashed, compressed static files, forgiving a stale manifest.

    A file missing from the manifest (static files not re-collected after an upgrade) is served
    under its plain name instead of turning every page into a 500.
    """

    manifest_strict = False
