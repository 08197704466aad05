"""Processes building new segments in parallel (bulkwriter), and the bulk update that lists
them in one commit; or, when the seam finds the fast writer unusable, Whoosh's own writer."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.connection
import traceback
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from whoosh.index import FileIndex
from whoosh.writing import IndexWriter, SegmentWriter

from vidbrowse.core.engine import whoosh_formats
from vidbrowse.core.engine.bulkwriter import Document, build_segments, commit
from vidbrowse.core.engine.whoosh_formats.segments import Segment

T = TypeVar("T")
R = TypeVar("R")


class BuildError(Exception):
    """A segment-building process failed or died; the message is one line (`detail`: the
    builder's traceback, when it had time to send one)."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def _serve(
    prepare: Callable[[Any], tuple[Any, Document | None]], conn: Any, others: list[Any]
) -> None:
    """A builder process: `build_segments` for each (ix, items, max_docs) received, until None
    or the parent is gone. Sends ("progress", items done) every 250 items, then ("ok", result)
    or ("error", traceback)."""
    # Fork gave us the parent's ends of every pipe: while we hold them, a parent killed
    # mid-build would leave this process blocked forever instead of seeing the pipe break.
    for end in others:
        end.close()
    # What fork gave us stays shared with the parent only while nothing writes to its pages: a
    # collection here would walk (and so copy) every object inherited (a scan's lists, the
    # update's plan): frozen, collections skip them.
    gc.freeze()
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        ix, items, max_docs = job
        try:
            built = build_segments(
                ix, items, prepare, max_docs=max_docs, progress=lambda n: conn.send(("progress", n))
            )
            report: tuple[str, object] = ("ok", built)
        except BrokenPipeError:
            return  # the parent was killed: nobody is left to tell
        except BaseException as exc:  # reported to the parent, which raises
            report = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            conn.send(report)
        except BrokenPipeError:
            return
        del report, job, ix, items


