"""Every /api/v1 error has one JSON shape: `{"code", "message", "fields"}`.

Endpoints raise domain errors (`core.errors`) and never translate them: the handlers below map a
code to its status (`core.errors.CODES`). What ninja raises itself (a malformed body, a missing
log-in, a throttle) and what Django answers before or around ninja (an unknown path, a request
body over the limit, a crash) are put in the same shape, so an app reads every refusal one way.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from pydantic import Field

from proofsheet.core.errors import CODES, DomainError, Invalid, as_domain_error

logger = logging.getLogger("proofsheet.api")

API_PREFIX = "/api/"
# Statuses ninja or Django may answer on their own, as codes.
CODE_FOR_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
}


class ErrorOut(Schema):
    """What every error answers (the table of codes is in docs/api.md)."""

    code: str = Field(description="Stable and machine-readable, e.g. `out_of_stock`.")
    message: str = Field(description="A sentence for the person using the app.")
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Field name → what is wrong with it, when known."
    )


def error_body(error: DomainError) -> dict:
    return {"code": error.code, "message": error.message, "fields": error.fields}


def error_json(error: DomainError) -> JsonResponse:
    return JsonResponse(error_body(error), status=error.status)


def _from_status(status: int, message: str = "") -> DomainError:
    code = CODE_FOR_STATUS.get(status, "server_error" if status >= 500 else "invalid")
    return DomainError(message, code=code)


def _schema_fields(errors: list[dict]) -> dict[str, list[str]]:
    """ninja's pydantic errors as {field: [sentences]}; a body field is named by its path
    (`shipping_address.country`), a query, path or header parameter by its name."""
    fields: dict[str, list[str]] = {}
    for item in errors:
        location = [str(part) for part in item.get("loc", ())]
        where, path = (location[0], location[1:]) if location else ("body", [])
        if where == "body" and len(path) > 1:
            path = path[1:]  # drop the payload parameter's own name
        name = ".".join(path) or where
        fields.setdefault(name, []).append(str(item.get("msg", "is not valid")))
    return fields


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every error raised inside ninja the one shape."""

    def respond(request: HttpRequest, error: DomainError) -> HttpResponse:
        return api.create_response(request, error_body(error), status=error.status)

    def on_domain_error(request, exc: DomainError):
        return respond(request, exc)

    def on_schema_error(request, exc: SchemaError):
        fields = _schema_fields(exc.errors)
        summary = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items())
        return respond(request, Invalid(f"The request is not valid — {summary}", fields=fields))

    def on_http_error(request, exc: HttpError):
        message = "" if isinstance(exc, AuthenticationError) else str(exc)
        return respond(request, _from_status(exc.status_code, message))

    def on_anything(request, exc: Exception):
        known = as_domain_error(exc)
        if known is not None:
            return respond(request, known)
        if isinstance(exc, RequestDataTooBig):
            return respond(request, DomainError(code="too_large"))
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, DomainError(code="server_error"))

    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(Http404, on_anything)
    api.add_exception_handler(SchemaError, on_schema_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Exception, on_anything)


class ApiErrorShapeMiddleware:
    """Give the shape to API errors made outside ninja: Django's 404 for an unknown path, 400/413
    for a body over the limit, 500 for a crash before the view, 405 from ninja's path views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            message = ""
            if response.get("Content-Type", "").startswith("text/plain") and not response.streaming:
                message = response.content.decode(errors="replace")[:300]
            return error_json(_from_status(response.status_code, message))
        return response


def api_error_for_exception(
    request: HttpRequest, exception: Exception | None, *, status: int
) -> JsonResponse:
    """For Django's error handlers (config/urls.py): the JSON an API path answers with."""
    if isinstance(exception, RequestDataTooBig):
        return error_json(DomainError(code="too_large"))
    known = as_domain_error(exception) if exception is not None else None
    return error_json(known or _from_status(status))


__all__ = ["CODES", "ApiErrorShapeMiddleware", "ErrorOut", "error_body", "install"]
