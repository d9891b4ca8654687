"""Unit tests of the portal's own logic: refusals become Indonesian sentences tied to their field, service error
details are parsed, and the inline SVG chart is drawn to scale and labelled."""
import grpc
import pytest
from portal.adapters.services import to_service_error
from portal.application.charts import paired_bars
from portal.application.errors import sentence
from portal.application.views import fmt

pytestmark = pytest.mark.unit


class FakeAioError(grpc.aio.AioRpcError):
    def __init__(self, code, details, trailing=()):
        super().__init__(code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailing), details)


def test_field_prefix_of_a_service_message_names_the_field():
    error = to_service_error(FakeAioError(grpc.StatusCode.INVALID_ARGUMENT, "reason: an unlock needs a reason"))
    assert (error.code, error.field, error.detail) == ("INVALID_ARGUMENT", "reason", "an unlock needs a reason")
    problem = sentence(error.code, error.detail, error.field)
    assert problem.field == "reason" and problem.message == "Alasan wajib diisi."


def test_retry_after_of_a_throttled_login_is_shown_in_seconds():
    error = to_service_error(FakeAioError(grpc.StatusCode.RESOURCE_EXHAUSTED, "too many attempts",
                                          (("retry-after", "30"),)))
    assert sentence(error.code, error.detail, error.field, error.retry_after).message == \
        "Terlalu banyak percobaan. Coba lagi dalam 30 detik."


@pytest.mark.parametrize("detail", ["2026-12-05 is locked by the penilai", "the entry is locked",
                                    "tanggal 2026-12-03 terkunci oleh pejabat penilai",
                                    "entri sudah terkunci oleh pejabat penilai dan tidak dapat diubah"])
def test_a_locked_entry_gets_its_own_sentence(detail):
    assert "dikunci" in sentence("FAILED_PRECONDITION", detail, "activity_id").message


@pytest.mark.parametrize("code", [c.name for c in grpc.StatusCode])
def test_every_status_gives_an_indonesian_sentence_without_the_english_detail(code):
    message = sentence(code, "internal error (correlation id abc) with some english words", "").message
    assert message and "english" not in message and "correlation" not in message


def test_unknown_field_falls_back_to_the_generic_sentence():
    assert sentence("INVALID_ARGUMENT", "bad", "zzz").message.startswith("Isian tidak valid")


def test_chart_bars_scale_to_the_largest_value_and_are_labelled():
    svg = paired_bars("Rencana dan realisasi", ["Jan", "Feb"], ["10", "5"], ["20", "0"])
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>Rencana dan realisasi</title>" in svg
    assert 'height="120"' in svg and 'height="60"' in svg and 'height="30"' in svg and 'height="0"' in svg
    assert "Feb Realisasi: 0" in svg


def test_chart_escapes_its_labels():
    assert "<script>" not in paired_bars("<script>", ["<b>"], ["1"], ["1"])


def test_decimals_are_shown_the_indonesian_way():
    assert (fmt("12.50"), fmt("3"), fmt(""), fmt("0.25")) == ("12,5", "3", "0", "0,25")
