"""Phone numbers for SMS (issue 19), against the running identity process: registration writes the one-time code to
the outbox, the bridge verifies it (wrong, right, expired, too many attempts), PhoneToken gives a delegated token
that the platform accepts only on its allowlist, and no number is ever stored in clear."""
import base64
import json
import uuid

import grpc
import pytest
import sqlalchemy as sa
from identity_testlib import nip, packed, scalar

from ekinerja_platform import testing

pytestmark = pytest.mark.integration
INSTANSI = "KAB-PHONE"
PASSWORD = "password-123"
FIRST, SECOND, THIRD, FOURTH, BOSS = 61001, 61002, 61003, 61004, 61000


def claims_of(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def code_of(status) -> grpc.StatusCode:
    return status.value.code()


@pytest.fixture(scope="module")
def people(stub, pb, admin_token):
    auth = testing.bearer(admin_token)
    stub.UpsertInstansi(pb.Instansi(id=INSTANSI, nama="Kabupaten Telepon", kind=pb.INSTANSI_KIND_KABUPATEN),
                        metadata=auth, timeout=10)
    J = pb.ImportPegawaiRequest
    msgs = [J(instansi_id=INSTANSI, unit=pb.ImportUnit(id="KP.U", nama="Unit")),
            J(instansi_id=INSTANSI, jabatan=pb.ImportJabatan(id="KP.BOSS", unit_id="KP.U", nama="Kepala",
                                                             kind="struktural_administrator", job_group="umum")),
            J(instansi_id=INSTANSI, jabatan=pb.ImportJabatan(id="KP.GURU", unit_id="KP.U", nama="Guru",
                                                             kind="fungsional_tertentu", job_group="pendidik",
                                                             parent_id="KP.BOSS"))]
    for i in (BOSS, FIRST, SECOND, THIRD, FOURTH):
        msgs.append(J(instansi_id=INSTANSI, pegawai=pb.ImportPegawai(
            nip=nip(i), nama=f"P{i}", golongan="III/a", jabatan_id="KP.BOSS" if i == BOSS else "KP.GURU",
            tmt_jabatan="2024-01-01")))
    assert stub.ImportPegawai(packed(pb, msgs), metadata=auth, timeout=60).failed == 0
    for i in (BOSS, FIRST, SECOND, THIRD, FOURTH):
        stub.CreateAccount(pb.CreateAccountRequest(account=pb.Account(nip=nip(i)), password=PASSWORD),
                           metadata=auth, timeout=10)
    return {i: testing.bearer(stub.Login(pb.LoginRequest(user=nip(i), password=PASSWORD), timeout=10).access_token)
            for i in (BOSS, FIRST, SECOND, THIRD, FOURTH)}


@pytest.fixture(scope="module")
def bridge(stub, pb, admin_token):
    """The SMS bridge's API client (scope sms:bridge) and a client of the same instansi without it."""
    auth = testing.bearer(admin_token)
    tokens = {}
    for client_id, scopes in (("sms-bridge-test", ["sms:bridge"]), ("siasn-phone", ["pegawai:read"])):
        secret = stub.CreateApiClient(pb.CreateApiClientRequest(client_id=client_id, instansi_id=INSTANSI,
                                                                scopes=scopes),
                                      metadata=auth, timeout=10).client_secret
        tokens[client_id] = testing.bearer(stub.ClientToken(
            pb.ClientTokenRequest(client_id=client_id, client_secret=secret), timeout=10).access_token)
    return tokens


def outbox_events(db_url: str, nip_: str) -> list[dict]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(
                "SELECT payload FROM outbox WHERE event_type = 'phone_verification_requested' "
                "AND payload->>'nip' = :n ORDER BY created_at"), {"n": nip_}).scalars())
    finally:
        engine.dispose()


def register(stub, pb, who, phone, key=None):
    metadata = list(who) + ([("x-idempotency-key", key)] if key else [])
    return stub.RegisterPhone(pb.RegisterPhoneRequest(phone=phone), metadata=metadata, timeout=10)


def verify(stub, pb, bridge_auth, phone, code):
    return stub.VerifyPhone(pb.VerifyPhoneRequest(phone=phone, code=code), metadata=bridge_auth, timeout=10).verified


