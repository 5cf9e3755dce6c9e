"""The `proofsheet` command: serve, worker, housekeeping, users, demo data, Django's commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _django() -> None:
    import django

    django.setup()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Proofsheet: client galleries, proofing and print sales for photographers."""


# --- serve / worker ---------------------------------------------------------------------------


def _web_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    granian = Path(sys.executable).with_name("granian")
    return [
        str(granian) if granian.exists() else "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--respawn-failed-workers",
        "config.wsgi:application",
    ]


def _worker_command() -> list[str]:
    return [sys.executable, "-m", "proofsheet", "worker"]


def _stop(process: subprocess.Popen | None, timeout: float = 10.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _url_host(host: str) -> str:
    """The host part of a link to HOST: a wildcard bind is reached on this machine's loopback."""
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 (a bind address, compared)
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _serve_site_url(host: str, port: int) -> None:
    """Make SITE_URL the address served unless it is set, for this process and its children.

    The web server and the worker inherit it through the environment (emails, order links,
    the studio's client link); it is also recorded in the instance's var/ folder, where
    `proofsheet import`, `demo` and other commands run against the same instance find it
    (config.env.site_url). Recorded even when SITE_URL is set, so those commands agree with
    the server.
    """
    from config.env import env, served_url_record, var_dir

    url = env.str("SITE_URL", default="").rstrip("/") or f"http://{_url_host(host)}:{port}"
    os.environ["SITE_URL"] = url
    try:
        served_url_record(var_dir(), url)
    except OSError as exc:  # a read-only var/ costs only the other commands' links
        click.echo(f"Could not record the site address in var/: {exc}", err=True)


@main.command()
@click.option(
    "--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1"
)
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "8000")),
    show_default="8000 or $PORT",
)
@click.option(
    "--web-workers",
    type=int,
    default=lambda: int(os.environ.get("WEB_WORKERS", "1")),
    show_default="1 or $WEB_WORKERS",
    help="Web server processes.",
)
@click.option(
    "--threads",
    type=int,
    default=lambda: int(os.environ.get("WEB_THREADS", "4")),
    show_default="4 or $WEB_THREADS",
    help="Request threads per web process.",
)
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=True,
    show_default=True,
    help="Run one background worker beside the web server.",
)
def serve(host: str, port: int, web_workers: int, threads: int, with_worker: bool) -> None:
    """Serve Proofsheet on HOST:PORT with one background worker beside it."""
    _serve_site_url(host, port)
    _django()
    from django.conf import settings

    bound = f"http://{host}:{port}"
    click.echo(f"Proofsheet ({settings.PROOFSHEET_ENV}) on {bound}/")
    if bound != settings.SITE_URL:
        click.echo(f"Links in emails and pages point at {settings.SITE_URL}")
    mailer = settings.MAILERS["default"]
    if mailer["BACKEND"].endswith("filebased.EmailBackend"):
        click.echo(f"Emails are written to {mailer['OPTIONS']['file_path']}")
    web = subprocess.Popen(_web_command(host, port, web_workers, threads))
    worker = subprocess.Popen(_worker_command()) if with_worker else None
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    exit_code = 0
    try:
        while not stopping:
            if web.poll() is not None:
                exit_code = web.returncode or 1
                click.echo(f"web server exited with {web.returncode}", err=True)
                break
            if worker is not None and worker.poll() is not None:
                click.echo(f"worker exited with {worker.returncode}; restarting it", err=True)
                time.sleep(1)
                worker = subprocess.Popen(_worker_command())
            time.sleep(0.5)
    finally:
        _stop(worker)
        _stop(web)
    sys.exit(exit_code)


@main.command()
@click.option("--queue", default="default", show_default=True, help="Queue name, or * for all.")
@click.option(
    "--interval",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds between polls when the queue is empty.",
)
@click.option("--batch", is_flag=True, help="Run what is queued, then exit.")
def worker(queue: str, interval: float, batch: bool) -> None:
    """Run a background worker (start as many as you like, on as many machines)."""
    _django()
    from proofsheet.core.worker import run_worker

    run_worker(queue=queue, interval=interval, batch=batch)


@main.command()
def housekeeping() -> None:
    """Run the housekeeping jobs now and print what each did (cron, where no worker runs)."""
    _django()
    from proofsheet.core.housekeeping import housekeeping_mark_run, housekeeping_run_jobs

    outcomes = housekeeping_run_jobs()
    for outcome in outcomes:
        click.echo(str(outcome))
    housekeeping_mark_run()
    if not outcomes:
        click.echo("No housekeeping jobs are configured (HOUSEKEEPING_JOBS).")
    if not all(outcome.ok for outcome in outcomes):
        sys.exit(1)


# --- users ------------------------------------------------------------------------------------


@main.group()
def user() -> None:
    """Manage user accounts."""


