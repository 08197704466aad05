"""Growth you can watch: on an unindexed archive the app's results grow after each builder job,
and the update row says what the update is doing (reading and indexing, writing, saving)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.tui import SIZE, settle_update, static_text, synchronous
from vidbrowse.core.engine import index
from vidbrowse.core.library import writing
from vidbrowse.core.library.library import Library, Progress
from vidbrowse.generate import generate_archive
from vidbrowse.tui.app import VidbrowseApp
from vidbrowse.tui.widgets import update_row
from vidbrowse.tui.widgets.update_row import UpdateRow


@pytest.fixture
def small_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """80 posts in builder jobs of 10, 20, then the rest, for two builders."""
    monkeypatch.setattr(writing, "BULK_MIN", 10)
    monkeypatch.setattr(writing, "FIRST_JOB", 10)
    monkeypatch.setattr(index, "BULK_PROCS", 2)
    monkeypatch.setattr(update_row, "PROGRESS_EVERY", 0.0)  # every progress report drawn


@synchronous
async def test_results_grow_and_the_row_says_what_it_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_jobs: None
) -> None:
    archive = tmp_path / "archive"
    generate_archive(archive, 80, seed=3)
    labels: list[str] = []
    totals: list[int] = []
    real = UpdateRow._show_progress

    def watched(self: UpdateRow, progress: Progress) -> None:
        real(self, progress)
        labels.append(static_text(self.app, "#update-label"))
        results = self.app.main_screen.results  # type: ignore[attr-defined]
        totals.append(0 if results is None else results.total)

    monkeypatch.setattr(UpdateRow, "_show_progress", watched)
    library = Library.open(archive, cache_dir=tmp_path / "cache")
    try:
        app = VidbrowseApp(library, needs_update=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle_update(pilot, app, 80)
            assert app.main_screen.results is not None
            assert app.main_screen.results.total == 80
    finally:
        library.close()
    stages = [label.split("…")[0] for label in labels]
    assert "Reading and indexing posts" in stages
    assert "Writing the index" in stages
    assert stages.count("Saving") >= 3  # one commit per job: 10, 20, then the other 50
    assert stages.index("Reading and indexing posts") < stages.index("Writing the index")
    # The list grew while the update ran, before its end.
    assert len({total for total in totals if 0 < total < 80}) >= 1