def test_registration_writes_the_code_to_the_outbox_and_stores_nothing_in_clear(stub, pb, people, identity_db,
                                                                                 identity):
    key = uuid.uuid4().hex
    answer = register(stub, pb, people[FIRST], "0812-3456-0001", key=key)
    assert answer.phone_masked == "+62812****0001"
    again = register(stub, pb, people[FIRST], "0812-3456-0001", key=key)  # a retry: the same answer, no new code
    assert again == answer
    events = outbox_events(identity_db, nip(FIRST))
    assert len(events) == 1
    data = events[0]["data"]
    assert data["phone"] == "+6281234560001" and len(data["code"]) == 6 and data["code"].isdigit()
    assert events[0]["producer"] == "identity" and events[0]["nip"] == nip(FIRST)
    assert data["expires_at"].startswith(answer.expires_at.ToDatetime().isoformat()[:19])
    uuid.UUID(data["registration_id"])
    # the relay publishes it with identity's own broker user (its topic permissions come from the catalogue)
    assert testing.wait_for(lambda: scalar(
        identity_db, "SELECT sent_at IS NOT NULL FROM outbox WHERE event_type = 'phone_verification_requested' "
        "AND payload->>'nip' = :n", n=nip(FIRST)), timeout=30)
    # the number and the code are nowhere in identity's own tables (the outbox row is the documented exception)
    engine = sa.create_engine(identity_db)
    try:
        with engine.connect() as conn:
            for table in ("phone_verification", "phone_number", "audit_log", "idempotency_keys"):
                exists = conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": table}).scalar()
                if exists is None:
                    continue
                text = " ".join(str(row) for row in conn.execute(sa.text(f"SELECT * FROM {table}")))
                for needle in ("6281234560001", "081234560001", "34560001"):
                    assert needle not in text, table
            assert conn.execute(sa.text("SELECT count(*) FROM phone_verification WHERE nip = :n"),
                                {"n": nip(FIRST)}).scalar() == 1
    finally:
        engine.dispose()
    assert "34560001" not in identity.log()
    status = stub.GetPhone(pb.GetPhoneRequest(), metadata=people[FIRST], timeout=10)
    assert (status.phone_masked, status.verified) == ("+62812****0001", False)


def test_a_malformed_number_is_refused_naming_the_field_and_changes_nothing(stub, pb, people, identity_db):
    before = len(outbox_events(identity_db, nip(THIRD)))
    for bad in ("12345", "021-5551234", "+1 415 555 0100", "08123"):
        with pytest.raises(grpc.RpcError) as err:
            register(stub, pb, people[THIRD], bad)
        assert code_of(err) == grpc.StatusCode.INVALID_ARGUMENT
        assert err.value.details().startswith("phone:") and "nomor ponsel" in err.value.details()
    assert len(outbox_events(identity_db, nip(THIRD))) == before
    with pytest.raises(grpc.RpcError) as err:
        stub.GetPhone(pb.GetPhoneRequest(), metadata=people[THIRD], timeout=10)
    assert code_of(err) == grpc.StatusCode.NOT_FOUND


