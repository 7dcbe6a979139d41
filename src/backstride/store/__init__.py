"""Storage: people, screenings, walks, logs, plans and reviews in SQLite or PostgreSQL.

SQLAlchemy 2 models (:mod:`backstride.store.models`) with Alembic migrations shipped in the
package (``migrations/``) and applied when a store is opened::

    from backstride.store import open_store

    store = open_store()  # BACKSTRIDE_DATABASE_URL, else an SQLite file in the data dir
    store.add_person("ann", time_zone="Europe/Berlin", height_m=1.68)
    result = store.add_walks("ann", walks)  # ImportResult(added=..., skipped_duplicates=...)
    week = store.list_walks("ann", monday, next_monday)

Every method is one transaction: all of it is written, or (on an error or a kill) none.
"""

from backstride.store._errors import StoreError
from backstride.store.records import (
    CoreEntry,
    ImportResult,
    PainEntry,
    Person,
    PlanWeek,
    Review,
    Screening,
)
from backstride.store.store import EXPORT_SCHEMA, Store, open_store

__all__ = [
    "EXPORT_SCHEMA",
    "CoreEntry",
    "ImportResult",
    "PainEntry",
    "Person",
    "PlanWeek",
    "Review",
    "Screening",
    "Store",
    "StoreError",
    "open_store",
]
