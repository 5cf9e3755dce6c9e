"""A tus 1.0 server (core + creation + termination) for resumable photo uploads.

The browser (Uppy's tus plugin) creates an upload, then sends it in chunks with PATCH; after a
dropped connection it asks for the offset with HEAD and goes on from there. When the last byte
arrives, the file is handed to `photo_ingest`, and the outcome travels back in response headers
(a rejected file gets 422 with the reason as the body).

Partial uploads live in UPLOAD_TMP_DIR, so with several web servers either share that folder or
keep a browser on one server (sticky sessions); see docs/deployment.md.
"""

from __future__ import annotations

import base64
import fcntl
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse

TUS_VERSION = "1.0.0"
STALE_AFTER_SECONDS = 24 * 3600
CHUNK = 1024 * 1024


@dataclass
class UploadInfo:
    id: str
    owner: int
    gallery: int
    length: int
    offset: int
    metadata: dict[str, str]
    result: dict | None = None  # the ingest outcome once complete


def upload_dir() -> Path:
    path = Path(settings.UPLOAD_TMP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _paths(upload_id: str) -> tuple[Path, Path]:
    base = upload_dir()
    return base / f"{upload_id}.part", base / f"{upload_id}.json"


def _load(upload_id: str) -> UploadInfo | None:
    try:
        uuid.UUID(upload_id)
    except ValueError:
        return None
    _, info_path = _paths(upload_id)
    try:
        return UploadInfo(**json.loads(info_path.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def _save(info: UploadInfo) -> None:
    _, info_path = _paths(info.id)
    tmp = info_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(info)))
    tmp.replace(info_path)


def _remove(upload_id: str) -> None:
    for path in _paths(upload_id):
        path.unlink(missing_ok=True)


def remove_stale_uploads() -> None:
    """Forget partial uploads nobody touched for a day."""
    cutoff = time.time() - STALE_AFTER_SECONDS
    for path in upload_dir().glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                _remove(path.stem)
        except FileNotFoundError:
            pass


def parse_metadata(header: str) -> dict[str, str]:
    """Decode `Upload-Metadata: key base64value, key2 base64value2`."""
    metadata = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ", 1)
        if not parts[0]:
            continue
        try:
            value = base64.b64decode(parts[1], validate=True).decode() if len(parts) > 1 else ""
        except (ValueError, UnicodeDecodeError):
            value = ""
        metadata[parts[0][:50]] = value[:500]
    return metadata


def _response(status: int, **headers: str) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    return response


# Called with (UploadInfo, path of the complete file); returns a JSON-able outcome.
Finisher = Callable[[UploadInfo, Path], dict]


def handle(
    request: HttpRequest,
    *,
    owner_id: int,
    gallery_id: int,
    base_url: str,
    upload_id: str | None,
    finish: Finisher,
) -> HttpResponse:
    """Dispatch one tus request for the given gallery and user."""
    if request.method == "OPTIONS":
        return _response(
            204,
            Tus_Version=TUS_VERSION,
            Tus_Extension="creation,termination",
            Tus_Max_Size=str(settings.PHOTOS["MAX_FILE_BYTES"]),
        )
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _error(412, "Unsupported tus version")
    if upload_id is None:
        if request.method != "POST":
            return _error(405, "Method not allowed")
        return _create(request, owner_id, gallery_id, base_url)
    info = _load(upload_id)
    if info is None or info.owner != owner_id or info.gallery != gallery_id:
        return _error(404, "Upload not found")
    if request.method == "HEAD":
        return _response(
            200,
            Upload_Offset=str(info.offset),
            Upload_Length=str(info.length),
            **_result_headers(info.result),
        )
    if request.method == "PATCH":
        return _append(request, info, finish)
    if request.method == "DELETE":
        _remove(info.id)
        return _response(204)
    return _error(405, "Method not allowed")


def _create(request: HttpRequest, owner_id: int, gallery_id: int, base_url: str) -> HttpResponse:
    try:
        length = int(request.headers.get("Upload-Length", ""))
    except ValueError:
        return _error(400, "Upload-Length is required")
    if length < 0:
        return _error(400, "Upload-Length must not be negative")
    if length > settings.PHOTOS["MAX_FILE_BYTES"]:
        limit_mb = settings.PHOTOS["MAX_FILE_BYTES"] // 1024**2
        return _error(413, f"The file is larger than the limit of {limit_mb} MB.")
    remove_stale_uploads()
    info = UploadInfo(
        id=str(uuid.uuid4()),
        owner=owner_id,
        gallery=gallery_id,
        length=length,
        offset=0,
        metadata=parse_metadata(request.headers.get("Upload-Metadata", "")),
    )
    part, _ = _paths(info.id)
    part.touch()
    _save(info)
    return _response(201, Location=f"{base_url}{info.id}/", Upload_Offset="0")


def _append(request: HttpRequest, info: UploadInfo, finish: Finisher) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        return _error(415, "Content-Type must be application/offset+octet-stream")
    part, info_path = _paths(info.id)
    # One writer per upload: a retried PATCH racing the original must not interleave bytes.
    with info_path.open("r") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = _load(info.id)
        if current is None:
            return _error(404, "Upload not found")
        try:
            offset = int(request.headers.get("Upload-Offset", ""))
        except ValueError:
            return _error(400, "Upload-Offset is required")
        if offset != current.offset:
            return _error(409, f"Upload-Offset mismatch: the server has {current.offset}")
        if current.result is not None:
            return _response(
                204, Upload_Offset=str(current.offset), **_result_headers(current.result)
            )
        with part.open("r+b") as out:
            out.seek(offset)
            try:
                while chunk := request.read(CHUNK):
                    chunk = chunk[: current.length - offset]  # never past Upload-Length
                    out.write(chunk)
                    offset += len(chunk)
            except OSError:
                pass  # the connection dropped: keep what arrived; the client resumes from here
        current.offset = offset
        if current.offset == current.length:
            current.result = finish(current, part)
            part.unlink(missing_ok=True)
            if current.result.get("status") == "rejected":
                # 422 ends the upload for good in the browser, and forgetting it makes a retry
                # start over (and be judged again) rather than "resume" to a false success.
                _remove(current.id)
                response = _error(422, current.result.get("reason", "Rejected"))
                for name, value in _result_headers(current.result).items():
                    response[name.replace("_", "-")] = value
                return response
        _save(current)
    return _response(204, Upload_Offset=str(current.offset), **_result_headers(current.result))


def _result_headers(result: dict | None) -> dict[str, str]:
    if not result:
        return {}
    return {
        "X_Proofsheet_Status": result.get("status", ""),
        "X_Proofsheet_Photo": result.get("photo", ""),
        "X_Proofsheet_Reason": quote(result.get("reason", "")),
    }
