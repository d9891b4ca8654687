"""identity's own settings (beyond the platform's), read once from the environment."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from ekinerja_platform.retention import PurgeRule
from ekinerja_platform.settings import MissingSetting, load_model, setting

from .domain.client_address import Network, parse_networks
from .domain.throttle import Backoff, ThrottlePolicy


def _networks(raw: str) -> tuple[Network, ...]:
    return tuple(parse_networks(raw))


@dataclass(frozen=True)
class IdentitySettings:
    """identity's own variables (the platform's EKINERJA_* ones: ekinerja_platform.settings.Settings)."""

    signing_key_dir: str = setting("EKINERJA_SIGNING_KEY_DIR", required=True,
                                   doc="directory of the Ed25519 signing keys (created 0700)")
    access_ttl_seconds: int = setting("EKINERJA_ACCESS_TOKEN_TTL_SECONDS", 900, doc="access token lifetime")
    refresh_ttl_seconds: int = setting("EKINERJA_REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600,
                                       doc="refresh token lifetime")
    # failed logins (domain/throttle.py): free attempts per bucket, then waits doubling from the first to the cap
    login_free_failures_same_source: int = setting("EKINERJA_LOGIN_FREE_FAILURES_SAME_SOURCE", 5,
                                                   doc="failed logins free of wait, one account from one address")
    login_free_failures_per_account: int = setting("EKINERJA_LOGIN_FREE_FAILURES_PER_ACCOUNT", 10,
                                                   doc="failed logins free of wait, one account from anywhere")
    login_free_failures_per_source: int = setting("EKINERJA_LOGIN_FREE_FAILURES_PER_SOURCE", 30,
                                                  doc="failed logins free of wait, one address on any account")
    login_first_wait_seconds: int = setting("EKINERJA_LOGIN_FIRST_WAIT_SECONDS", 10,
                                            doc="the first wait, doubling to the caps")
    login_max_wait_seconds: int = setting("EKINERJA_LOGIN_MAX_WAIT_SECONDS", 300,
                                          doc="cap of the account and source buckets' waits")
    login_max_wait_same_source_seconds: int = setting("EKINERJA_LOGIN_MAX_WAIT_SAME_SOURCE_SECONDS", 900,
                                                      doc="cap of the same-source wait (keep it above the others)")
    login_forget_after_seconds: int = setting("EKINERJA_LOGIN_FORGET_AFTER_SECONDS", 3600,
                                              doc="an idle bucket counts as empty after this (above both caps)")
    login_familiar_days: int = setting("EKINERJA_LOGIN_FAMILIAR_DAYS", 30,
                                      doc="an address with a success this recent is familiar to the account")
    # `login_failure` rows (a record of failed checks) are purged after this
    login_failure_horizon_hours: int = setting("EKINERJA_LOGIN_FAILURE_HORIZON_HOURS", 24,
                                                  doc="`login_failure` rows are purged after this")
    # connections from these networks (the ingress) may name the client in X-Forwarded-For; nobody else may
    trusted_proxies: tuple[Network, ...] = setting("EKINERJA_TRUSTED_PROXIES", (), parse=_networks,
                                                   doc="addresses or CIDR networks whose x-forwarded-for is believed")
    # employees' phone numbers (issue 19): keyed-hash key (lookup, one-time codes) and encryption key; required
    # settings (the local demo generates its own), never logged or printed
    phone_hash_key: bytes = setting("EKINERJA_PHONE_HASH_KEY", b"", required=True, is_secret=True, parse=str.encode,
                                    doc="keyed hash of phone numbers (changing it orphans every stored number)")
    phone_encryption_key: bytes = setting("EKINERJA_PHONE_ENCRYPTION_KEY", b"", required=True, is_secret=True,
                                          parse=str.encode, doc="seals phone numbers; differs from the hash key")
    # a delegated (SMS) access token: long enough for one message's calls
    phone_token_ttl_seconds: int = setting("EKINERJA_PHONE_TOKEN_TTL_SECONDS", 300,
                                               doc="a delegated (SMS) access token's lifetime")

    def retention_rules(self) -> list[PurgeRule]:
        """identity's time-limited tables: failed checks after their horizon; throttle buckets idle past the forget
        time (they count as empty then); familiar sources past the familiar horizon (no longer familiar)."""
        return [PurgeRule("login_failure", "at", dt.timedelta(hours=self.login_failure_horizon_hours)),
                PurgeRule("login_throttle", "last_attempt_at", dt.timedelta(seconds=self.login_forget_after_seconds)),
                PurgeRule("login_familiar_source", "last_success_at", dt.timedelta(days=self.login_familiar_days)),
                # one-time codes a day past their expiry (they verify nothing after it)
                PurgeRule("phone_verification", "expires_at", dt.timedelta(days=1)),
                # the record of codes sent, once past the daily limits' window
                PurgeRule("phone_code_sent", "at", dt.timedelta(days=1))]

    def throttle_policy(self) -> ThrottlePolicy:
        def backoff(free: int, max_wait: int) -> Backoff:
            return Backoff(free=free, first_wait=self.login_first_wait_seconds, max_wait=max_wait,
                           forget_after=self.login_forget_after_seconds)

        return ThrottlePolicy(
            same_source=backoff(self.login_free_failures_same_source, self.login_max_wait_same_source_seconds),
            account=backoff(self.login_free_failures_per_account, self.login_max_wait_seconds),
            source=backoff(self.login_free_failures_per_source, self.login_max_wait_seconds),
            familiar_for=dt.timedelta(days=self.login_familiar_days))


def load_identity_settings() -> IdentitySettings:
    """Read and check identity's variables; a missing or invalid one stops the process naming it."""
    settings = load_model(IdentitySettings)
    if settings.access_ttl_seconds < 30 or settings.refresh_ttl_seconds <= settings.access_ttl_seconds:
        raise MissingSetting("EKINERJA_ACCESS_TOKEN_TTL_SECONDS must be >= 30 and below the refresh TTL")
    try:
        settings.throttle_policy()
    except ValueError as exc:
        raise MissingSetting(f"settings EKINERJA_LOGIN_*: {exc} (free failures >= 1, 0 < first wait <= max waits "
                             "< forget after)") from None
    if settings.phone_hash_key == settings.phone_encryption_key:
        raise MissingSetting("settings EKINERJA_PHONE_HASH_KEY and EKINERJA_PHONE_ENCRYPTION_KEY must differ")
    if not 30 <= settings.phone_token_ttl_seconds <= settings.access_ttl_seconds:
        raise MissingSetting("setting EKINERJA_PHONE_TOKEN_TTL_SECONDS must be >= 30 and at most the access TTL")
    if settings.login_failure_horizon_hours < 1:
        raise MissingSetting("setting EKINERJA_LOGIN_FAILURE_HORIZON_HOURS must be 1 or more")
    if settings.login_familiar_days < 0:
        raise MissingSetting("setting EKINERJA_LOGIN_FAMILIAR_DAYS must be 0 or more")
    os.makedirs(settings.signing_key_dir, mode=0o700, exist_ok=True)
    return settings
