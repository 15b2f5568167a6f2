"""Undo for edits: one QUndoCommand made of a do and an undo function, and how to push one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand, QUndoStack

from oncall.app import ReadOnlyDatabase

if TYPE_CHECKING:  # imported when an edit is pushed: the first paint stays SQLAlchemy-free
    from oncall.db.conflicts import EditConflict


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


def push_edit(
    stack: QUndoStack,
    text: str,
    do: Callable[[], None],
    undo: Callable[[], None],
    after: Callable[[], None] | None = None,
    on_conflict: Callable[[EditConflict], None] | None = None,
) -> str | None:
    """Run an edit through the undo stack; returns the refusal's message if it was refused.

    ``do`` runs at once (as the command's first redo). When it raises ``ValueError`` (the
    database said no and its transaction rolled back) or ``ReadOnlyDatabase`` (changes are
    off: a team database from a newer oncall) the command never reaches the undo history and
    the message is returned for the screen to show. So is a save that met a lost connection
    to the team server (``oncall.ui.connection.NOT_SAVED``; the banner shows too) or one the
    server refused as read-only (``READ_ONLY_NOT_SAVED``): ``do`` functions that write
    through ``ctx.sessions`` directly get the same sentences as ``ctx.edit``. ``after``
    runs after every successful do and every undo, once the change is saved.

    Someone else's newer save (``EditConflict``, raised by a do, a redo or an undo that
    expected an older version) changes nothing: the command leaves the history (its undo
    would no longer be true) and ``on_conflict`` gets the conflict to show.
    """
    from oncall.db.conflicts import EditConflict

    errors: list[str] = []
    command: ActionCommand

    def conflicted(exc: EditConflict) -> None:
        command.setObsolete(True)  # Qt drops an obsolete command, after an undo or redo too
        if on_conflict is not None:
            on_conflict(exc)

    def guarded() -> None:
        try:
            do()
        except EditConflict as exc:
            errors.append(str(exc))
            conflicted(exc)
            return
        except (ValueError, ReadOnlyDatabase) as exc:
            errors.append(str(exc))
            command.setObsolete(True)  # Qt drops an obsolete command instead of keeping it
            return
        except Exception as exc:
            from oncall.ui.connection import save_refusal

            refusal = save_refusal(exc)  # a lost server, or one that refused as read-only
            if refusal is None:
                raise
            errors.append(refusal)  # reported, never dropped silently
            command.setObsolete(True)
            return
        if after is not None:
            after()

    def reverted() -> None:
        try:
            undo()
        except EditConflict as exc:
            conflicted(exc)
            return
        except Exception as exc:
            from oncall.ui.connection import save_refusal

            if save_refusal(exc) is None:
                raise
            # The undo was not saved: the step leaves the history rather than lie about it
            # (the banner says why: the server is away, or the database is read-only).
            command.setObsolete(True)
            return
        if after is not None:
            after()

    command = ActionCommand(text, guarded, reverted)
    stack.push(command)
    return errors[0] if errors else None
