"""recap's own settings (beyond the platform's `EKINERJA_*`, ekinerja_platform.settings.Settings), one typed model
read once from the environment."""
from __future__ import annotations

from dataclasses import dataclass

from ekinerja_platform.settings import load_model, setting


@dataclass(frozen=True)
class RecapSettings:
    # `rebuild` truncates the projections: as the owner, straight to PostgreSQL (not PgBouncer, whose role's
    # statement timeout would end a long rebuild); unset: the service's own URL
    migration_database_url: str | None = setting("EKINERJA_MIGRATION_DATABASE_URL", None, is_secret=True,
                                                 doc="owner's URL for `rebuild` (and `migrate`)")


def load_settings() -> RecapSettings:
    return load_model(RecapSettings)
