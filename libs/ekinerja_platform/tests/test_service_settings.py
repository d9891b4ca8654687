"""The platform's EKINERJA_* settings as every gRPC service reads them (the runner's `load_settings(service)`): each
service's ports, a missing required variable named, a secret read from `<NAME>_FILE`. One test for all five, so the
services' own settings tests cover only their own models."""
from __future__ import annotations

import pytest

from ekinerja_platform.settings import DEFAULT_PORTS, MissingSetting, load_settings

pytestmark = pytest.mark.unit
SERVICES = sorted(DEFAULT_PORTS)


def base(service: str) -> dict:
    return {"EKINERJA_DATABASE_URL": f"postgresql://u:p@db/{service}", "EKINERJA_AMQP_URI": "amqp://guest:guest@mq//",
            "EKINERJA_NIP_HASH_KEY": "nip-key", "EKINERJA_JWKS_URL": "http://identity:9101/jwks"}


@pytest.mark.parametrize("service", SERVICES)
def test_defaults_and_ports(settings_env, service):
    settings_env(base(service))
    settings = load_settings(service)
    assert (settings.grpc_port, settings.http_port) == DEFAULT_PORTS[service]
    assert settings.database_url == f"postgresql://u:p@db/{service}" and settings.log_level == "INFO"


@pytest.mark.parametrize("service", SERVICES)
def test_a_missing_required_setting_is_named(settings_env, service):
    settings_env(base(service)).delenv("EKINERJA_AMQP_URI")
    with pytest.raises(MissingSetting, match="EKINERJA_AMQP_URI"):
        load_settings(service)


@pytest.mark.parametrize("service", SERVICES)
def test_nip_hash_key_from_a_file(settings_env, service, tmp_path):
    (tmp_path / "nip").write_text("from-file\n")
    env = settings_env(base(service))
    env.delenv("EKINERJA_NIP_HASH_KEY")
    env.setenv("EKINERJA_NIP_HASH_KEY_FILE", str(tmp_path / "nip"))
    assert load_settings(service).nip_hash_key == b"from-file"
