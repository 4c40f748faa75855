"""Failures outside the user's control, recognised in one place."""
from sqlalchemy import exc as sa_exc

# The database refused to write (locked, read-only, gone): a 503 said in Chinese, with what was typed kept.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InternalError)
