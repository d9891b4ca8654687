from alembic import context

from ekinerja_platform.migrate import run_env

run_env(context)
