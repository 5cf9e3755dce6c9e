from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from proofsheet.accounts.models import LoginThrottle, User
from proofsheet.accounts.services import user_set_role


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_active", "date_joined", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["public_id", "last_login", "date_joined", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password", "public_id"]}),
        ("Profile", {"fields": ["display_name", "first_name", "last_name"]}),
        ("Role and access", {"fields": ["role", "is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]})
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        user_set_role(user=obj, role=obj.role)  # admin rights follow the role


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ["key", "failures", "window_started_at", "locked_until"]
    search_fields = ["key"]
    actions = ["unlock"]

    @admin.action(description="Unlock the selected keys")
    def unlock(self, request, queryset):
        queryset.delete()
