"""How far a long job has come: one shape for every layer's generators (the window's Worker
and the CLI's progress lines read it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a job has come: ``done`` of ``total`` steps, and what it is doing now."""

    done: int
    total: int
    message: str = ""

    @property
    def fraction(self) -> float:
        """Share done, 0.0 to 1.0 (1.0 for a job with nothing to do)."""
        return 1.0 if self.total <= 0 else min(1.0, self.done / self.total)
