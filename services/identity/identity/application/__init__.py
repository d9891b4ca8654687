"""Use cases of identity: tokens and accounts, organisation, employees and assignments, bulk import, phones, policy.
Converted to the unit of work and ports (`ports.py`): phone, throttle, cascade; pending (issue 17): auth, org,
importer (tests/contracts/test_import_graph.py, NOT_YET_MODULES)."""
