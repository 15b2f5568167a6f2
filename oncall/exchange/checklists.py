"""Checklist files (YAML, schema ``oncall-checklist/1``): reading them with line numbers, and
the library of checklists a runner can use (the shipped defaults plus a team's folder).

YAML is *composed*, never constructed, so no tag can build an object and every value keeps
its line (as the team file reader does); the tree goes to ``oncall.domain.triage.validate``
for the rules of reference/triage.md 9.2. A file with an error is reported as
:class:`ChecklistError` and left out of the library; the other files still load.

Rule 17 (a checklist whose steps or branches changed must raise its ``version``) compares each
team checklist with its last imported copy, kept in the database (``oncall.db.checklists``):
:func:`check_versions` does the comparison, and :func:`load_library` with ``sessions`` runs it
and (with ``record``) keeps each newly imported file as the copy the next change is compared
with. A file that breaks rule 17 is reported and the last imported copy stays in use, so the
runner still offers the team's checklist as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from oncall.domain.triage import (
    Checklist,
    Node,
    Problem,
    killer_item_problems,
    validate,
    version_problems,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker  # noqa: TID251  (types only)

    from oncall.db.checklists import ChecklistCopy

_TAGS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "timestamp",
    "tag:yaml.org,2002:map": "map",
    "tag:yaml.org,2002:seq": "seq",
}
#: The file name pattern of checklist files in a folder.
PATTERNS = ("*.yaml", "*.yml")


class ChecklistError(Exception):
    """A problem in a checklist file: ``path:line: rule: message``. A warning (``warning``)
    does not stop the file from loading."""

    def __init__(
        self, path: str, line: int, rule: str, message: str, *, warning: bool = False
    ) -> None:
        super().__init__(f"{path}:{line}: {rule}: {message}")
        self.path = path
        self.line = line
        self.rule = rule
        self.message = message
        self.warning = warning

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {self.rule}: {kind}{self.message}"

    def __repr__(self) -> str:
        return f"ChecklistError({self.path!r}, {self.line}, {self.rule!r}, {self.message!r})"


def defaults_dir() -> Path:
    """The shipped checklists: resources/checklists in a source checkout, else inside the
    installed package."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "resources" / "checklists"
    if packaged.is_dir():
        return packaged
    return package.parent / "resources" / "checklists"


# ---------------------------------------------------------------------------------- tree


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _tree(node: yaml.Node, path: str, problems: list[ChecklistError], depth: int = 0) -> Node:
    """A composed YAML node as a :class:`Node`, keeping lines; repeated keys are reported."""
    if depth > 50:
        raise RecursionError
    tag = _TAGS.get(node.tag, node.tag)
    if isinstance(node, yaml.MappingNode):
        values: dict[str, Node] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key in values:
                problems.append(
                    ChecklistError(
                        path,
                        _line(key_node),
                        "duplicate-key",
                        f'key "{key}" is given twice (first on line {lines[key]})',
                    )
                )
                continue
            values[key] = _tree(value_node, path, problems, depth + 1)
            lines[key] = _line(key_node)
        return Node(values, _line(node), tag, lines)
    if isinstance(node, yaml.SequenceNode):
        return Node([_tree(n, path, problems, depth + 1) for n in node.value], _line(node), tag)
    return Node(str(node.value), _line(node), tag)


