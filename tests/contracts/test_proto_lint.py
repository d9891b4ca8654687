"""Protobuf lint (issue 17 item 14): `buf lint` (buf from the npm registry, installed by scripts/install.sh) with
buf's STANDARD rules over protos/, among them `<Rpc>Request` / `<Rpc>Response` message names.

The RPCs published before the lint keep their names (renaming a message changes the public API); each carries a
`buf:lint:ignore` comment. The frozen list below is the only place such a comment may appear, so every new RPC
follows the rule and the list can only shrink.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "protos"
BUF = ROOT / "build" / "npm" / "node_modules" / ".bin" / "buf"
NAMING_RULES = {"RPC_REQUEST_STANDARD_NAME", "RPC_RESPONSE_STANDARD_NAME", "RPC_REQUEST_RESPONSE_UNIQUE"}
PUBLISHED_BEFORE_THE_LINT = {
    "des": {"ApproveActivities", "ApproveDay", "GetActivity", "GetEvidence", "GetMonthlyTargets", "ListActivities",
            "RequestRevision", "ReviewQueue", "SendActivity", "SetMonthlyQuality", "SetMonthlyTargets",
            "SubmitActivity", "SubmitPlan", "UpdateActivity"},
    "identity": {"AssignJabatan", "ClientToken", "CreateAccount", "EndAssignment", "GetOrganisation", "GetPegawai",
                 "GetPhone", "GetSupervisorChain", "Login", "PhoneToken", "RefreshToken", "RegisterPegawai",
                 "SetPegawaiStatus", "UpsertInstansi", "UpsertJabatan", "UpsertUnit"},
    "skp": {"AcceptResult", "AddTugasTambahan", "AdoptSkpAsTemplate", "ApproveSkp", "CopyCatalogueToTemplate",
            "DecideKeberatan", "EscalateSkp", "FileKeberatan", "GetCatalogue", "GetSkp", "IssueResult", "ReturnSkp",
            "ScoreSkp",
            "SetKreativitas", "SetPerilaku", "SetRealisasi", "SubmitSkp", "UpdateTargets",
            "UpdateTemplate"},
}
IGNORE = re.compile(r"^\s*//\s*buf:lint:ignore\s+(\w+)")
RPC = re.compile(r"^\s*rpc\s+(\w+)")


def buf_lint(module: Path) -> subprocess.CompletedProcess:
    assert BUF.exists(), f"{BUF} missing: run `make install` (scripts/install.sh installs buf from the npm registry)"
    return subprocess.run([str(BUF), "lint"], cwd=module, capture_output=True, text=True, timeout=120)


def test_buf_lint_passes():
    run = buf_lint(PROTOS)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def ignored_rpcs() -> dict[str, set[str]]:
    """RPCs with a `buf:lint:ignore` comment above them, per service; fails on an ignore of any other rule."""
    found: dict[str, set[str]] = {}
    for path in sorted(PROTOS.glob("ekinerja/*/v1/*.proto")):
        service, pending = path.parts[-3], set()
        for line in path.read_text(encoding="utf-8").splitlines():
            if match := IGNORE.match(line):
                assert match.group(1) in NAMING_RULES, f"{path.name}: only the RPC naming rules may be ignored: {line}"
                pending.add(match.group(1))
            elif pending and (rpc := RPC.match(line)):
                found.setdefault(service, set()).add(rpc.group(1))
                pending = set()
            elif pending and not line.strip().startswith("//"):
                pytest.fail(f"{path.name}: a buf:lint:ignore comment not above an rpc: {line}")
    return found


def test_only_rpcs_published_before_the_lint_escape_the_naming_rule():
    extra = {svc: sorted(rpcs - PUBLISHED_BEFORE_THE_LINT.get(svc, set())) for svc, rpcs in ignored_rpcs().items()}
    assert not any(extra.values()), f"new RPCs must be named <Rpc>Request/<Rpc>Response, not ignored: {extra}"


def test_the_lint_refuses_a_new_rpc_with_a_shared_response(tmp_path):
    """The gate itself: a copy of the protos with one badly named RPC added fails `buf lint`."""
    module = tmp_path / "protos"
    shutil.copytree(PROTOS, module)
    des = module / "ekinerja" / "des" / "v1" / "des.proto"
    text = des.read_text(encoding="utf-8")
    des.write_text(text.replace("service DesService {",
                                "service DesService {\n  rpc CopyActivity(GetActivityRequest) returns (Activity);", 1),
                   encoding="utf-8")
    run = buf_lint(module)
    assert run.returncode != 0
    assert "CopyActivityRequest" in run.stdout and "CopyActivityResponse" in run.stdout
