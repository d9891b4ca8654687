"""The gRPC mapping and the consumers' retry read one SQLSTATE table (`infra_errors.SQLSTATE_FAILURES`): a failure a
client is told to retry is one a consumer retries, and the other way round. Before, two lists disagreed (e.g. 53100
disk full: retried by consumers but INTERNAL to clients; 25006 failover: UNAVAILABLE to clients but dead-lettered)."""
from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from grpc import StatusCode

from ekinerja_platform import grpc_errors, infra_errors, transient

pytestmark = pytest.mark.unit

SQLSTATES = ["40001", "40P01", "55P03", "57014", "25006", "25P03", "08006", "08001", "53300", "53100", "57P01",
             "57P03", "58030", "23505", "23503", "22P02", "42P01", "25001", "57000", "40002"]


def _db_error(sqlstate):
    class Orig(psycopg.Error):
        pass
    orig = Orig("x")
    orig.sqlstate = sqlstate
    return sa.exc.DBAPIError("SELECT 1", {}, orig)


@pytest.mark.parametrize("sqlstate", SQLSTATES)
def test_a_client_is_told_to_retry_exactly_what_a_consumer_retries(sqlstate):
    status = grpc_errors.to_grpc_error(_db_error(sqlstate)).code
    assert (status != StatusCode.INTERNAL) == transient.is_transient(_db_error(sqlstate))
    assert (status != StatusCode.INTERNAL) == (infra_errors.failure_for_sqlstate(sqlstate) is not None)


@pytest.mark.parametrize(("sqlstate", "failure"), [
    ("40001", infra_errors.CONCURRENT_UPDATE), ("55P03", infra_errors.LOCK_TIMEOUT),
    ("57014", infra_errors.STATEMENT_TIMEOUT), ("57P01", infra_errors.DATABASE_UNAVAILABLE),
    ("08006", infra_errors.DATABASE_UNAVAILABLE), ("53100", infra_errors.DATABASE_UNAVAILABLE),
    ("23505", None), ("57000", None), (None, None),
])
def test_a_code_s_own_entry_wins_over_its_class(sqlstate, failure):
    assert infra_errors.failure_for_sqlstate(sqlstate) is failure
