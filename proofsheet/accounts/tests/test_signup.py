"""Sign-up as a client or photographer, email verification, log-in, reset, log-out."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from proofsheet.accounts.models import Role, User
from proofsheet.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "violet-harbour-lantern-42"


def signup(client, django_capture_on_commit_callbacks, **data):
    payload = {
        "role": "client",
        "email": "new@example.test",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    } | data
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("account_signup"), payload)


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


@pytest.mark.parametrize("role", [Role.CLIENT, Role.PHOTOGRAPHER])
def test_visitor_signs_up_with_a_role_and_must_verify_email(
    client, django_capture_on_commit_callbacks, role
):
    response = signup(client, django_capture_on_commit_callbacks, role=role.value)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="new@example.test")
    assert user.role == role
    assert not user.is_staff
    assert not EmailAddress.objects.get(user=user).verified
    # Not logged in until the address is verified.
    assert client.get(reverse("account")).status_code == 302

    # The verification mail went through the outbox and the task queue.
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.test"]
    link = confirmation_link(mail.outbox[0])
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    page = client.get(reverse("account"))
    assert page.status_code == 200
    assert role.label in page.text


def test_signup_cannot_choose_admin(client, django_capture_on_commit_callbacks):
    response = signup(client, django_capture_on_commit_callbacks, role="admin")

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pw-1", "at least 12 characters"),
        ("1qaz2wsx3edc", "too common"),
        ("new@example.test", "too similar"),
    ],
)
def test_weak_passwords_are_refused(client, django_capture_on_commit_callbacks, password, reason):
    response = signup(
        client, django_capture_on_commit_callbacks, password1=password, password2=password
    )

    assert response.status_code == 200
    assert reason in response.text
    assert not User.objects.exists()


def test_verified_user_logs_in_and_out(client, django_capture_on_commit_callbacks):
    signup(client, django_capture_on_commit_callbacks)
    client.post(confirmation_link(mail.outbox[0]))
    client.post(reverse("account_logout"))
    assert client.get(reverse("account")).status_code == 302

    response = client.post(
        reverse("account_login"), {"login": "NEW@example.test", "password": GOOD_PASSWORD}
    )

    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200


def test_password_reset_sets_a_new_password(client, django_capture_on_commit_callbacks):
    signup(client, django_capture_on_commit_callbacks)
    client.post(confirmation_link(mail.outbox[0]))
    client.post(reverse("account_logout"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "new@example.test"})
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body
    ).group(1)
    form_page = client.get(link, follow=True)
    new_password = "a-brand-new-passphrase-7"
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": new_password, "password2": new_password},
    )

    assert response.status_code == 302
    assert User.objects.get().check_password(new_password)


def test_reset_request_does_not_reveal_whether_an_account_exists(
    client, django_capture_on_commit_callbacks
):
    signup(client, django_capture_on_commit_callbacks)
    known = client.post(reverse("account_reset_password"), {"email": "new@example.test"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
