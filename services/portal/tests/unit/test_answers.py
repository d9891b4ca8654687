"""The adapter's answers are plain values: every converter, fed a real protobuf reply with every field set (each
string to its own field name), returns application/answers values made of str, int, bool, bytes and tuples only —
no protobuf object reaches a use case or a template — and copies each field it keeps from the field of that name.

Checked failing: a converter returning the reply itself (`day = lambda m: m`), and two positional arguments swapped
in `activity` (uraian ↔ satuan), each fail here.
"""
from dataclasses import fields, is_dataclass

import pytest
from google.protobuf.descriptor import FieldDescriptor
from portal.adapters.answers import CONVERTERS, convert
from portal.adapters.services import pb
from portal.application import answers as A

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
