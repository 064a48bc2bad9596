"""The base of every django-import-export resource in the admin: Chinese headers, English
accepted, and formula-safe exports."""

from __future__ import annotations

from import_export import resources

from qualityhub.spreadsheets import neutralise, undo_neutralise


class BilingualResource(resources.ModelResource):
    """Column headers in Chinese; the English ones (the field names) are accepted on import.

    Exported text that a spreadsheet would run as a formula gets a leading apostrophe, which an
    import of the same file takes off again.
    """

    def before_import(self, dataset, **kwargs):
        english = {f.attribute: f.column_name for f in self.fields.values() if f.attribute}
        english.update({name: field.column_name for name, field in self.fields.items()})
        dataset.headers = [
            english.get(str(h).strip().lower(), str(h).strip()) if h is not None else h
            for h in dataset.headers
        ]
        rows = [
            [undo_neutralise(cell) if isinstance(cell, str) else cell for cell in row]
            for row in dataset
        ]
        del dataset[:]
        for row in rows:
            dataset.append(row)
        return super().before_import(dataset, **kwargs)

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        return neutralise(value) if isinstance(value, str) else value
