from django import forms

from proofsheet.accounts.models import Role

SIGNUP_ROLES = [
    (Role.CLIENT.value, "I'm a client: I view and buy photos"),
    (Role.PHOTOGRAPHER.value, "I'm a photographer: I show and sell my photos"),
]


class SignupRoleForm(forms.Form):
    """Extra sign-up fields (allauth's ACCOUNT_SIGNUP_FORM_CLASS: web form and headless API).

    Only client or photographer can be chosen; admins are made by an admin or the CLI. The role is
    stored by AccountAdapter.save_user; a missing role means client.
    """

    role = forms.ChoiceField(
        choices=SIGNUP_ROLES,
        initial=Role.CLIENT.value,
        required=False,
        widget=forms.RadioSelect,
        label="Account type",
    )

    def signup(self, request, user) -> None:
        """Nothing more to save: the adapter already set the role."""
