"""Undo for edits: one QUndoCommand made of a do and an undo function."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand


class ActionCommand(QUndoCommand):
    """An undoable edit; ``redo`` runs first when the command is pushed onto a QUndoStack."""

    def __init__(self, text: str, do: Callable[[], None], undo: Callable[[], None]) -> None:
        super().__init__(text)
        self._do, self._undo = do, undo

    def redo(self) -> None:
        """Apply the edit (also when the command is first pushed)."""
        self._do()

    def undo(self) -> None:
        """Revert the edit."""
        self._undo()
