"""Hooks into allauth: roles at sign-up, the login throttle, and mail through the outbox."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter

from proofsheet.accounts.models import Role
from proofsheet.accounts.throttle import login_attempt_claim
from proofsheet.core.http import client_ip
from proofsheet.notifications.services import email_queue_message


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        role = getattr(form, "cleaned_data", {}).get("role")
        user.role = role if role in (Role.CLIENT, Role.PHOTOGRAPHER) else Role.CLIENT
        return super().save_user(request, user, form, commit=commit)

    def authenticate(self, request, **credentials):
        """Claim a throttle slot before any password is hashed (R20)."""
        email = str(credentials.get("email") or credentials.get("username") or "")
        claim = login_attempt_claim(email=email, ip=client_ip(request))
        if claim is None:
            raise self.validation_error("too_many_login_attempts")
        user = super().authenticate(request, **credentials)
        if user is None:
            claim.failed()
        else:
            claim.succeeded()
        return user

    def send_mail(self, template_prefix, email, context):
        """Render now, deliver from the worker after the transaction commits."""
        email_queue_message(self.render_mail(template_prefix, email, context))

    def get_login_redirect_url(self, request):
        """Photographers land in their studio; everyone else on the home page."""
        if getattr(request.user, "role", None) == Role.PHOTOGRAPHER:
            return "/studio/"
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        """After sign-up (with its verification log-in), the same landing as after log-in."""
        return self.get_login_redirect_url(request)

    def get_client_ip(self, request):
        return client_ip(request)
