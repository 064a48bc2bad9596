"""What every endpoint of the API shares: its language, its errors, who may call it."""

from __future__ import annotations

from django.utils import translation
from django.utils.cache import patch_vary_headers
from rest_framework import exceptions, permissions

from departments.access import is_department_user, is_office

from .errors import exception_handler
from .language import api_language


class HasRole(permissions.BasePermission):
    """The office and department users, as on the site; anyone else signed in gets 404."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # 401, with the token scheme in WWW-Authenticate
        if is_office(user) or is_department_user(user):
            return True
        raise exceptions.NotFound()


class ApiViewMixin:
    """The request's language (``api.language``) and the API's one shape of error."""

    permission_classes = [HasRole]

    def initial(self, request, *args, **kwargs):
        language = api_language(request._request)
        translation.activate(language)
        request._request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)

    def get_exception_handler(self):
        return exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        patch_vary_headers(response, ("Accept-Language",))
        return response
