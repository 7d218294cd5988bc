from __future__ import annotations

import pytest

from tests.teacher_seed import SeededCourse


@pytest.fixture(scope="session")
def seeded_course(tmp_path_factory, pg_run) -> SeededCourse:
    """The dashboard tests' seeded course, seeded once per backend for this worker."""
    return SeededCourse(tmp_path_factory.mktemp("seeded-course"), pg_run)
