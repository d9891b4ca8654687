"""The one shape of every service's authorisation table: its policy module's `RULES`, a dict RPC name -> the
service's rule object, read by the module's check function through `rule_of`. An RPC without a row is refused (fail
closed) and tests/contracts/test_policy_tables.py fails on it; the rule objects themselves are the service's words
(relations to an SKP document, to an employee, roles and scopes), since what relates a caller to a target differs.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from .domain_errors import PermissionDenied

R = TypeVar("R")


def rule_of(rules: Mapping[str, R], rpc: str) -> R:
    """The rule of `rpc`; PermissionDenied when the table has none."""
    try:
        return rules[rpc]
    except KeyError:
        raise PermissionDenied(f"{rpc} has no authorisation rule") from None
