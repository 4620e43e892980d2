"""Propagation on a worker ``QThread``: it emits results and never touches the model.

The worker drives a ``PropagationRun``'s generator (which opens its own
``FrameSource`` on the video, so the user's scrubbing on the GUI thread does
not move the worker's decoder). Each step crosses to the GUI thread as a
queued signal; the controller there applies it. A semaphore bounds the steps
in flight, so a fast tracker cannot fill memory with masks the GUI has not
applied yet.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from annotator.errors import AnnotatorError
from annotator.session import PropagationRun

log = logging.getLogger(__name__)

IN_FLIGHT = 4

T = TypeVar("T")


class PropagationWorker(QObject):
    """Runs one run. Signals: ``step(PropagationStep, frame)``, ``failed(str)``, ``done()``.

    ``frame`` is the RGB (H, W, 3) image of ``step.frame``, decoded already, so
    the window can show it without decoding it a second time.

    ``done`` is emitted last, always, after every ``step`` and any ``failed``.
    """

    step = Signal(object, object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, run: PropagationRun) -> None:
        super().__init__()
        self.propagation = run
        self.slots = threading.Semaphore(IN_FLIGHT)

    def applied(self) -> None:
        """Called by the consumer once it has applied a step: frees one slot."""
        self.slots.release()

    @Slot()
    def run(self) -> None:
        cancel = self.propagation.cancel
        try:
            for step, image in self.propagation.steps():
                while not self.slots.acquire(timeout=0.05):
                    if cancel.is_set():
                        return
                self.step.emit(step, image)
        except AnnotatorError as exc:
            log.error("propagation failed: %s", exc)
            self.failed.emit(str(exc))
        except Exception as exc:  # a tracker bug must not kill the window or lose work
            log.exception("propagation crashed")
            self.failed.emit(f"the tracker failed: {type(exc).__name__}: {exc}")
        finally:
            self.done.emit()


class CallWorker(QObject):
    """Runs one call on a worker thread; ``finished()`` when done, with ``error`` set to
    the exception it raised, if any. The caller's call keeps its own result."""

    finished = Signal()

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__()
        self.work = work
        self.error: BaseException | None = None

    @Slot()
    def run(self) -> None:
        try:
            self.work()
        except Exception as exc:  # handed to the GUI thread, which reports it
            self.error = exc
        finally:
            self.finished.emit()


def run_off_thread(parent: QWidget, text: str, work: Callable[[], T]) -> T:
    """Run ``work`` on a worker thread while a busy dialog shows ``text`` and the window
    keeps painting; returns its result or raises what it raised.

    Input waits until the work is done (the dialog only shows after 0.3 s): a second
    box drawn meanwhile would start a second call on the same tracker.
    """
    progress = QProgressDialog(text, "", 0, 0, parent)
    progress.setCancelButton(None)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(300)
    # Setting the minimum value restarts the dialog's show timer at 0.3 s; else it keeps
    # Qt's default 4 s, and a one-second wait showed nothing.
    progress.setValue(0)
    results: list[T] = []
    worker = CallWorker(lambda: results.append(work()))
    thread = QThread()
    worker.moveToThread(thread)
    loop = QEventLoop()
    worker.finished.connect(loop.quit)
    thread.started.connect(worker.run)
    thread.start()
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    thread.quit()
    thread.wait()
    progress.close()
    if worker.error is not None:
        raise worker.error
    return results[0]


class CloseHold:
    """Defers a window's close while work it started runs on a worker thread.

    ``run_off_thread`` keeps the window painting, and the window manager's close
    button still reaches it: closing the project then would lose what the work
    returns (a box's object, an import). A close asked for meanwhile happens once
    the work's result is applied.
    """

    def __init__(self, window: QWidget) -> None:
        self.window = window
        self.depth = 0
        self.pending = False

    def defer(self) -> bool:
        """For ``closeEvent``: True (ignore the event; the close is remembered) while held."""
        if self.depth:
            self.pending = True
        return self.depth > 0

    @contextmanager
    def held(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if not self.depth and self.pending:
                self.pending = False
                QTimer.singleShot(0, self.window.close)


def run_held(parent: QWidget, hold: CloseHold, text: str, work: Callable[[], T]) -> T:
    """``run_off_thread`` with ``hold`` held until it returns. The work touches no
    project, so a crash in it (a bug) becomes an ``AnnotatorError`` the window shows."""
    with hold.held():
        try:
            return run_off_thread(parent, text, work)
        except AnnotatorError:
            raise
        except Exception as exc:
            log.exception("%s failed", text)
            message = f"{text.rstrip('…')} failed: {type(exc).__name__}: {exc}"
            raise AnnotatorError(message) from exc
