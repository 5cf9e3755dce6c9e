from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views import defaults as django_defaults

from proofsheet.api.api import api
from proofsheet.api.errors import API_PREFIX, api_error_for_exception
from proofsheet.core import views as core_views
from proofsheet.storefront import views as storefront_views

# Admin log-in goes through allauth, so the lockout and verification rules apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Proofsheet administration"

urlpatterns = [
    path("", storefront_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("account/", storefront_views.account, name="account"),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/v1/", api.urls),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("studio/", include("proofsheet.studio.urls")),
    path("", include("proofsheet.storefront.urls")),
]
if settings.STORAGE_BACKEND == "local":
    urlpatterns.append(
        path(
            settings.MEDIA_URL.lstrip("/") + "public/<path:path>",
            core_views.public_media,
            name="public_media",
        )
    )


def _error_handler(status: int, default):
    """API paths answer errors as JSON in the one shape (api/errors.py); pages as before."""

    def handler(request, exception=None):
        if request.path.startswith(API_PREFIX):
            return api_error_for_exception(request, exception, status=status)
        return default(request, exception) if exception is not None else default(request)

    return handler


handler400 = _error_handler(400, django_defaults.bad_request)
handler403 = _error_handler(403, django_defaults.permission_denied)
handler404 = _error_handler(404, django_defaults.page_not_found)
handler500 = _error_handler(500, django_defaults.server_error)
