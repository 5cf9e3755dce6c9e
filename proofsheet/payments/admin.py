"""Admin: photographers' connected accounts (marketplace mode). Only the commission is edited
here; the rest is Stripe's and comes from its events."""

from django.contrib import admin

from proofsheet.payments.models import ConnectedAccount


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(admin.ModelAdmin):
    list_display = ["seller", "reference", "status", "charges_enabled", "commission_percent"]
    list_filter = ["status", "charges_enabled"]
    search_fields = ["seller__email", "reference"]
    fields = [
        "seller",
        "reference",
        "status",
        "charges_enabled",
        "payouts_enabled",
        "requirements",
        "commission_percent",
    ]
    readonly_fields = [
        "seller",
        "reference",
        "status",
        "charges_enabled",
        "payouts_enabled",
        "requirements",
    ]

    def has_add_permission(self, request):
        return False  # made by the photographer's "Connect with Stripe"

    def has_delete_permission(self, request, obj=None):
        return False
