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
        "Import reported values from an xlsx, xls, csv or DHIS2 file. Every sheet is read and "
        "every row checked first; a file with any error writes nothing. --dry-run shows the "
        "preview only; values that look like a scale mistake need --accept-flags."
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
            "return): rows of any other department are errors, and rows naming no department "
            "are this one's",
        )
        parser.add_argument(
            "--accept-flags",
            action="store_true",
            help="import values flagged as a possible scale mistake (after checking them)",
        )

    def handle(
        self,
        *args,
        file: Path,
        dry_run=False,
        user=None,
        department=None,
        accept_flags=False,
        **options,
    ):
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
        self._preview(preview)
        if preview.errors:
            raise CommandError("文件有错误，未导入任何数据。")
        if dry_run:
            self.stdout.write("试运行：未写入任何数据。")
            return
        if preview.flags and not accept_flags:
            raise CommandError(
                "有数值需要核对（单位或比例可能有误，或超出历史预期范围），未导入任何数据；"
                "核对后可加 --accept-flags 导入。"
            )
        written = import_values(preview, acting_user=acting_user, accept_flags=accept_flags)
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成：新增 {written['new']}，更新 {written['updated']}，"
                f"未变 {written['unchanged']}。"
            )
        )

    def _preview(self, preview) -> None:
        """What the dry run found, as the import page shows it."""
        named = preview.sheets_named

        def where(sheet: str, row: int) -> str:
            return f"工作表“{sheet}”第 {row} 行" if named and sheet else f"第 {row} 行"

        for sheet in preview.sheets:
            title = f"工作表“{sheet['name']}”" if named else "数据表"
            if sheet["status"] != "used":
                self.stdout.write(f"{title}：未读取（{sheet['reason']}）")
                continue
            layout = "宽表（期间在列上）" if sheet["layout"] == "wide" else "长表（每行一个数值）"
            used = "、".join(
                f"{c['letter']} {c['header']}→{c['period'] or c['field']}"
                for c in sheet["columns"]
                if c["field"]
            )
            self.stdout.write(
                f"{title}：{layout}，表头第 {'、'.join(map(str, sheet['header_rows']))} 行；"
                f"读取 {used}"
            )
            for column in sheet["columns"]:
                if column["header"] and not column["field"]:
                    reason = column["ignored"] or "未识别"
                    self.stdout.write(f"  不导入 {column['letter']} {column['header']}：{reason}")
        counts = preview.counts
        self.stdout.write(
            f"新增 {counts['new']}，更新 {counts['updated']}，未变 {counts['unchanged']}，"
            f"跳过 {counts['skipped']}，需确认 {counts['flags']}，错误 {counts['errors']}"
        )
        for row in preview.skipped:
            self.stdout.write(f"跳过 {where(row['sheet'], row['row'])}：{row['reason']}")
        for flag in preview.flags:
            self.stdout.write(f"需确认 {where(flag['sheet'], flag['row'])}：{flag['message']}")
        for error in preview.errors:
            self.stdout.write(f"{where(error.sheet, error.row)} [{error.column}]：{error.message}")
