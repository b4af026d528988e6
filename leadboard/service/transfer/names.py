"""The columns of leadboard's own export, by name: what ``export``, ``show --json`` and ``list --json``
write, and what ``import`` (``columns``) recognises when it reads them back. Kept apart from the
import's column matching so the commands that print cards do not load its tables.
"""

from __future__ import annotations

from typing import Final

from leadboard.domain.card import FIELD_NAMES

#: columns that are not card fields but say where a card stands, or come from our own export
STAGE, LOST_FROM, LOST_REASON = "stage", "lost_from", "lost_reason"
STATE_COLUMNS: Final = ("warnings", "activity_count", "last_activity_at", "created_at", "created_by",
                        "updated_at", "updated_by", "version")
HISTORY, ACTIVITY_LOG = "history", "activity_log"
#: a JSON export's open planned activities of a card (import plans them again), and its next step
#: and that step's state (derived from them, so not read back)
PLANNED, NEXT_STEP, NEXT_STEP_STATE = "planned", "next_step", "next_step_state"
#: a column named ``id`` is recognised (our export writes it) and not used: ids belong to a database
ID = "id"
#: the record's id in the source's system
SOURCE_ID = "source_id"
#: in a vendor's table: kept on the card under the column's own name, though an alias would match
#: it; as a column (our JSON export's): the card's extra fields, as one object
EXTRA = "extra"

#: the columns of leadboard's own export, in order
EXPORT_COLUMNS: Final = (ID, STAGE, *FIELD_NAMES, LOST_FROM, LOST_REASON, *STATE_COLUMNS, SOURCE_ID)
