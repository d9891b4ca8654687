"""The adapter's answers are plain values: every converter, fed a real protobuf reply with every field set (each
string to its own field name), returns application/answers values made of str, int, bool, bytes and tuples only —
no protobuf object reaches a use case or a template — and copies each field it keeps from the field of that name.

Checked failing: a converter returning the reply itself (`day = lambda m: m`), and two positional arguments swapped
in `activity` (uraian ↔ satuan), each fail here.

And every page renders the same HTML from the plain answers as from the protobuf replies they come from,
with no protobuf object in what reaches its template: each page use case runs twice on a fake port, answering
with a filled protobuf reply (the shape the templates read before) and with the adapter's conversion of it.
Checked failing: `catatan` dropped from `activity`, or `unit_nama` from `instansi_recap`, changes a page here.
"""
import asyncio
import dataclasses
import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from decimal import Decimal
from pathlib import Path

import jinja2
import pytest
from google.protobuf.descriptor import FieldDescriptor
from portal.adapters.answers import CONVERTERS, convert
from portal.adapters.services import pb
from portal.application import actions, pages, views
from portal.application import answers as A
from portal.application.ports import ServiceError

pytestmark = pytest.mark.unit

PLAIN = (str, int, bool, bytes)


def filled(message, depth=0):
    """Every field set: strings to their own name, numbers to a value of their own, one item in each list."""
    for f in message.DESCRIPTOR.fields:
        repeated = f.is_repeated
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            if f.message_type.GetOptions().map_entry or depth > 4:
                continue
            filled(getattr(message, f.name).add() if repeated else getattr(message, f.name), depth + 1)
        else:
            value = {FieldDescriptor.TYPE_STRING: f.name, FieldDescriptor.TYPE_BYTES: f.name.encode(),
                     FieldDescriptor.TYPE_BOOL: True, FieldDescriptor.TYPE_ENUM: 1}.get(f.type, f.number + 100)
            getattr(message, f.name).append(value) if repeated else setattr(message, f.name, value)
    return message


def reply_of(service, rpc):
    module = pb(service)
    method = module.DESCRIPTOR.services_by_name[f"{service.capitalize()}Service"].methods_by_name[rpc]
    return filled(getattr(module, method.output_type.name)())


def check(answer, message, where):
    """`answer` is plain all the way down and each of its fields equals the message's field of that name."""
    assert is_dataclass(answer) and type(answer).__module__ == A.__name__, f"{where}: {type(answer)}"
    for f in fields(answer):
        value = getattr(answer, f.name)
        source = getattr(message, f.name, None)
        if isinstance(value, tuple):
            assert len(value) == len(source), f"{where}.{f.name}"
            for i, (item, item_source) in enumerate(zip(value, source, strict=True)):
                if isinstance(item, PLAIN):
                    assert item == item_source, f"{where}.{f.name}[{i}]"
                else:
                    check(item, item_source, f"{where}.{f.name}[{i}]")
        elif isinstance(value, PLAIN):
            if source is not None:
                assert value == source, f"{where}.{f.name}: {value!r} != {source!r}"
        else:
            check(value, source, f"{where}.{f.name}")


@pytest.mark.parametrize(("service", "rpc"), sorted(CONVERTERS))
def test_every_answer_is_plain_and_copied_field_by_field(service, rpc):
    message = reply_of(service, rpc)
    check(convert(service, rpc, message), message, f"{service}.{rpc}")


def test_an_answer_no_page_reads_is_none():
    assert convert("des", "SendActivity", reply_of("des", "SendActivity")) is None


def test_the_evidence_is_a_file_of_its_bytes():
    assert convert("des", "GetEvidence", reply_of("des", "GetEvidence")) == A.File(b"data", "content_type", "")


# -- pages ----------------------------------------------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
TODAY = dt.date(2026, 3, 5)
PRINCIPAL = {"nama": "Ani", "jabatan_id": "parent_id", "instansi_id": "I1", "nip": "nip"}


