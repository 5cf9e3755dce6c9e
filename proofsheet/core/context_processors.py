from django.conf import settings


def site(request):
    """Expose the site name and URL to every template."""
    return {"SITE_NAME": "Proofsheet", "SITE_URL": settings.SITE_URL}
