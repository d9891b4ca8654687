"""Use cases of identity: tokens and accounts, organisation, employees and assignments, bulk import, phones, policy.
Converted to the unit of work and ports (`ports.py`): phone, throttle; pending (issue 17): auth, org, importer,
cascade (tests/contracts/test_import_graph.py, NOT_YET_MODULES)."""
