"""Text responses are gzipped; photos and downloads pass untouched."""

import gzip

from django.http import HttpResponse
from django.test import RequestFactory

from proofsheet.core.middleware import TextGZipMiddleware

BODY = b"<p>" + b"a gallery tile " * 500 + b"</p>"


def respond(content_type: str):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip, br")
    middleware = TextGZipMiddleware(lambda r: HttpResponse(BODY, content_type=content_type))
    return middleware(request)


def test_pages_and_json_are_compressed():
    for content_type in ("text/html; charset=utf-8", "application/json"):
        response = respond(content_type)
        assert response["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.content) == BODY
        assert len(response.content) < len(BODY) / 5


def test_images_keep_their_bytes():
    response = respond("image/jpeg")
    assert not response.has_header("Content-Encoding")
    assert response.content == BODY


def test_a_nul_in_the_query_string_is_a_400_on_pages_and_the_api(client):
    for path in ("/", "/api/v1/orders", "/g/00000000-0000-0000-0000-000000000000/"):
        response = client.get(path, {"q": "a\x00b"})
        assert response.status_code == 400, path
        assert b"NUL" in response.content
