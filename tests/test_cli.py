"""`proofsheet user add`, `demo`, `import` and `housekeeping`."""

import re

import pytest
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse

from proofsheet.accounts.models import Role, User
from proofsheet.cli import main

pytestmark = pytest.mark.django_db


def run(*args, stdin=None):
    return CliRunner().invoke(main, list(args), input=stdin)


def can_log_in(email, password) -> bool:
    client = Client()
    return (
        client.post(reverse("account_login"), {"login": email, "password": password}).status_code
        == 302
    )


def test_user_add_admin_prints_a_working_generated_password():
    result = run("user", "add", "Boss@Example.test", "--role", "admin")

    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.test" in result.output
    password = result.output.split("Password: ")[1].strip()
    user = User.objects.get(email="boss@example.test")
    assert user.role == Role.ADMIN and user.is_staff and user.is_superuser
    client = Client()
    client.post(reverse("account_login"), {"login": "boss@example.test", "password": password})
    assert client.get(reverse("admin:index")).status_code == 200


def test_user_add_reads_the_password_from_stdin():
    result = run(
        "user",
        "add",
        "p@example.test",
        "--role",
        "photographer",
        "--password-stdin",
        stdin="field-notes-and-film-9\n",
    )

    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output
    assert User.objects.get(email="p@example.test").role == Role.PHOTOGRAPHER
    assert can_log_in("p@example.test", "field-notes-and-film-9")


def test_user_add_refuses_weak_passwords_and_duplicates():
    weak = run(
        "user", "add", "p@example.test", "--role", "client", "--password-stdin", stdin="short\n"
    )
    assert weak.exit_code == 1
    assert "password rejected" in weak.output and "at least 12 characters" in weak.output

    assert run("user", "add", "p@example.test", "--role", "client").exit_code == 0
    duplicate = run("user", "add", "P@example.test", "--role", "client")
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    assert User.objects.count() == 1


def test_user_add_rejects_an_unknown_role():
    result = run("user", "add", "p@example.test", "--role", "superhero")
    assert result.exit_code == 2
    assert not User.objects.exists()


def test_demo_creates_accounts_and_a_gallery_once(media, settings):
    result = run("demo")

    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"Demo accounts (log in at {settings.SITE_URL}/accounts/login/)"
    )
    lines = [line.split() for line in result.output.splitlines()[1:3]]
    assert {line[0] for line in lines} == {"photographer", "client"}
    for _role, email, password in lines:
        assert can_log_in(email, password)

    from proofsheet.galleries.access import gallery_code_exchange
    from proofsheet.galleries.models import Gallery

    gallery = Gallery.objects.get(visibility="public")
    assert gallery.photos.count() == 12
    private = Gallery.objects.get(visibility="private")
    assert private.photos.count() == 6 and private.selection_min == 3
    code = re.search(r"with the code ([A-Z0-9-]+)", result.output).group(1)
    grant = gallery_code_exchange(gallery=None, code=code, ip="127.0.0.1")
    assert grant["gallery"] == str(private.public_id) and grant["role"] == "client"

    again = run("demo")
    assert again.exit_code == 1
    assert "already here" in again.output


@pytest.mark.django_db(transaction=True)
def test_import_a_folder_and_wait(tmp_path, settings, monkeypatch):
    """`proofsheet import … --wait` with no worker running: it starts one and waits."""
    import shutil

    from proofsheet.galleries.models import Gallery, PhotoStatus
    from tests.support import PHOTOS, database_url

    # The worker that the command starts shares this test's database and storage.
    var = tmp_path / "var"
    for name, value in {
        "DATABASE_URL": database_url(),
        "TASK_BACKEND": "database",
        "PROOFSHEET_VAR_DIR": str(var),
    }.items():
        monkeypatch.setenv(name, value)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.STORAGES = settings.STORAGES | {
        "public": settings.STORAGES["public"]
        | {
            "OPTIONS": {
                "location": str(var / "media" / "public"),
                "base_url": "/media/public/",
                "allow_overwrite": True,
            }
        },
        "private": settings.STORAGES["private"]
        | {"OPTIONS": {"location": str(var / "media" / "private")}},
    }
    run("user", "add", "ph@example.test", "--role", "photographer")
    folder = tmp_path / "shoot"
    (folder / "day two").mkdir(parents=True)
    shutil.copy(PHOTOS / "Canon_40D.jpg", folder / "a.jpg")
    shutil.copy(PHOTOS / "Canon_40D.jpg", folder / "day two" / "a-copy.jpg")  # duplicate
    shutil.copy(PHOTOS / "orientation" / "portrait_6.jpg", folder / "day two" / "b.jpg")
    (folder / "notes.txt").write_text("not a photo")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")

    result = run(
        "import",
        str(folder),
        "--owner",
        "ph@example.test",
        "--gallery",
        "Shoot",
        "--set",
        "Day one",
        "--wait",
    )

    assert result.exit_code == 0, result.output
    assert "Imported 2, duplicates 1, rejected 1." in result.output
    assert "Ready 2, failed 0." in result.output
    assert "rejected notes.txt" in result.output
    assert "Client access code: " in result.output
    gallery = Gallery.objects.get(title="Shoot")
    assert gallery.visibility == "private"
    assert f"/studio/galleries/{gallery.public_id}/" in result.output
    assert {p.status for p in gallery.photos.all()} == {PhotoStatus.READY}
    assert {p.photo_set.name for p in gallery.photos.all()} == {"Day one"}


