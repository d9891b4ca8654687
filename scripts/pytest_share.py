"""pytest plugin of `make test-unit` (scripts/run_tests.py --unit): a few pytest processes share one set of test
files, each file run by exactly one of them, whichever reaches it first.

Every process collects the same files; process i of n starts at the i-th n-th of the list and wraps round. Before
the first test of a file it claims the file (a file created with O_EXCL in the shared directory); a file another
process claimed is passed over without a report. A long file therefore never leaves the other processes idle, and
no list of expected durations has to be kept up to date. Activated by `EKINERJA_TEST_SHARE=<dir>:<i>/<n>`.
"""
from __future__ import annotations

import hashlib
import os

import pytest

_share = os.environ.get("EKINERJA_TEST_SHARE", "")
_claims, _, _slot = _share.rpartition(":")
_owned: dict[str, bool] = {}


def _claim(path: str) -> bool:
    """Whether this process runs the file `path` (claimed now, or earlier by this process)."""
    if path not in _owned:
        marker = os.path.join(_claims, hashlib.sha1(path.encode()).hexdigest())
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            _owned[path] = True
        except FileExistsError:
            _owned[path] = False
    return _owned[path]


@pytest.hookimpl(trylast=True)  # after `-m` has deselected: every process orders the same items
def pytest_collection_modifyitems(items):
    if not _share:
        return
    index, count = (int(n) for n in _slot.split("/"))
    files = list(dict.fromkeys(str(item.path) for item in items))
    start = len(files) * index // count
    rank = {path: (i - start) % len(files) for i, path in enumerate(files)}
    items.sort(key=lambda item: rank[str(item.path)])  # stable: a file's tests keep their order


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if _share and not _claim(str(item.path)):
        # Another process runs this file. What the last test run here set up and `nextitem` does not share (its
        # module, folders) is torn down now, as pytest's runner would have done after this item.
        item.session._setupstate.teardown_exact(nextitem)
        return True
    return None