def test_wrong_then_right_code_verifies_and_the_number_cannot_be_taken_by_another(stub, pb, people, bridge,
                                                                                   identity_db):
    register(stub, pb, people[SECOND], "+62 812 3456 0002")
    code = outbox_events(identity_db, nip(SECOND))[-1]["data"]["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    sms = bridge["sms-bridge-test"]
    assert verify(stub, pb, sms, "6281234560002", wrong) is False
    assert scalar(identity_db, "SELECT attempts FROM phone_verification WHERE nip = :n", n=nip(SECOND)) == 1
    assert verify(stub, pb, sms, "6281234560002", code) is True
    status = stub.GetPhone(pb.GetPhoneRequest(), metadata=people[SECOND], timeout=10)
    assert (status.phone_masked, status.verified) == ("+62812****0002", True)
    assert scalar(identity_db, "SELECT count(*) FROM audit_log WHERE action = 'verify_phone' AND target = :n",
                  n=nip(SECOND)) == 1
    assert verify(stub, pb, sms, "6281234560002", code) is False  # used up
    with pytest.raises(grpc.RpcError) as err:  # verified for SECOND: nobody else registers it
        register(stub, pb, people[THIRD], "081234560002")
    assert code_of(err) == grpc.StatusCode.ALREADY_EXISTS and "phone" in err.value.details()


def test_only_the_bridge_scope_verifies_or_gets_tokens(stub, pb, people, bridge):
    for auth in (bridge["siasn-phone"], people[BOSS]):
        with pytest.raises(grpc.RpcError) as err:
            verify(stub, pb, auth, "081234560002", "123456")
        assert code_of(err) == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as err:
            stub.PhoneToken(pb.PhoneTokenRequest(phone="081234560002"), metadata=auth, timeout=10)
        assert code_of(err) == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as err:  # a client has no number of its own
        register(stub, pb, bridge["sms-bridge-test"], "081234560099")
    assert code_of(err) == grpc.StatusCode.PERMISSION_DENIED


def test_five_wrong_codes_void_the_pending_code(stub, pb, people, bridge, identity_db):
    register(stub, pb, people[THIRD], "081234560003")
    code = outbox_events(identity_db, nip(THIRD))[-1]["data"]["code"]
    sms = bridge["sms-bridge-test"]
    for attempt in range(5):
        assert verify(stub, pb, sms, "081234560003", f"{(int(code) + 1 + attempt) % 1_000_000:06d}") is False
    assert verify(stub, pb, sms, "081234560003", code) is False  # right, but too late
    assert scalar(identity_db, "SELECT attempts FROM phone_verification WHERE nip = :n", n=nip(THIRD)) == 5
    with pytest.raises(grpc.RpcError) as err:
        stub.PhoneToken(pb.PhoneTokenRequest(phone="081234560003"), metadata=sms, timeout=10)
    assert code_of(err) == grpc.StatusCode.NOT_FOUND
    # a new registration replaces the void code with a fresh one
    register(stub, pb, people[THIRD], "081234560003")
    fresh = outbox_events(identity_db, nip(THIRD))[-1]["data"]["code"]
    assert verify(stub, pb, sms, "081234560003", fresh) is True


def test_an_expired_code_verifies_nothing(stub, pb, people, bridge, identity_db):
    register(stub, pb, people[BOSS], "081234560004")
    code = outbox_events(identity_db, nip(BOSS))[-1]["data"]["code"]
    engine = sa.create_engine(identity_db)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE phone_verification SET expires_at = now() - interval '1 second' "
                                 "WHERE nip = :n"), {"n": nip(BOSS)})
    finally:
        engine.dispose()
    assert verify(stub, pb, bridge["sms-bridge-test"], "081234560004", code) is False
    with pytest.raises(grpc.RpcError) as err:
        stub.GetPhone(pb.GetPhoneRequest(), metadata=people[BOSS], timeout=10)
    assert code_of(err) == grpc.StatusCode.NOT_FOUND


def test_phone_token_is_a_short_delegated_token_refused_outside_the_allowlist(stub, pb, people, bridge, identity_db):
    register(stub, pb, people[FIRST], "081234560001")
    code = outbox_events(identity_db, nip(FIRST))[-1]["data"]["code"]
    sms = bridge["sms-bridge-test"]
    assert verify(stub, pb, sms, "081234560001", code) is True
    with pytest.raises(grpc.RpcError) as err:
        stub.PhoneToken(pb.PhoneTokenRequest(phone="081299999999"), metadata=sms, timeout=10)
    assert code_of(err) == grpc.StatusCode.NOT_FOUND
    answer = stub.PhoneToken(pb.PhoneTokenRequest(phone="+6281234560001"), metadata=sms, timeout=10)
    claims = claims_of(answer.access_token)
    assert claims["sub"] == nip(FIRST) and claims["nip"] == nip(FIRST) and claims["roles"] == ["pegawai"]
    assert claims["act"] == {"sub": "sms-bridge-test"} and claims["via"] == "sms"
    assert claims["exp"] - claims["iat"] == 300 and claims["instansi"] == INSTANSI
    assert not answer.refresh_token and answer.principal.nip == nip(FIRST)
    delegated = testing.bearer(answer.access_token)
    for call, request in ((stub.ChangePassword, pb.ChangePasswordRequest(old_password=PASSWORD,
                                                                         new_password="another-pass-1")),
                          (stub.WhoAmI, pb.WhoAmIRequest()),
                          (stub.RegisterPhone, pb.RegisterPhoneRequest(phone="081234560077")),
                          (stub.RemovePhone, pb.RemovePhoneRequest())):
        with pytest.raises(grpc.RpcError) as err:
            call(request, metadata=delegated, timeout=10)
        assert code_of(err) == grpc.StatusCode.PERMISSION_DENIED
        assert "diwakilkan" in err.value.details()
    # the employee's own password is unchanged and the number still verified
    assert stub.Login(pb.LoginRequest(user=nip(FIRST), password=PASSWORD), timeout=10).access_token
    assert stub.GetPhone(pb.GetPhoneRequest(), metadata=people[FIRST], timeout=10).verified


