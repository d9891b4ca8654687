"""The session-token cipher without a database."""
import pytest
from portal.adapters.token_cipher import TokenCipher, TokenCipherError


def test_sealed_tokens_open_only_with_a_configured_key_and_their_own_row():
    cipher = TokenCipher(["k1"])
    sealed = cipher.seal("secret-token", "row-a")
    assert "secret-token" not in sealed and sealed != cipher.seal("secret-token", "row-a"), "fresh nonce each time"
    assert cipher.open(sealed, "row-a") == "secret-token"
    assert TokenCipher(["k2", "k1"]).open(sealed, "row-a") == "secret-token", "old key still opens after rotation"
    for other, bound in ((TokenCipher(["k2"]), "row-a"), (cipher, "row-b")):
        with pytest.raises(TokenCipherError):
            other.open(sealed, bound)
    for junk in ("plaintext-token", "v1.deadbeef.AAAA", sealed[:-4] + "AAAA"):
        with pytest.raises(TokenCipherError):
            cipher.open(junk, "row-a")


def test_the_first_key_encrypts():
    sealed = TokenCipher(["new", "old"]).seal("t", "r")
    assert TokenCipher(["new"]).open(sealed, "r") == "t"
    with pytest.raises(TokenCipherError):
        TokenCipher(["old"]).open(sealed, "r")


def test_no_key_is_refused():
    with pytest.raises(ValueError):
        TokenCipher.from_setting(" , ")
