from departments.access import department_of, is_department_user, is_office, role_of
from notices.selectors import unread_count


def role(request):
    """The user's role and department, and their unread notices (one query, signed in only),
    for the navigation bar."""
    user = getattr(request, "user", None)
    return {
        "notices_unread": unread_count(user),
        "user_role": role_of(user),
        "user_department": department_of(user),
        "user_is_office": is_office(user),
        "user_is_department": is_department_user(user),
    }