@user.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["client", "photographer", "admin"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--name", default="", help="Display name.")
def user_add(email: str, role: str, password_stdin: bool, name: str) -> None:
    """Create a user; prints a generated password when none is given."""
    _django()
    from django.core.exceptions import ValidationError

    from proofsheet.accounts.services import user_create

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        raise click.UsageError("no password on standard input")
    try:
        created, used_password = user_create(
            email=email, role=role, password=password, display_name=name
        )
    except ValidationError as exc:
        raise click.ClickException("password rejected: " + " ".join(exc.messages)) from exc
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {created.role} {created.email}")
    if not password_stdin:
        click.echo(f"Password: {used_password}")


# --- import -------------------------------------------------------------------------------


def _files_under(paths: tuple[Path, ...]) -> list[Path]:
    """Every regular file under the given files and folders, in a stable order, no hidden ones."""
    found: list[Path] = []
    for path in paths:
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        found.extend(
            p
            for p in candidates
            if not any(part.startswith(".") for part in p.relative_to(path.parent).parts)
        )
    return list(dict.fromkeys(found))


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--owner", required=True, help="The photographer's email.")
@click.option(
    "--gallery",
    "gallery_title",
    required=True,
    help="Gallery title; created (private) if it does not exist.",
)
@click.option("--set", "set_name", default=None, help="Put the photos in this set (album).")
@click.option(
    "--visibility",
    type=click.Choice(["public", "unlisted", "private"]),
    default="private",
    show_default=True,
    help="For a new gallery.",
)
@click.option("--wait", is_flag=True, help="Wait for processing and print a summary.")
def import_photos(paths, owner, gallery_title, set_name, visibility, wait):
    """Import photo files and folders (recursively) into a gallery."""
    _django()
    from django.conf import settings
    from django.urls import reverse

    from proofsheet.accounts.selectors import user_get_by_email
    from proofsheet.catalog.sheets import gallery_pricing_assign_default
    from proofsheet.galleries import access, services

    user = user_get_by_email(owner)
    if user is None:
        raise click.ClickException(f"no user with the email {owner}")
    try:
        gallery, created = services.gallery_get_or_create(
            owner=user, title=gallery_title, visibility=visibility
        )
    except Exception as exc:
        raise click.ClickException(str(exc)) from exc
    if created:
        gallery_pricing_assign_default(gallery)
    code = (
        access.gallery_rotate_access_code(gallery=gallery)
        if created and gallery.visibility == "private"
        else None
    )
    photo_set = services.photo_set_create(gallery=gallery, name=set_name) if set_name else None
    batch = services.upload_batch_create(gallery=gallery, owner=user)
    files = _files_under(paths)
    results = []
    with click.progressbar(
        files, label=f"Importing {len(files)} files", item_show_func=lambda p: p.name if p else ""
    ) as bar:
        for path in bar:
            results.append(
                services.photo_ingest(
                    gallery=gallery,
                    owner=user,
                    source=path,
                    original_name=path.name,
                    photo_set=photo_set,
                    batch=batch,
                )
            )
    services.upload_batch_close(batch=batch)
    accepted = [r for r in results if r.photo]
    if wait and accepted:
        _wait_for_processing([str(r.photo.public_id) for r in accepted])
    _print_import_summary(results, wait=wait)
    click.echo(
        f"Studio: {settings.SITE_URL}{reverse('studio:gallery', args=[gallery.public_id])}"
        + (" (new)" if created else "")
    )
    # What the photographer sends: the client link, and for a new private gallery its code.
    client_path = reverse("storefront:gallery", args=[gallery.public_id])
    click.echo(f"Client link: {settings.SITE_URL}{client_path}")
    if code:
        click.echo(f"Client access code: {code}")


def _wait_for_processing(photo_ids: list[str]) -> None:
    """Show processing progress; start a worker for the wait when none is running."""
    from proofsheet.core.worker import workers_alive
    from proofsheet.galleries.models import Photo, PhotoStatus

    helper = None
    if workers_alive() == 0:
        click.echo("No worker is running; starting one for this import.")
        helper = subprocess.Popen(_worker_command())
    pending = [PhotoStatus.UPLOADED, PhotoStatus.PROCESSING]
    try:
        with click.progressbar(length=len(photo_ids), label="Processing") as bar:
            done = 0
            while done < len(photo_ids):
                time.sleep(0.5)
                now_done = (
                    len(photo_ids)
                    - Photo.objects.filter(public_id__in=photo_ids, status__in=pending).count()
                )
                bar.update(now_done - done)
                done = now_done
    finally:
        _stop(helper)


def _print_import_summary(results, *, wait: bool) -> None:
    from proofsheet.galleries.models import Photo, PhotoStatus

    accepted = [r for r in results if r.photo]
    duplicates = [r for r in results if r.duplicate_of]
    rejected = [r for r in results if r.rejected]
    click.echo(f"Imported {len(accepted)}, duplicates {len(duplicates)}, rejected {len(rejected)}.")
    if wait and accepted:
        failed = Photo.objects.filter(
            public_id__in=[r.photo.public_id for r in accepted], status=PhotoStatus.FAILED
        )
        click.echo(f"Ready {len(accepted) - failed.count()}, failed {failed.count()}.")
        for photo in failed:
            click.echo(f"  failed   {photo.original_name}: {photo.failure_reason}")
    for r in duplicates:
        click.echo(
            f"  duplicate {r.name} (already in the gallery as {r.duplicate_of.original_name})"
        )
    for r in rejected:
        click.echo(f"  rejected {r.name}: {r.rejected}")


# --- demo -----------------------------------------------------------------------------------


@main.command()
def demo() -> None:
    """Fill an empty instance with a demo photographer and client; print their log-ins."""
    _django()
    from django.conf import settings
    from django.urls import reverse

    from proofsheet.demo import demo_populate

    try:
        demo = demo_populate()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Demo accounts (log in at {settings.SITE_URL}{reverse('account_login')}):")
    for role, email, password in demo.accounts:
        click.echo(f"  {role:<13} {email:<28} {password}")
    click.echo(
        "The photographer has a public gallery of generated pictures and a private one for "
        f"proofing; open it from the home page with the code {demo.access_code}. The worker "
        "inside `proofsheet serve` processes the pictures in a few seconds."
    )


# --- manage -----------------------------------------------------------------------------------


@main.command(
    context_settings={
        "ignore_unknown_options": True,
        "allow_interspersed_args": False,
        "help_option_names": [],
    }
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (`proofsheet manage help` lists them)."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["proofsheet manage", *args])


if __name__ == "__main__":
    main()
