from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from departments.access import is_office
from departments.models import Department
from reports.exchange.checking import parse_values_file
from reports.exchange.parsing import ImportFileError
from reports.exchange.services import import_values


class Command(BaseCommand):
    help = (
        "Import reported values from an xlsx or csv file. Every row is checked first; a file "
        "with any error writes nothing. --dry-run shows the preview only."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--user", help="username recorded in the history (an admin or the office)"
        )
        parser.add_argument(
            "--department",
            help="code of the one department whose figures the file holds (a department's "
            "return): rows of any other department are errors",
        )

    def handle(self, *args, file: Path, dry_run=False, user=None, department=None, **options):
        scope = None
        if department:
            scope = Department.objects.current().filter(code=department).first()
            if scope is None:
                raise CommandError(f"no current department {department!r}")
        acting_user = None
        if user:
            acting_user = get_user_model().objects.filter(username=user).first()
            if acting_user is None:
                raise CommandError(f"no user {user!r}")
            if not is_office(acting_user):
                raise CommandError("只有领导小组办公室和系统管理员可以导入填报数值。")
        if not file.is_file():
            raise CommandError(f"{file}：文件不存在，或不是一个文件。")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}：无法读取（{exc.strerror}）。") from exc
        try:
            preview = parse_values_file(data, file.name, department=scope)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        counts = preview.counts
        self.stdout.write(
            f"新增 {counts['new']}，更新 {counts['updated']}，未变 {counts['unchanged']}，"
            f"错误 {counts['errors']}"
        )
        for error in preview.errors:
            self.stdout.write(f"第 {error.row} 行 [{error.column}]：{error.message}")
        if preview.errors:
            raise CommandError("文件有错误，未导入任何数据。")
        if dry_run:
            self.stdout.write("试运行：未写入任何数据。")
            return
        written = import_values(preview, acting_user=acting_user)
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成：新增 {written['new']}，更新 {written['updated']}，"
                f"未变 {written['unchanged']}。"
            )
        )
