from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from proofsheet.api.api import api
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