def run(coroutine):
    """On a loop of its own in a thread (the browser tests in the same process keep the main thread's loop)."""
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("value", asyncio.run(coroutine)))
    worker.start()
    worker.join(60)
    return result["value"]


class Replies:
    """Answers every call with a filled reply of its RPC: as protobuf (`plain=False`) or as the adapter's answer."""

    def __init__(self, plain: bool):
        self.plain = plain

    async def call(self, service, rpc, fields, token="", **_):
        reply = reply_of(service, rpc)
        return convert(service, rpc, reply) if self.plain else reply


PAGES = {  # page -> (template, the use case's view model from a port)
    "hari_ini": ("hari_ini.html", lambda s: views.hari_ini(s, "t", TODAY)),
    "laporan": ("laporan.html", lambda s: pages.laporan(s, "t", "2026-03")),
    "laporan_detail": ("laporan_form.html", lambda s: detail(s)),
    "tim": ("tim.html", lambda s: views.tim(s, "t", PRINCIPAL, TODAY)),
    "skp": ("skp.html", lambda s: pages.skp_list(s, "t", PRINCIPAL, "")),
    "skp_detail": ("skp_detail.html", lambda s: pages.skp_detail(s, "t", "s1", "nip")),
    "rekap_instansi": ("rekap.html", lambda s: pages.rekap(s, "t", TODAY, instansi_id="I1")),
    "rekap_unit": ("rekap.html", lambda s: pages.rekap(s, "t", TODAY, unit_id="U1")),
    "rekap_pegawai": ("rekap.html", lambda s: pages.rekap(s, "t", TODAY, nip="nip")),
    "tanya": ("tanya.html", lambda s: tanya(s)),
    "admin": ("admin.html", lambda s: pages.admin(s, "t", "I1", {"audit_nip": "1", "jabatan": "J1"})),
}


async def detail(services):
    return await pages.laporan_form(services, "t", TODAY, await pages.activity(services, "t", "a1"))


async def tanya(services):
    data = await pages.tanya(services, "t", ["expert"])
    return {**data, "answer": await actions.ask(services, "t", "apa?", "k" * 16)}


def render(template: str, data: dict) -> str:
    context = {"values": {}, "answer": None, "result": None, "reply": None, **data}
    context.update(csrf="c", kunci="k", roles=["pegawai", "expert"], principal=PRINCIPAL, flash=None, fmt=views.fmt,
                   state_labels=views.STATE_LABELS, skp_labels=views.SKP_STATUS_LABELS,
                   audit_labels=views.AUDIT_LABELS, problems=[], field_problem={}, form_problems=[])
    return ENV.get_template(template).render(**context)


def assert_plain(value, where):
    if isinstance(value, str | bytes | bool | int | Decimal | type(None) | ServiceError):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            assert_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, list | tuple | set):
        for i, item in enumerate(value):
            assert_plain(item, f"{where}[{i}]")
    else:
        assert dataclasses.is_dataclass(value) and type(value).__module__ == A.__name__, \
            f"{where}: {type(value).__module__}.{type(value).__name__} reaches the template"
        for f in dataclasses.fields(value):
            assert_plain(getattr(value, f.name), f"{where}.{f.name}")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_is_the_same_from_plain_answers_and_holds_no_protobuf(name):
    template, use_case = PAGES[name]
    plain = run(use_case(Replies(plain=True)))
    assert_plain(plain, name)
    assert render(template, plain) == render(template, run(use_case(Replies(plain=False))))


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_form_carries_its_idempotency_key_and_macros_are_imported_without_context(name):
    """csrf_field takes the page's `kunci` as an argument: an import "with context" rebuilt macros.html's module on
    every render (~15 % of a "Hari ini" render)."""
    template, use_case = PAGES[name]
    html = render(template, run(use_case(Replies(plain=True))))
    assert html.count('name="kunci" value="k"') == html.count('name="csrf" value="c"')
    assert "with context" not in (TEMPLATES / template).read_text()
