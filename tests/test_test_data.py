"""The repository carries the photos its tests read, with their source and licence beside them:
a fresh clone runs the suite with nothing next to the checkout."""

import subprocess

from tests.support import PHOTOS, ROOT


def tracked(folder) -> set[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name for name in out.split("\0") if name}


def test_the_test_photos_are_inside_the_checkout_and_tracked_by_git():
    assert PHOTOS.resolve().is_relative_to(ROOT.resolve())
    on_disk = {str(path.relative_to(ROOT)) for path in PHOTOS.rglob("*") if path.is_file()}
    assert "tests/data/photos/Canon_40D.jpg" in on_disk
    assert len([name for name in on_disk if name.endswith(".jpg")]) >= 20
    assert on_disk <= tracked(PHOTOS), on_disk - tracked(PHOTOS)


def test_the_photos_licence_and_source_are_beside_them():
    readme = (PHOTOS / "README.md").read_text()
    assert "github.com/ianare/exif-samples" in readme
    assert "CC BY-SA 4.0" in readme
    assert "creativecommons.org/licenses/by-sa/4.0" in readme
    assert "test inputs only" in readme