def test_a_new_verified_number_replaces_the_old_and_remove_forgets_it(stub, pb, people, bridge, identity_db):
    sms = bridge["sms-bridge-test"]
    register(stub, pb, people[SECOND], "081234560005")
    code = outbox_events(identity_db, nip(SECOND))[-1]["data"]["code"]
    # while the new code waits, the old number still acts
    assert stub.PhoneToken(pb.PhoneTokenRequest(phone="081234560002"), metadata=sms, timeout=10).access_token
    assert verify(stub, pb, sms, "081234560005", code) is True
    assert scalar(identity_db, "SELECT count(*) FROM phone_number WHERE nip = :n", n=nip(SECOND)) == 1
    with pytest.raises(grpc.RpcError) as err:
        stub.PhoneToken(pb.PhoneTokenRequest(phone="081234560002"), metadata=sms, timeout=10)
    assert code_of(err) == grpc.StatusCode.NOT_FOUND
    stub.RemovePhone(pb.RemovePhoneRequest(), metadata=people[SECOND], timeout=10)
    with pytest.raises(grpc.RpcError) as err:
        stub.PhoneToken(pb.PhoneTokenRequest(phone="081234560005"), metadata=sms, timeout=10)
    assert code_of(err) == grpc.StatusCode.NOT_FOUND
    assert scalar(identity_db, "SELECT count(*) FROM audit_log WHERE action = 'remove_phone' AND target = :n",
                  n=nip(SECOND)) == 1
    stub.RemovePhone(pb.RemovePhoneRequest(), metadata=people[SECOND], timeout=10)  # again: nothing to remove


def test_the_cli_registers_shows_and_removes_ones_own_number_in_indonesian(identity, people, identity_db, tmp_path):
    import os
    import subprocess
    import sys
    env = {**os.environ, "EKINERJA_CONFIG_DIR": str(tmp_path / "cfg"),
           "EKINERJA_IDENTITY_ENDPOINT": identity.target, "EKINERJA_PASSWORD": PASSWORD}

    def ekinerja(*args):
        return subprocess.run([sys.executable, "-m", "ekinerja_cli", *args], capture_output=True, text=True,
                              timeout=60, env=env)

    nip_ = nip(THIRD)
    assert ekinerja("login", "--user", nip_).returncode == 0
    registered = ekinerja("telepon", "daftar", "0812 3456 0006")
    assert registered.returncode == 0, registered.stderr
    assert "kode verifikasi dikirim ke +62812****0006" in registered.stdout
    assert outbox_events(identity_db, nip_)[-1]["data"]["phone"] == "+6281234560006"
    shown = ekinerja("telepon", "lihat")
    assert shown.stdout.strip() == "+62812****0006 (menunggu kode verifikasi)"
    bad = ekinerja("telepon", "daftar", "021 555 1234")
    assert bad.returncode == 2 and "nomor ponsel" in bad.stderr
    removed = ekinerja("telepon", "hapus")
    assert removed.returncode == 0 and "dihapus" in removed.stdout
    assert scalar(identity_db, "SELECT count(*) FROM phone_verification WHERE nip = :n", n=nip_) == 0
    assert scalar(identity_db, "SELECT count(*) FROM phone_number WHERE nip = :n", n=nip_) == 0


def test_codes_sent_are_limited_per_number_and_per_employee_a_day(stub, pb, people, identity_db):
    who = people[FOURTH]
    for _ in range(3):
        register(stub, pb, who, "081234560010")
    with pytest.raises(grpc.RpcError) as err:  # a fourth code to the same phone within 24 hours
        register(stub, pb, who, "081234560010")
    assert code_of(err) == grpc.StatusCode.RESOURCE_EXHAUSTED and "nomor ini sudah menerima 3 kode" in \
        err.value.details()
    register(stub, pb, who, "081234560011")
    register(stub, pb, who, "081234560012")
    with pytest.raises(grpc.RpcError) as err:  # a sixth registration by the same employee
        register(stub, pb, who, "081234560013")
    assert code_of(err) == grpc.StatusCode.RESOURCE_EXHAUSTED and "5 kali" in err.value.details()
    assert len(outbox_events(identity_db, nip(FOURTH))) == 5  # the refused ones texted nothing
    assert scalar(identity_db, "SELECT count(*) FROM phone_code_sent WHERE nip = :n", n=nip(FOURTH)) == 5
