"""Delegated tokens (issue 19): a token issued to a bridge acting for an employee (`via`, `act`) is accepted only on
the methods of `tokens.DELEGATED_METHODS` for its channel; its principal keeps the employee's own NIP and roles."""
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ekinerja_platform import domain_errors, tokens

pytestmark = pytest.mark.unit
NIP = "198609262015051001"


def verified(**claims) -> tokens.Principal:
    key = Ed25519PrivateKey.generate()
    keyset = tokens.KeySet(lambda: {"keys": [tokens.public_jwk(key, "k1")]}, min_refresh_seconds=0)
    token = tokens.issue_token(key, "k1", subject=NIP, roles=["pegawai"], nip=NIP, instansi="KAB-DEMO", **claims)
    return tokens.TokenVerifier(keyset).verify(token)


def test_a_delegated_principal_keeps_the_employee_and_names_the_bridge():
    p = verified(act={"sub": "sms-bridge"}, via="sms")
    assert (p.subject, p.nip, p.roles, p.instansi_id) == (NIP, NIP, ("pegawai",), "KAB-DEMO")
    assert (p.via, p.actor) == ("sms", "sms-bridge")
    assert tokens.Principal.from_context(p.as_context()) == p


@pytest.mark.parametrize("method", sorted(tokens.DELEGATED_METHODS["sms"]))
def test_the_allowlisted_methods_accept_an_sms_token(method):
    tokens.check_delegation(verified(act={"sub": "sms-bridge"}, via="sms"), method)


@pytest.mark.parametrize("method", [
    "/ekinerja.identity.v1.IdentityService/ChangePassword",
    "/ekinerja.identity.v1.IdentityService/PhoneToken",
    "/ekinerja.identity.v1.IdentityService/WhoAmI",
    "/ekinerja.des.v1.DesService/ApproveDay",
    "/ekinerja.des.v1.DesService/SubmitActivity",
    "/ekinerja.skp.v1.SkpService/ApproveSkp",
    "/ekinerja.snowman.v1.SnowmanService/Vote",
    "/grpc.health.v1.Health/Check",
])
def test_every_other_method_refuses_an_sms_token_in_indonesian(method):
    with pytest.raises(domain_errors.PermissionDenied) as err:
        tokens.check_delegation(verified(act={"sub": "sms-bridge"}, via="sms"), method)
    assert err.value.field == "authorization" and "tidak boleh" in err.value.message


def test_an_unknown_channel_is_refused_everywhere_and_own_tokens_pass():
    with pytest.raises(domain_errors.PermissionDenied):
        tokens.check_delegation(verified(act={"sub": "x"}, via="fax"), "/ekinerja.des.v1.DesService/SubmitText")
    tokens.check_delegation(verified(), "/ekinerja.des.v1.DesService/ApproveDay")


@pytest.mark.parametrize("claims", [{"via": "sms"}, {"act": {"sub": "sms-bridge"}}, {"act": "x", "via": "sms"},
                                    {"act": {"sub": ""}, "via": "sms"}, {"act": {"sub": "b"}, "via": ""}])
def test_half_a_delegation_is_not_a_valid_token(claims):
    with pytest.raises(domain_errors.Unauthenticated):
        verified(**claims)
