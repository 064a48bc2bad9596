"""The login forms of the site and of the admin.

Django's ``AuthenticationForm`` gives the username field its length (150) for the widget but
never checks it, and hands whatever was typed to ``authenticate()``; django-axes then records
the failed login in a column of 255 characters, so a longer name was a database error (a 500).
Here a username longer than any account can have is refused before authentication is attempted,
with exactly the message of a wrong password: the page says nothing more than for any other
failed login, and in particular not whether an account exists.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm


class UsernameLengthMixin:
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return super().clean()


class LoginForm(UsernameLengthMixin, AuthenticationForm):
    """The site's login form (``/accounts/login/``)."""


class AdminLoginForm(UsernameLengthMixin, AdminAuthenticationForm):
    """The admin's login form (``/admin/login/``), which also requires a staff account."""
