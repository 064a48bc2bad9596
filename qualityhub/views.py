from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from departments.access import is_department_user, is_office


@login_required
def home(request):
    """Each role lands on its own page: departments on their form, the office on the overview."""
    if is_department_user(request.user):
        return redirect("reports:form")
    if is_office(request.user):
        return redirect("reports:overview")
    raise PermissionDenied
