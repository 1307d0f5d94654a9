"""A read-only Qt list model over a short list of plain dataclass records (the codebook)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt

RecordRole = Qt.ItemDataRole.UserRole + 1


class RecordListModel(QAbstractListModel):
    """Rows are records with an `id`; RecordRole gives the record itself to delegates.

    Subclasses say what each row shows by overriding `record_data`.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.records: list = []

    def set_records(self, records: list) -> None:
        self.beginResetModel()
        self.records = list(records)
        self.endResetModel()

    def replace_records(self, records: list) -> None:
        """Put these records in place of those with the same ids (other rows stay)."""
        fresh = {record.id: record for record in records}
        for row, record in enumerate(self.records):
            if record.id in fresh:
                self.records[row] = fresh[record.id]
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 (Qt's signature)
        return 0 if parent.isValid() else len(self.records)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self.records[index.row()]
        if role == RecordRole:
            return record
        return self.record_data(record, index.row(), role)

    def record_data(self, record, row: int, role: int):
        """What a row shows for a role other than RecordRole."""
        return None

    def row_of(self, record_id: int) -> int | None:
        for row, record in enumerate(self.records):
            if record.id == record_id:
                return row
        return None