class Builders:
    """`procs` processes building segments for `build_parallel`, forked once and reused by
    every batch of an update; this process only hands out the shares and collects them. Forked
    before this process's heap grows with the first batch's posts and postings: a child forked
    later maps (and counts in its RSS) all of that, and gets a heap the parent's fragmentation
    left large. Their word caches stay warm from batch to batch. `prepare` reaches them by fork,
    without pickling; each batch's items are pickled to them."""

    def __init__(self, prepare: Callable[[Any], tuple[Any, Document | None]], procs: int) -> None:
        self.prepare = prepare
        self._workers: list[tuple[Any, Any]] = []
        ctx = multiprocessing.get_context("fork")
        ends: list[Any] = []
        try:
            for _ in range(procs):
                mine, theirs = ctx.Pipe()
                ends.append(mine)
                child = ctx.Process(target=_serve, args=(prepare, theirs, ends), daemon=True)
                child.start()
                theirs.close()
                self._workers.append((child, mine))
        except BaseException:
            self.close(kill=True)
            raise

    @property
    def procs(self) -> int:
        return len(self._workers)

    def build(
        self,
        shares: Sequence[tuple[FileIndex, Sequence[Any], int]],
        progress: Callable[[int], None] | None,
    ) -> list[tuple[list[Any], list[Segment]]]:
        """Each (ix, items, max_docs) job to a worker of its own (no more shares than workers);
        their results, in the order of `shares`. `progress` gets the items done by all."""
        for worker, share in enumerate(shares):
            self.send(worker, share)
        done = [0] * len(shares)
        out: list[Any] = [None] * len(shares)
        waiting = set(range(len(shares)))
        while waiting:
            for i, status, value in self.receive(waiting):
                if status == "progress":
                    done[i] = value
                    if progress is not None:
                        progress(sum(done))
                    continue
                out[i] = value
                waiting.discard(i)
        return out

    def send(self, worker: int, job: tuple[FileIndex, Sequence[Any], int]) -> None:
        """Hand (ix, items, max_docs) to an idle `worker` (0 to procs - 1): it builds segments
        of at most max_docs documents in `ix`'s folder (never committed there)."""
        self._workers[worker][1].send(job)

    def receive(self, busy: Collection[int]) -> list[tuple[int, str, Any]]:
        """What the `busy` workers sent, waiting for at least one message: (worker, "progress",
        its job's items done) or (worker, "ok", (results, segments)). Raises BuildError when one
        failed or died."""
        conns = {self._workers[i][1]: i for i in busy}
        out = []
        for ready in multiprocessing.connection.wait(list(conns)):
            i = conns[ready]
            status: str
            value: Any
            try:
                status, value = self._workers[i][1].recv()
            except EOFError:
                child = self._workers[i][0]
                child.join(timeout=5)  # its exit code: a signal (the OOM killer's) or not
                code = child.exitcode
                how = f"was killed (signal {-code})" if code and code < 0 else "died"
                raise BuildError(f"an index process {how}") from None
            if status not in ("progress", "ok"):
                raise BuildError(f"an index process failed: {value.splitlines()[0]}", value)
            out.append((i, status, value))
        return out

    def keep(self, procs: int) -> None:
        """Stop the workers past the first `procs`, which must be idle."""
        for child, conn in self._workers[procs:]:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
            child.join()
        del self._workers[procs:]

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers: at once with `kill` (their work is lost anyway: Ctrl-C, a
        failure), else once they finish."""
        for child, conn in self._workers:
            if kill:
                child.terminate()
            else:
                with contextlib.suppress(OSError):
                    conn.send(None)
        for child, conn in self._workers:
            conn.close()
            child.join()
        self._workers = []

    def __enter__(self) -> Builders:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        self.close(kill=kind is not None)


def build_parallel(
    ix: FileIndex,
    items: Sequence[T],
    builders: Builders,
    *,
    max_docs: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[R], list[Segment]]:
    """`build_segments` with the items split into contiguous shares, one per process of
    `builders`. Results and segments come back in item order; `progress` gets the items done.
    On any failure the builders are stopped."""
    step = max(-(-len(items) // max(builders.procs, 1)), 1)
    shares = [(ix, items[i : i + step], max_docs) for i in range(0, len(items), step)]
    if not builders.procs or len(shares) < 2:
        return build_segments(ix, items, builders.prepare, max_docs=max_docs, progress=progress)
    results: list[R] = []
    segments: list[Segment] = []
    try:
        for share_results, share_segments in builders.build(shares, progress):
            results += share_results
            segments += share_segments
    except BaseException:
        builders.close(kill=True)
        raise
    return results, segments


def fast(ix: FileIndex) -> bool:
    """Whether `BulkWriter` serves `ix` (else `PublicBulkWriter`: see index.writer)."""
    from vidbrowse.core.engine import whoosh_formats

    return whoosh_formats.fast_writing(ix.schema)


class BulkWriter:
    """A bulk update: deletions through `writer` (a plain writer holding the index's lock),
    new documents as segments built by `build_parallel`, all listed by one commit."""

    def __init__(self, ix: FileIndex, writer: SegmentWriter, *, max_docs: int) -> None:
        self._ix = ix
        self._writer = writer
        self._max_docs = max_docs
        self._segments: list[Segment] = []

    def delete_by_term(self, fieldname: str, text: object) -> None:
        self._writer.delete_by_term(fieldname, text)

    def build(
        self,
        items: Sequence[T],
        builders: Builders,
        progress: Callable[[int], None] | None = None,
    ) -> list[R]:
        """Prepare and index `items` (see build_parallel); their results, in order. `progress`
        gets the count of items done."""
        built: tuple[list[R], list[Segment]] = build_parallel(
            self._ix, items, builders, max_docs=self._max_docs, progress=progress
        )
        self._segments += built[1]
        return built[0]

    def commit(self) -> None:
        commit(self._writer, self._segments)

    def cancel(self) -> None:
        self._writer.cancel()


class PublicBulkWriter:
    """A bulk update through Whoosh's own writer, for when the seam finds the fast one unusable:
    this process prepares every item and adds its document; one commit, merging as small updates
    do (`merge`)."""

    def __init__(
        self,
        writer: IndexWriter,
        merge: Callable[[IndexWriter, list[Segment]], list[Segment]],
    ) -> None:
        self._writer = writer
        self._merge = merge

    def delete_by_term(self, fieldname: str, text: object) -> None:
        self._writer.delete_by_term(fieldname, text)

    def build(
        self,
        items: Sequence[T],
        builders: Builders,
        progress: Callable[[int], None] | None = None,
    ) -> list[R]:
        """As BulkWriter.build, in this process (the builders' processes stay idle)."""
        results: list[R] = []
        for count, item in enumerate(items, 1):
            result, document = builders.prepare(item)
            results.append(result)
            if document is not None:
                self._writer.add_document(**document)
            if progress is not None and count % 250 == 0:
                progress(count)
        return results

    def commit(self) -> None:
        whoosh_formats.commit(self._writer, mergetype=self._merge)

    def cancel(self) -> None:
        self._writer.cancel()


BulkUpdate = BulkWriter | PublicBulkWriter
