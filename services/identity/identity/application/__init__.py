"""Use cases of identity: tokens and accounts, organisation, employees and assignments, bulk import, policy."""
