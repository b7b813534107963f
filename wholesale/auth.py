"""The wholesale origin's HTTP Basic authentication: the user's email and password."""

from django.contrib.auth import get_user_model
from rest_framework import authentication, exceptions


class EmailBasicAuthentication(authentication.BasicAuthentication):
    """`Authorization: Basic base64(email:password)`; the email is matched case-insensitively.

    Django does not make emails unique, so every active user with that email is tried.
    """

    www_authenticate_realm = "wholesale"

    def authenticate_credentials(self, userid, password, request=None):
        users = get_user_model().objects.filter(email__iexact=userid, is_active=True)
        for user in users.order_by("pk"):
            if user.check_password(password):
                return user, None
        raise exceptions.AuthenticationFailed("Invalid email or password.")