def parse_tree(text: str, path: str = "<file>") -> tuple[Node | None, list[ChecklistError]]:
    """A checklist file's text as a :class:`Node` tree, or the YAML error with its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        # The construct's start (an unclosed bracket or quote) is where the mistake is;
        # YAML notices it only lines later.
        mark = error.context_mark or error.problem_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(p for p in (error.context, error.problem) if p)
        return None, [ChecklistError(path, line, "yaml", f"not valid YAML: {problem}")]
    except yaml.YAMLError as error:  # e.g. a character YAML does not allow
        position = getattr(error, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        return None, [ChecklistError(path, line, "yaml", f"not valid YAML: {first}")]
    except RecursionError:
        return None, [ChecklistError(path, 1, "yaml", "not valid YAML: nested too deeply")]
    if root is None:
        return None, [ChecklistError(path, 1, "missing-key", "the file is empty")]
    problems: list[ChecklistError] = []
    try:
        return _tree(root, path, problems), problems
    except RecursionError:
        return None, [ChecklistError(path, 1, "yaml", "nested too deeply")]


def _errors(path: str, problems: Iterable[Problem]) -> list[ChecklistError]:
    return [ChecklistError(path, p.line, p.rule, p.message, warning=p.warning) for p in problems]


def parse(
    text: str,
    path: str = "<file>",
    *,
    library: dict[str, frozenset[str]] | None = None,
    today: date | None = None,
) -> tuple[Checklist | None, list[ChecklistError]]:
    """Read and validate one checklist. Returns the checklist (None when any problem is an
    error) and every problem, errors and warnings, by line."""
    tree, problems = parse_tree(text, path)
    if tree is None:
        return None, problems
    checklist, found = validate(tree, library=library, today=today)
    problems = sorted(problems + _errors(path, found), key=lambda e: e.line)
    if any(not p.warning for p in problems):
        return None, problems
    return checklist, problems


def _step_ids(text: str) -> tuple[str, frozenset[str]] | None:
    """A file's checklist id and step ids, read loosely (for other files' ``file#step``)."""
    tree, _ = parse_tree(text)
    if tree is None or not isinstance(tree.value, dict):
        return None
    ident = tree.value.get("id")
    phases = tree.value.get("phases")
    if ident is None or not isinstance(ident.value, str) or phases is None:
        return None
    ids: set[str] = set()
    for phase in phases.value if isinstance(phases.value, list) else []:
        steps = phase.value.get("steps") if isinstance(phase.value, dict) else None
        for step in steps.value if steps is not None and isinstance(steps.value, list) else []:
            sid = step.value.get("id") if isinstance(step.value, dict) else None
            if sid is not None and isinstance(sid.value, str):
                ids.add(sid.value)
    return ident.value, frozenset(ids)


# ---------------------------------------------------------------------------------- library


@dataclass
class Library:
    """The checklists a runner can offer, by id, and the problems of the files left out
    (and the warnings of those loaded); ``texts`` holds each loaded file's text (what rule 17
    keeps as the last imported copy)."""

    checklists: dict[str, Checklist] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    problems: list[ChecklistError] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)

    def get(self, checklist_id: str) -> Checklist | None:
        """The checklist with this id, if it loaded."""
        return self.checklists.get(checklist_id)

    @property
    def errors(self) -> list[ChecklistError]:
        """The problems that kept a file out."""
        return [p for p in self.problems if not p.warning]


