"""The CLI's refusals: an Indonesian sentence chosen by the error's google.rpc reason, the service's detail after it."""
import json

import click
import grpc
import pytest
from click.testing import CliRunner

from ekinerja_cli import client, error_messages
from ekinerja_cli.output import json_option
from ekinerja_platform import error_details
from ekinerja_platform.domain_errors import InvalidArgument, PermissionDenied
from ekinerja_platform.grpc_errors import to_grpc_error

pytestmark = pytest.mark.unit


class FailedCall(grpc.RpcError):
    """A failed call as grpcio hands it to the CLI, built from what the service's trailers carry."""

    def __init__(self, server_error):
        self._code, self._details = server_error.code, server_error.message
        self._trailers = [(name, value) for name, value in server_error.as_headers()
                          if name == "grpc-status-details-bin"]

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._trailers


def test_a_reason_becomes_an_indonesian_sentence_naming_the_field():
    error = to_grpc_error(InvalidArgument("terlalu panjang: 1048576 karakter, paling banyak 1000", field="uraian",
                                          reason="FIELD_TOO_LONG"))
    refused = error_messages.refusal(FailedCall(error))
    assert (refused.reason, refused.field) == ("FIELD_TOO_LONG", "uraian")
    assert refused.message.startswith("Isian uraian terlalu panjang")


def test_without_a_reason_of_its_own_the_status_code_picks_the_sentence():
    refused = error_messages.refusal(FailedCall(to_grpc_error(PermissionDenied("bukan penilai dokumen ini"))))
    assert refused.message == "Anda tidak berwenang melakukan ini: bukan penilai dokumen ini"
    stopping = error_details.error(grpc.StatusCode.UNAVAILABLE, "layanan sedang berhenti", "SERVER_STOPPING")
    assert error_messages.refusal(FailedCall(stopping)).message.startswith("Layanan sedang berhenti")


def test_every_status_code_has_a_sentence():
    assert set(grpc.StatusCode) - {grpc.StatusCode.OK} <= set(error_messages.BY_CODE)


def test_the_cli_prints_the_sentence_and_exits_2_for_bad_input():
    @click.command()
    @json_option
    def command():
        with client.rpc_errors():
            raise FailedCall(to_grpc_error(InvalidArgument("berisi NUL", field="user", reason="NUL_CHARACTER")))

    result = CliRunner().invoke(command, [])
    assert result.exit_code == 2
    assert result.output == ("error: Isian user berisi karakter yang tidak diizinkan (NUL): user: berisi NUL\n")
    result = CliRunner().invoke(command, ["--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["reason"] == "NUL_CHARACTER"


def test_a_locked_day_is_named_and_said_in_indonesian():
    """des's lock refusal: the sentence from its reason, then the exact day (not the month)."""
    from ekinerja_platform.domain_errors import FailedPrecondition
    error = FailedCall(to_grpc_error(FailedPrecondition("tanggal 2026-12-03 terkunci oleh pejabat penilai",
                                                        field="tanggal", reason="PERIOD_LOCKED")))
    line = error_messages.refusal(error).message
    assert line.startswith("Hari atau bulan ini sudah dikunci pejabat penilai")
    assert "tanggal 2026-12-03 terkunci" in line
