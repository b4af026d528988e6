"""Who did it, as the database knows it: every history and activity row records the database role
that wrote it beside the user it claims to be.

On PostgreSQL a trigger sets it to ``session_user`` (the role that logged in, which a ``--user``
flag cannot change, nor a later ``SET ROLE``) on every insert, whatever the insert says, so every
way a row is written (a move, an activity, a bulk import) records it without being asked. SQLite
has no roles: the column stays empty there, and the claimed user is all there is (the README says
so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from leadboard.store.db import database, is_sqlite
from leadboard.store.migrations.steps.base import Step

if TYPE_CHECKING:  # playhouse.migrate is imported only when a step runs
    from playhouse.migrate import SchemaMigrator

TABLES = ("history", "activity")


def apply(migrator: SchemaMigrator) -> None:
    from playhouse.migrate import migrate

    migrate(*(migrator.add_column(table, "database_role", pw.CharField(max_length=200, null=True))
              for table in TABLES))
    if is_sqlite():
        return
    # a trigger, not a column default: an INSERT that names a role of its own is overruled too
    database.execute_sql(
        "CREATE OR REPLACE FUNCTION leadboard_database_role() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.database_role := session_user; RETURN NEW; END $$"
    )
    for table in TABLES:
        database.execute_sql(f'CREATE TRIGGER "{table}_database_role" BEFORE INSERT ON "{table}" '
                             "FOR EACH ROW EXECUTE PROCEDURE leadboard_database_role()")


STEP = Step("database-role", apply)
