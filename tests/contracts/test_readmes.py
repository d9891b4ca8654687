"""Each service's README describes the service as it is today (issue 17 item 15): every RPC of its proto and every
event it publishes or consumes (the catalogue, ekinerja_platform.topology) is named in it, so a new RPC or event
cannot land undocumented. (The settings tables: test_settings_in_one_place.py.) Checked failing by renaming
`ListNoncompliance` in services/recap/README.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ekinerja_platform import topology

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
WITH_PROTO = ("identity", "skp", "des", "recap", "snowman")


def _readme(service: str) -> str:
    return (REPO / "services" / service / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("service", WITH_PROTO)
def test_every_rpc_is_in_the_readme(service):
    proto = (REPO / "protos" / "ekinerja" / service / "v1" / f"{service}.proto").read_text(encoding="utf-8")
    rpcs = re.findall(r"^\s*rpc\s+(\w+)", proto, re.M)
    assert rpcs
    readme = _readme(service)
    assert [r for r in rpcs if not re.search(rf"\b{r}\b", readme)] == []


@pytest.mark.parametrize("service", WITH_PROTO + ("sms",))
def test_every_event_in_and_out_is_in_the_readme(service):
    events = {event for producer, catalogue in topology.SUBSCRIPTIONS.items()
              for event, consumers in catalogue.items() if service == producer or service in consumers}
    readme = _readme(service)
    assert sorted(e for e in events if e not in readme) == []
