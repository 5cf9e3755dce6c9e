from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from proofsheet.accounts.models import Role

SIGNUP_ROLES = [
    (Role.CLIENT.value, "I'm a client: I view and buy photos"),
    (Role.PHOTOGRAPHER.value, "I'm a photographer: I show and sell my photos"),
]


class SignupForm(AllauthSignupForm):
    """Sign-up with a choice of role; admins are only ever made by an admin or the CLI."""

    role = forms.ChoiceField(
        choices=SIGNUP_ROLES,
        initial=Role.CLIENT.value,
        widget=forms.RadioSelect,
        label="Account type",
    )
    field_order = ["role", "email", "password1", "password2"]
