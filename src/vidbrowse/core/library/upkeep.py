"""Index upkeep: every segment of the text index merged into one (`vidbrowse index --optimize`).

Small updates merge only the small segments they leave (index.merge_small): the bulk build's
segments, and the old versions of changed posts they hold as deleted documents, stay as they
are. A full merge rewrites them as one segment without deleted documents: a search then opens
one segment's files and reads one term table per term. It is Whoosh's own merge, which costs
about a millisecond or two per post (BENCHMARKS.md, "Index upkeep"), so it runs only when asked:
the app does not merge in its idle time (a 30k archive would keep a core busy for tens of
seconds, and an update arriving meanwhile would wait for it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from vidbrowse.core.engine import index
from vidbrowse.core.library.home import Home, Progress, ProgressFn
from vidbrowse.core.library.update import Updater


@dataclass(frozen=True, slots=True)
class Merged:
    segments: int  # before the merge (1 afterwards)
    deleted: int  # deleted documents dropped
    seconds: float


def merge_all(home: Home, updater: Updater, report: ProgressFn) -> Merged:
    """Merge the index into one segment under the update lock (nothing to do when it is one
    segment without deleted documents). The store's note that it is up to date with the archive
    is carried over to the merged index: the next command does not compare file by file."""
    with home.file_lock(report):
        start = time.perf_counter()
        if home.is_stale():
            home.reload()
        searcher = home.need_view().searcher
        segments, deleted = index.segment_count(searcher), index.deleted_count(searcher)
        if segments <= 1 and deleted == 0:
            return Merged(segments, 0, time.perf_counter() - start)
        report(Progress("merge", 0, segments))
        current = updater.is_noted()
        index.merge_all(home.need_view().ix)
        home.reload_view()
        if current:
            updater.note_merged()
        report(Progress("merge", segments, segments))
        return Merged(segments, deleted, time.perf_counter() - start)
