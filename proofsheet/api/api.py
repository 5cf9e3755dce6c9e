"""The JSON API at /api/v1 (django-ninja): thin endpoints over the domain services."""

from allauth.headless.contrib.ninja.security import XSessionTokenAuth
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from proofsheet.api.catalog import router as catalog_router
from proofsheet.api.galleries import router as galleries_router
from proofsheet.api.notifications import router as notifications_router
from proofsheet.api.orders import router as orders_router
from proofsheet.api.shop import router as shop_router
from proofsheet.api.shop_admin import router as shop_admin_router
from proofsheet.api.studio import router as studio_router


class SessionTokenAuth(XSessionTokenAuth):
    """allauth's X-Session-Token auth, described fully in OpenAPI (allauth omits `in`/`name`)."""

    openapi_in = "header"
    openapi_name = "X-Session-Token"


# Apps authenticate with allauth headless session tokens (X-Session-Token, obtained from
# /_allauth/app/v1/auth/login); the browser uses its session cookie (with CSRF on writes).
AUTH = [SessionTokenAuth(), django_auth]

api = NinjaAPI(
    title="Proofsheet API",
    version="1",
    description=(
        "Proofsheet's JSON API. Authenticate apps with an allauth headless session token in the "
        "`X-Session-Token` header (see /_allauth/openapi.html), or use the browser session."
    ),
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api-v1",
)


class Me(Schema):
    id: str
    email: str
    role: str
    display_name: str


class Error(Schema):
    detail: str


@api.get("/me", response={200: Me, 401: Error}, summary="The authenticated user and role")
def me(request):
    user = request.auth if hasattr(request.auth, "role") else request.user
    return Me(
        id=str(user.public_id), email=user.email, role=user.role, display_name=user.display_name
    )


api.add_router("/", studio_router)
api.add_router("/client", galleries_router)
api.add_router("/", catalog_router)
api.add_router("/", orders_router)
api.add_router("/client", shop_router)
api.add_router("/", shop_admin_router)
api.add_router("/", notifications_router)
