import json
import os

from django.core.management.base import BaseCommand

from departments.choices import Role
from departments.services import demo_user_ensure
from indicators.selectors import departments_with_responsibilities


class Command(BaseCommand):
    help = (
        "Create the demo accounts if missing: one admin, one leadership-office user and one "
        "reporter per department that holds a responsibility. Their password is DEMO_PASSWORD "
        "(default: qualityhub-demo); an account whose password was changed gets it back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the accounts as JSON"
        )

    def handle(self, *args, as_json: bool = False, **options):
        password = os.environ.get("DEMO_PASSWORD") or "qualityhub-demo"
        accounts = [("admin", Role.ADMIN, None), ("office", Role.OFFICE, None)]
        accounts += [
            (f"reporter-{department.code.lower()}", Role.REPORTER, department)
            for department in departments_with_responsibilities()
        ]
        rows, created = [], 0
        for username, role, department in accounts:
            _user, was_created = demo_user_ensure(
                username=username, password=password, role=role, department=department
            )
            created += was_created
            rows.append(
                {
                    "username": username,
                    "password": password,
                    "role": str(role),
                    "department_code": department.code if department else None,
                }
            )
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for row in rows:
                self.stdout.write(
                    f"{row['username']:<28} {row['role']:<9} {row['department_code'] or ''}"
                )
            self.stdout.write(f"{len(rows)} demo accounts ({created} new), password: {password}")
