import shutil
from pathlib import Path

import pytest

from tests.support import ROOT

PHOTOS = ROOT.parent / "shared" / "testdata" / "photos"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test gets empty public and private storage folders."""
    settings.STORAGES = settings.STORAGES | {
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(tmp_path / "public"),
                "base_url": "/media/public/",
                "allow_overwrite": True,
            },
        },
        "private": {
            "BACKEND": "proofsheet.core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.UPLOAD_TMP_DIR = str(tmp_path / "uploads")
    return tmp_path


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def photo_copy(tmp_path):
    """Copy a test photo to a temporary path (with another name if asked)."""

    def copy(name: str, as_name: str | None = None) -> Path:
        target = tmp_path / "in" / (as_name or Path(name).name)
        target.parent.mkdir(exist_ok=True)
        shutil.copy(PHOTOS / name, target)
        return target

    return copy
