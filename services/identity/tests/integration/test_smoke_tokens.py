"""Login, refresh, logout, forged and expired tokens, JWKS, key rotation: against the running identity process."""
import json
import time
import urllib.request

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ekinerja_platform import testing
from ekinerja_platform.tokens import issue_token

pytestmark = pytest.mark.integration


def test_login_gives_a_short_lived_access_token_usable_for_whoami(stub, pb, admin_token):
    me = stub.WhoAmI(pb.WhoAmIRequest(), metadata=testing.bearer(admin_token), timeout=5)
    assert me.principal.subject == "admin"
    assert list(me.principal.roles) == ["admin_bkn"]
    claims = json.loads(__import__("base64").urlsafe_b64decode(admin_token.split(".")[1] + "=="))
    assert claims["exp"] - claims["iat"] == 900
    assert claims["typ"] == "access"


def test_wrong_password_is_unauthenticated(stub, pb):
    with pytest.raises(grpc.RpcError) as err:
        stub.Login(pb.LoginRequest(user="admin", password="nope-nope-nope"), timeout=5)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_jwks_served_over_http_matches_get_public_keys(identity, stub, pb):
    with urllib.request.urlopen(f"http://127.0.0.1:{identity.http_port}/.well-known/jwks.json", timeout=5) as r:
        jwks = json.loads(r.read())
    keys = stub.GetPublicKeys(pb.GetPublicKeysRequest(), timeout=5)
    assert [k["kid"] for k in jwks["keys"]] == [k.kid for k in keys.keys]
    assert all(k["crv"] == "Ed25519" and k["kty"] == "OKP" and "d" not in k for k in jwks["keys"])


def test_forged_and_expired_tokens_are_refused(stub, pb, identity):
    jwks = json.loads(stub.GetPublicKeys(pb.GetPublicKeysRequest(), timeout=5).jwks_json)
    kid = jwks["keys"][-1]["kid"]
    forged = issue_token(Ed25519PrivateKey.generate(), kid, subject="admin", roles=["admin_bkn"])
    unknown_kid = issue_token(Ed25519PrivateKey.generate(), "k-unknown", subject="admin", roles=["admin_bkn"])
    for token in (forged, unknown_kid, "not.a.token"):
        with pytest.raises(grpc.RpcError) as err:
            stub.WhoAmI(pb.WhoAmIRequest(), metadata=testing.bearer(token), timeout=5)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_expired_token_signed_by_the_real_key_is_refused(stub, pb, key_dir):
    from identity.adapters.keys import KeyRing
    key = KeyRing(key_dir, 900).active()
    expired = issue_token(key.private_key, key.kid, subject="admin", roles=["admin_bkn"], ttl_seconds=60,
                          now=time.time() - 3600)
    fresh = issue_token(key.private_key, key.kid, subject="admin", roles=["admin_bkn"], ttl_seconds=60)
    assert stub.WhoAmI(pb.WhoAmIRequest(), metadata=testing.bearer(fresh), timeout=5).principal.subject == "admin"
    with pytest.raises(grpc.RpcError) as err:
        stub.WhoAmI(pb.WhoAmIRequest(), metadata=testing.bearer(expired), timeout=5)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in err.value.details()


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(stub, pb, admin_password):
    first = stub.Login(pb.LoginRequest(user="ADMIN ", password=admin_password), timeout=10)
    second = stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=first.refresh_token), timeout=10)
    assert second.refresh_token != first.refresh_token and second.access_token
    assert second.refresh_expires_at - time.time() > 6 * 24 * 3600
    with pytest.raises(grpc.RpcError) as err:  # the old one was revoked by the refresh
        stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=first.refresh_token), timeout=10)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError):  # ... and reusing it revoked the whole family
        stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=second.refresh_token), timeout=10)


def test_logout_revokes_the_refresh_token(stub, pb, admin_password):
    tokens = stub.Login(pb.LoginRequest(user="admin", password=admin_password), timeout=10)
    assert stub.Logout(pb.LogoutRequest(refresh_token=tokens.refresh_token), timeout=5).revoked
    with pytest.raises(grpc.RpcError) as err:
        stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=tokens.refresh_token), timeout=10)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_key_rotation_publishes_both_keys_and_old_tokens_stay_valid(stub, pb, admin_token, admin_password):
    before = [k.kid for k in stub.GetPublicKeys(pb.GetPublicKeysRequest(), timeout=5).keys]
    rotated = stub.RotateSigningKey(pb.RotateSigningKeyRequest(), metadata=testing.bearer(admin_token), timeout=10)
    assert rotated.kid not in before
    assert set(before) | {rotated.kid} == set(rotated.published_kids)
    # a token signed with the old key still works; a new login is signed with the new key
    assert stub.WhoAmI(pb.WhoAmIRequest(), metadata=testing.bearer(admin_token), timeout=5).principal.subject
    new = stub.Login(pb.LoginRequest(user="admin", password=admin_password), timeout=10).access_token
    header = json.loads(__import__("base64").urlsafe_b64decode(new.split(".")[0] + "=="))
    assert header["kid"] == rotated.kid
    assert stub.WhoAmI(pb.WhoAmIRequest(), metadata=testing.bearer(new), timeout=5).principal.subject == "admin"


def test_the_active_signing_key_age_is_exported_without_labels(identity):
    """The gauge behind EkinerjaSigningKeyOld: one unlabelled series, the session's key made minutes ago."""
    from prometheus_client.parser import text_string_to_metric_families
    text = urllib.request.urlopen(f"http://127.0.0.1:{identity.http_port}/metrics", timeout=5).read().decode()
    [family] = [f for f in text_string_to_metric_families(text)
                if f.name == "ekinerja_identity_signing_key_age_seconds"]
    [sample] = family.samples
    assert sample.labels == {}
    assert 0 <= sample.value < 3600
