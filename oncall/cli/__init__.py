"""``oncall COMMAND``: the app's use cases for scripts and cron, without a window.

``oncall/__main__.py`` calls :func:`main` when the arguments hold one of :data:`SUBCOMMANDS`.
Exit codes: 0 done, 2 a usage or input error (bad option, unknown team, bad file: nothing
changed), 1 anything else (3: an import that rejected rows). JSON output is documented in
docs/cli.md and stable.

One module per area: ``team``, ``schedule`` (schedule and who), ``pagerduty`` (import
pagerduty, credentials), ``pages`` (paging history), ``calendar`` (iCal, publish, leave),
``triage`` (checklists, page); ``common`` holds what they share and ``app`` the parser and
the dispatch. Imports stay light: the database, the engine and YAML are loaded only by the
command that needs them, and Qt never.
"""

from oncall.cli.app import SUBCOMMANDS, main
from oncall.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError, machine_zone
from oncall.cli.pagerduty import PAGERDUTY_SCHEMA, PAGERDUTY_TOKEN
from oncall.cli.pages import EXIT_REJECTED, LOAD_SCHEMA, LOG_PAGE_SCHEMA, PAGES_IMPORT_SCHEMA
from oncall.cli.schedule import SCHEDULE_SCHEMA, WHO_SCHEMA
from oncall.cli.triage import RESUME_FLAG

__all__ = [
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_REJECTED",
    "EXIT_USAGE",
    "LOAD_SCHEMA",
    "LOG_PAGE_SCHEMA",
    "PAGERDUTY_SCHEMA",
    "PAGERDUTY_TOKEN",
    "PAGES_IMPORT_SCHEMA",
    "RESUME_FLAG",
    "SCHEDULE_SCHEMA",
    "SUBCOMMANDS",
    "WHO_SCHEMA",
    "CliError",
    "machine_zone",
    "main",
]
