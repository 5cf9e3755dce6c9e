"""The JSON API at /api/v1 (django-ninja): thin endpoints over the domain services."""

from allauth.headless.contrib.ninja.security import XSessionTokenAuth
from ninja import NinjaAPI, Schema
from ninja.security import SessionAuth as NinjaSessionAuth

from proofsheet.api import errors
from proofsheet.api.client_buying import router as client_buying_router
from proofsheet.api.client_galleries import router as client_galleries_router
from proofsheet.api.client_orders import router as client_orders_router
from proofsheet.api.studio_catalog import router as studio_catalog_router
from proofsheet.api.studio_galleries import router as studio_galleries_router
from proofsheet.api.studio_ledger import router as studio_ledger_router
from proofsheet.api.studio_notifications import router as studio_notifications_router
from proofsheet.api.studio_orders import router as studio_orders_router
from proofsheet.api.studio_payouts import router as studio_payouts_router
from proofsheet.api.studio_store import router as studio_store_router


class SessionTokenAuth(XSessionTokenAuth):
    """allauth's X-Session-Token auth, described fully in OpenAPI (allauth omits `in`/`name`)."""

    openapi_in = "header"
    openapi_name = "X-Session-Token"


class SessionAuth(NinjaSessionAuth):
    """The browser's session (with CSRF on writes). Nobody logged in is a 401, like a missing
    token: ninja's own class checks CSRF first and answers an anonymous POST with a 403."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


# Apps authenticate with allauth headless session tokens (X-Session-Token, obtained from
# /_allauth/app/v1/auth/login); the browser uses its session cookie (with CSRF on writes).
AUTH = [SessionTokenAuth(), SessionAuth()]

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
errors.install(api)


class Me(Schema):
    id: str
    email: str
    role: str
    display_name: str


@api.get("/me", response={200: Me, 401: errors.ErrorOut}, summary="The authenticated user and role")
def me(request):
    user = request.auth if hasattr(request.auth, "role") else request.user
    return Me(
        id=str(user.public_id), email=user.email, role=user.role, display_name=user.display_name
    )


# Photographers' operations live at /api/v1/…, visitors' and buyers' at /api/v1/client/… (the
# same nouns with other rights; two routers cannot share a path).
api.add_router("/", studio_galleries_router)
api.add_router("/", studio_catalog_router)
api.add_router("/", studio_orders_router)
api.add_router("/", studio_store_router)
api.add_router("/", studio_payouts_router)
api.add_router("/client", client_galleries_router)
api.add_router("/client", client_buying_router)
api.add_router("/", client_orders_router)
api.add_router("/", studio_notifications_router)
api.add_router("/", studio_ledger_router)