def _files(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted({p for pattern in PATTERNS for p in folder.glob(pattern) if p.is_file()})


def load_files(
    paths: Sequence[Path],
    *,
    today: date | None = None,
    base: Library | None = None,
) -> Library:
    """Validate files against each other (and ``base``'s checklists, for ``file#step``).

    A later file with the same id as one in ``base`` replaces it, if it keeps the killer
    items (rule 19); two files of ``paths`` with the same id: the first wins, the second is
    an error.
    """
    library = Library(
        dict(base.checklists) if base else {},
        dict(base.sources) if base else {},
        list(base.problems) if base else [],
        dict(base.texts) if base else {},
    )
    texts: dict[Path, str] = {}
    known: dict[str, frozenset[str]] = {
        cid: frozenset(c.steps) for cid, c in library.checklists.items()
    }
    for path in paths:
        try:
            texts[path] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            library.problems.append(ChecklistError(str(path), 1, "yaml", f"cannot read: {error}"))
            continue
        with contextlib.suppress(RecursionError):
            ids = _step_ids(texts[path])
            if ids is not None:
                known[ids[0]] = ids[1]
    seen: dict[str, Path] = {}
    for path, text in texts.items():
        checklist, problems = parse(text, str(path), library=known, today=today)
        if checklist is not None:
            if checklist.id in seen:
                problems.append(
                    ChecklistError(
                        str(path), 1, "duplicate-id",
                        f'checklist id "{checklist.id}" is also used by {seen[checklist.id]}',
                    )
                )  # fmt: skip
                checklist = None
            elif (shipped := library.checklists.get(checklist.id)) is not None:
                problems += _errors(str(path), killer_item_problems(shipped, checklist))
                if any(not p.warning for p in problems):
                    checklist = None
        library.problems += problems
        if checklist is not None:
            seen[checklist.id] = path
            library.checklists[checklist.id] = checklist
            library.sources[checklist.id] = path
            library.texts[checklist.id] = text
    return library


def load_library(
    team_dir: Path | None = None,
    *,
    today: date | None = None,
    sessions: sessionmaker[Session] | None = None,
    now: datetime | None = None,
    record: bool = False,
) -> Library:
    """The shipped checklists, then a team folder's (``*.yaml``) on top. Bad files are left
    out and reported in ``problems``; the others load.

    With ``sessions``, each team checklist is held to rule 17 against its last imported copy
    (:func:`check_versions`); with ``record`` too, the files that pass become the new copies
    (stamped ``now``). A database that cannot be reached skips the comparison (logged): the
    files load as they are.
    """
    shipped = load_files(_files(defaults_dir()), today=today)
    if team_dir is None:
        return shipped
    library = load_files(_files(team_dir), today=today, base=shipped)
    if sessions is None:
        return library
    return hold_to_copies(library, sessions, now, record=record)


def hold_to_copies(
    library: Library,
    sessions: sessionmaker[Session],
    now: datetime | None = None,
    *,
    record: bool = False,
) -> Library:
    """``library`` with rule 17 checked against the stored copies (:func:`check_versions`),
    in one transaction; with ``record`` the files that pass become the new copies, stamped
    ``now``. A database that cannot answer leaves ``library`` as it is (logged)."""
    from oncall.db.checklists import with_copies

    stamp = now if now is not None else datetime.now(UTC)
    checked = with_copies(
        sessions, lambda copies: check_versions(library, copies, stamp), record=record
    )
    return checked if checked is not None else library


def _key_line(text: str, key: str) -> int:
    """The line of a top-level ``key`` in a checklist file (1 when it cannot be found)."""
    tree, _ = parse_tree(text)
    if tree is not None and isinstance(tree.value, dict):
        return tree.key_lines.get(key, tree.line)
    return 1


def check_versions(
    library: Library, copies: Mapping[str, ChecklistCopy], now: datetime
) -> tuple[Library, list[ChecklistCopy]]:
    """Rule 17 for the team checklists of ``library`` (not the shipped ones) against
    ``copies``, the last imported copy of each by id.

    A checklist whose steps or branches differ from its copy's without a higher ``version``
    gets a ``version`` error on the file's version line, and the copy (read again) takes its
    place in the returned library. Returns that library and the copies to keep: every team
    file that passed and differs from (or has no) stored copy, stamped ``now``.
    """
    from oncall.db.checklists import ChecklistCopy

    shipped = defaults_dir().resolve()
    out = Library(dict(library.checklists), dict(library.sources), list(library.problems),
                  dict(library.texts))  # fmt: skip
    known = {cid: frozenset(c.steps) for cid, c in library.checklists.items()}
    keep: list[ChecklistCopy] = []
    for cid, checklist in sorted(library.checklists.items()):
        path, text = library.sources.get(cid), library.texts.get(cid)
        if path is None or text is None or path.resolve().parent == shipped:
            continue
        stored = copies.get(cid)
        previous = None
        if stored is not None:
            # A copy this oncall can no longer read is no ground for refusing the file.
            previous, _ = parse(stored.text, stored.source or "<stored copy>", library=known)
        problems = version_problems(previous, checklist) if previous is not None else []
        if previous is not None and stored is not None and problems:
            when = stored.imported_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            out.problems.append(
                ChecklistError(
                    str(path), _key_line(text, "version"), problems[0].rule,
                    f"{problems[0].message} (compared with the copy imported {when}; oncall "
                    f"keeps using that version {previous.version} until then)",
                )
            )  # fmt: skip
            out.checklists[cid] = previous
            out.texts[cid] = stored.text
            continue
        if stored is None or stored.text != text:
            keep.append(ChecklistCopy(cid, checklist.version, text, str(path), now))
    return out, keep
