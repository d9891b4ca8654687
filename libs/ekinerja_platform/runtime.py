"""Process-wide state of a running service: its settings and token verifier, set once by the runner."""
from __future__ import annotations

from .settings import Settings
from .tokens import KeySet, TokenVerifier, jwks_from_url

_settings: Settings | None = None
_verifier: TokenVerifier | None = None
_main_module: str | None = None


def set_main_module(module: str) -> None:
    """The module run as `python -m <module>`, so the service can start helper processes of itself."""
    global _main_module
    _main_module = module


def main_module() -> str | None:
    return _main_module


def configure(settings: Settings, verifier: TokenVerifier | None = None) -> None:
    global _settings, _verifier
    _settings = settings
    if verifier is None and settings.jwks_url:
        verifier = TokenVerifier(KeySet(jwks_from_url(settings.jwks_url)), audience=settings.token_audience)
    _verifier = verifier


def settings() -> Settings:
    if _settings is None:
        raise RuntimeError("ekinerja_platform.runtime.configure() was not called")
    return _settings


def verifier() -> TokenVerifier | None:
    return _verifier
