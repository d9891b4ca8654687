"""One shape of authorisation table in every service (issue 17 item 6): `<svc>.application.policy.RULES`, a dict RPC
name -> rule object, read by the module's check function (through `ekinerja_platform.policy_table.rule_of`).

Table-driven over the five gRPC services: every RPC of the proto has a row and no row names a missing RPC; the check
function looks up the row of the RPC it is asked about (a table nobody reads fails here: recap's `RULES` values were
never read before — checked by restoring its plain strings); and every RPC whose rule is not enforced at the
entrypoint alone is named by the service's own code when it asks the table.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PROTOS = {  # service -> (generated module, gRPC service)
    "identity": ("ekinerja.identity.v1.identity_pb2", "IdentityService"),
    "skp": ("ekinerja.skp.v1.skp_pb2", "SkpService"),
    "des": ("ekinerja.des.v1.des_pb2", "DesService"),
    "recap": ("ekinerja.recap.v1.recap_pb2", "RecapService"),
    "snowman": ("ekinerja.snowman.v1.snowman_pb2", "SnowmanService"),
}


def _principal(*roles: str) -> Principal:
    return Principal(subject="199001012020011001", roles=tuple(roles), instansi_id="kota-bogor",
                     nip="199001012020011001", scopes=(), kelompok=())


def _ask(svc: str, policy, rpc: str) -> None:
    """Ask the service's check function about `rpc` for some caller and target (the verdict does not matter)."""
    if svc == "identity":
        policy.authorize(rpc, _principal("pegawai"), instansi_id="kota-bogor")
    elif svc == "skp" and dict.get(policy.RULES, rpc) in (policy.TEMPLATE_READ, policy.TEMPLATE_MANAGE):
        policy.authorize_template(rpc, _principal("pegawai"), "kota-bogor", frozenset())  # a position's rules
    elif svc == "skp" and isinstance(dict.get(policy.RULES, rpc), policy.InstansiRule):
        policy.authorize_instansi(rpc, _principal("pegawai"), "kota-bogor")  # an instansi's settings (issue 22)
    elif svc == "skp":
        policy.authorize(rpc, _principal("pegawai"), {"nip": "1", "instansi_id": "kota-bogor", "penilai_nip": None,
                                                      "atasan_penilai_nip": None})
    elif svc == "des":
        policy.authorize(rpc, _principal("pegawai"), policy.Target(nip="1", instansi_id="kota-bogor"))
    elif svc == "recap":  # admin_bkn: the verdict needs no database
        policy.authorize(rpc, _principal("admin_bkn"), policy.Target(nip="1", instansi_id="kota-bogor"))
    else:
        policy.require(_principal("pegawai"), rpc)


def _rpcs(svc: str) -> list[str]:
    module, service = PROTOS[svc]
    return [m.name for m in importlib.import_module(module).DESCRIPTOR.services_by_name[service].methods]


def _policy(svc: str):
    return importlib.import_module(f"{svc}.application.policy")


@pytest.mark.parametrize("svc", PROTOS)
def test_every_rpc_of_the_proto_has_exactly_one_row(svc):
    rules = _policy(svc).RULES
    assert isinstance(rules, dict)
    assert set(rules) == set(_rpcs(svc)), f"{svc}: rows without an RPC or RPCs without a row"


class _Recording(dict):
    """The table, noting which rows were read."""

    def __init__(self, rules):
        super().__init__(rules)
        self.read: list[str] = []

    def __getitem__(self, rpc):
        self.read.append(rpc)
        return super().__getitem__(rpc)

    def get(self, rpc, default=None):
        self.read.append(rpc)
        return super().get(rpc, default)


@pytest.mark.parametrize(("svc", "rpc"), [(svc, rpc) for svc in PROTOS for rpc in _rpcs(svc)])
def test_the_check_reads_the_row_of_the_rpc_it_is_asked_about(monkeypatch, svc, rpc):
    policy = _policy(svc)
    table = _Recording(policy.RULES)
    monkeypatch.setattr(policy, "RULES", table)
    try:
        _ask(svc, policy, rpc)
    except PermissionDenied:
        pass
    assert rpc in table.read, f"{svc}.{rpc}: the check decided without reading the table"


@pytest.mark.parametrize("svc", PROTOS)
def test_a_missing_row_is_refused(monkeypatch, svc):
    policy = _policy(svc)
    monkeypatch.setattr(policy, "RULES", {})
    with pytest.raises(PermissionDenied, match="no authorisation rule"):
        _ask(svc, policy, _rpcs(svc)[0])


def _named_in_calls(svc: str) -> set[str]:
    """String constants passed to calls anywhere in the service's code, apart from the table and the servicer."""
    names = set()
    for path in (REPO / "services" / svc / svc).rglob("*.py"):
        if path.name in ("policy.py", "service.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                names.update(a.value for a in [*node.args, *(k.value for k in node.keywords)]
                             if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return names


def _entrypoint_only(svc: str, rule) -> bool:
    """identity's public RPCs and those open to every verified caller: the entrypoint's PUBLIC / AUTHENTICATED is
    the whole rule (identity/service.py derives it from this table)."""
    if svc != "identity":
        return False
    policy = _policy(svc)
    return rule == policy.PUBLIC or rule.any_authenticated


@pytest.mark.parametrize("svc", PROTOS)
def test_each_use_case_asks_the_table_for_its_own_rpc(svc):
    named = _named_in_calls(svc)
    rules = _policy(svc).RULES
    unasked = sorted(rpc for rpc, rule in rules.items() if rpc not in named and not _entrypoint_only(svc, rule))
    assert not unasked, f"{svc}: no use case asks the table about {unasked}"
