"""Storage helpers."""

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Local storage for originals: files have no URL at all (R06)."""

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL; serve them through a grant view.")