def test_import_prints_the_client_link_and_code_that_open_the_gallery(tmp_path, media, settings):
    """The photographer can send what `import` prints: a link and a code that work for a client."""
    import shutil
    from urllib.parse import urlsplit

    from proofsheet.galleries.models import Gallery
    from tests.support import PHOTOS

    settings.SITE_URL = "https://photos.example.test"
    run("user", "add", "ph@example.test", "--role", "photographer")
    folder = tmp_path / "shoot"
    folder.mkdir()
    shutil.copy(PHOTOS / "Canon_40D.jpg", folder / "a.jpg")

    result = run("import", str(folder), "--owner", "ph@example.test", "--gallery", "Lee wedding")

    assert result.exit_code == 0, result.output
    gallery = Gallery.objects.get(title="Lee wedding")
    printed = dict(re.findall(r"^(Client link|Client access code): (\S+)$", result.output, re.M))
    link, code = printed.get("Client link"), printed["Client access code"]
    assert link == f"https://photos.example.test/g/{gallery.public_id}/", result.output
    path = urlsplit(link).path
    client = Client()
    assert client.get(path).status_code == 302  # private: the code first
    unlocked = client.post(reverse("storefront:unlock", args=[gallery.public_id]), {"code": code})
    assert unlocked.status_code == 302
    page = client.get(path)
    assert page.status_code == 200 and "Lee wedding" in page.text

    # Importing more into the same gallery prints its link again, and no new code.
    shutil.copy(PHOTOS / "Nikon_D70.jpg", folder / "b.jpg")
    again = run("import", str(folder), "--owner", "ph@example.test", "--gallery", "Lee wedding")
    assert f"Client link: {link}" in again.output
    assert "Client access code" not in again.output


def test_import_needs_a_known_owner(tmp_path):
    (tmp_path / "x.jpg").write_bytes(b"")
    result = run("import", str(tmp_path), "--owner", "nobody@example.test", "--gallery", "G")
    assert result.exit_code == 1
    assert "no user with the email" in result.output


def test_housekeeping_runs_the_jobs_now_and_says_what_each_did(settings):
    from datetime import timedelta

    from django.utils import timezone

    from proofsheet.cart.models import Cart
    from proofsheet.core.housekeeping import housekeeping_claim

    settings.HOUSEKEEPING_JOBS = [
        "proofsheet.cart.services.carts_purge_abandoned",
        "proofsheet.core.housekeeping.sessions_clear_expired",
    ]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    old = Cart.objects.create(session_key="long-gone")
    Cart.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=45))
    recent = Cart.objects.create(session_key="just-now")

    result = run("housekeeping")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [  # (the worker's log lines go to stderr)
        "proofsheet.cart.services.carts_purge_abandoned: 1",
        "proofsheet.core.housekeeping.sessions_clear_expired: expired sessions cleared",
    ]
    assert list(Cart.objects.all()) == [recent]
    assert not housekeeping_claim()  # the workers wait a full interval after a manual run


def test_housekeeping_reports_a_failing_job_and_exits_non_zero(settings):
    settings.HOUSEKEEPING_JOBS = [
        "proofsheet.core.housekeeping.no_such_job",
        "proofsheet.core.housekeeping.sessions_clear_expired",
    ]

    result = run("housekeeping")

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("proofsheet.core.housekeeping.no_such_job: failed: ImportError")
    assert lines[1].endswith("expired sessions cleared")


def test_import_makes_a_gallery_as_the_studio_does(tmp_path, media):
    """A new gallery from `import` sells from the default sheet and opens with the code printed;
    a refusal (a client is not a photographer) is one line and exit status 1, no traceback."""
    import shutil

    from proofsheet.catalog.selectors import sheet_for_gallery
    from proofsheet.catalog.tests.factories import PriceSheetFactory
    from proofsheet.galleries.access import gallery_code_exchange
    from proofsheet.galleries.models import Gallery
    from tests.support import PHOTOS

    run("user", "add", "ph@example.test", "--role", "photographer")
    run("user", "add", "cl@example.test", "--role", "client")
    default = PriceSheetFactory(owner=User.objects.get(email="ph@example.test"), is_default=True)
    shutil.copy(PHOTOS / "Canon_40D.jpg", tmp_path / "a.jpg")

    result = run("import", str(tmp_path), "--owner", "ph@example.test", "--gallery", "Lee")

    gallery = Gallery.objects.get(title="Lee")
    assert sheet_for_gallery(gallery) == default
    code = re.search(r"^Client access code: (\S+)$", result.output, re.M).group(1)
    assert gallery_code_exchange(gallery=None, code=code, ip="192.0.2.1")["role"] == "client"

    refused = run("import", str(tmp_path), "--owner", "cl@example.test", "--gallery", "Mine")
    assert refused.exit_code == 1
    assert refused.output == "Error: Only photographers can do this.\n"
    assert not Gallery.objects.filter(title="Mine").exists()
