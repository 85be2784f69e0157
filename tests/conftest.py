"""How the suite shares out among parallel workers (`make test` runs it with pytest-xdist).

With ``--dist loadgroup`` the tests of one ``xdist_group`` run in one worker, one
after another. Every test gets a group here:

- by default its module, so that a module's shared fixtures and caches (a backtest,
  an ensemble, the research pages' commands) are built once, as in a serial run;
- tests that read or write a shared resource get that resource's group instead,
  so that no two of them ever run at once (see ``SHARED``).

Without xdist (``pytest -p no:xdist``, or ``-n 0``) the markers do nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# group name -> (what the tests share, the modules or module::test names that use it)
SHARED: dict[str, tuple[str, tuple[str, ...]]] = {
    "screenshots": (
        "docs/images/*.png: the browser tests write them, test_dashboard_docs reads them; "
        "one Chromium at a time on two cores",
        (
            "browser/test_dashboard_browser.py",
            "browser/test_classroom_browser.py",
            "browser/test_hostile_browser.py",
            "test_dashboard_docs.py",
        ),
    ),
    "processes": (
        "process pools, Dask clusters and killed sweeps: each counts the processes it "
        "started or needs the cores it starts them on",
        (
            "browser/test_dashboard_sockets.py",
            "test_sweep.py::test_same_table_on_one_worker_two_workers_and_a_dask_cluster",
            "test_sweep.py::test_a_sweep_killed_midway_resumes_with_every_run_exactly_once",
            "test_sampling.py::test_same_table_on_one_worker_two_workers_and_a_dask_cluster",
            "test_sampling.py::test_a_sampled_sweep_killed_midway_resumes",
            "test_hostile.py::test_a_killed_sweep_leaves_no_worker_behind",
            "test_hostile.py::test_a_dask_sweep_without_workers_stops_with_a_message",
        ),
    ),
}


def group_of(item: pytest.Item) -> str:
    """The xdist group of a test: its shared resource's, else its module's path under tests/."""
    module = Path(item.path).resolve().relative_to(TESTS).as_posix()
    name = f"{module}::{item.originalname if isinstance(item, pytest.Function) else item.name}"
    for group, (_why, members) in SHARED.items():
        if module in members or name in members:
            return group
    return module


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a parallel run whose workers would ignore the groups (``-n 2`` alone means ``--dist load``)."""
    workers = config.getoption("numprocesses", default=None)
    dist = config.getoption("dist", default="no")
    if workers and dist != "loadgroup" and not hasattr(config, "workerinput"):
        raise pytest.UsageError(
            f"-n {workers} needs --dist loadgroup (got --dist {dist}): tests/conftest.py groups "
            "the tests that must not run at once; `make test` passes both"
        )


@pytest.hookimpl(tryfirst=True)  # before xdist reads the markers to name the tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.iter_markers("xdist_group")):
            item.add_marker(pytest.mark.xdist_group(group_of(item)))
