"""The annotation model: objects, per-frame masks with provenance, and undo/redo.

Every change goes through ``AnnotationModel.apply(Edit)``. An ``Edit`` is a
list of ``Change`` values (before and after of one cell or one object), so one
user stroke or one whole propagation run is one undo step. Masks are stored as
RLE (``annotator.core.rle``), and so are the history entries, so history
costs what the changed masks cost compressed; its depth is bounded by bytes,
not by a count.

A cell is (object id, frame index). Frames count from 0.
"""

from __future__ import annotations

import contextlib
import enum
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from annotator.core.matte_settings import MatteSettings
from annotator.core.rle import RLE


class Provenance(enum.StrEnum):
    """Where a frame's mask came from.

    ``USER`` (drawn or corrected) and ``INIT`` (made from a box the user drew)
    frames are locked keyframes: propagation starts from them, stops at them and
    never overwrites them.
    """

    USER = "user"
    INIT = "init"
    PROPAGATED = "propagated"
    BLENDED = "blended"


@dataclass(frozen=True)
class ObjectInfo:
    """An annotated object. ``color`` is RGB 0..255; ``matte``: how its soft matte is made."""

    id: int
    name: str
    category: str = "object"
    color: tuple[int, int, int] = (255, 0, 0)
    visible: bool = True
    matte: MatteSettings = field(default_factory=MatteSettings)


LOCKED = frozenset({Provenance.USER, Provenance.INIT})

# Object ids are stored as SQLite integers and shown to people: 1 up to this.
MAX_OBJECT_ID = 2**31 - 1


@dataclass(frozen=True)
class FrameMask:
    """One object's annotation on one frame.

    rle: the mask, or None when the object is marked absent on this frame.
    polygon: rotated box corners (x1, y1, ..., x4, y4) in pixels, when a tracker gave one.
    score: the tracker's confidence, None for user masks.
    origin: the frame the propagation run that wrote this mask started from
        (None for user and init masks); blending uses it to tell runs apart.
    """

    provenance: Provenance
    rle: RLE | None
    score: float | None = None
    polygon: tuple[float, ...] | None = None
    origin: int | None = None

    @property
    def absent(self) -> bool:
        return self.rle is None

    @property
    def locked(self) -> bool:
        """A keyframe: the user's own statement about this frame."""
        return self.provenance in LOCKED

    @property
    def nbytes(self) -> int:
        return 64 + (len(self.rle["counts"]) if self.rle else 0)


@dataclass(frozen=True)
class CellChange:
    """The mask of (object, frame) goes from ``before`` to ``after`` (None: no annotation)."""

    object_id: int
    frame: int
    before: FrameMask | None
    after: FrameMask | None


@dataclass(frozen=True)
class ObjectChange:
    """An object is added (before None), removed (after None) or edited."""

    before: ObjectInfo | None
    after: ObjectInfo | None


Change = CellChange | ObjectChange


@dataclass(frozen=True)
class Edit:
    """One undoable step: a label for menus and the changes, applied in order."""

    label: str
    changes: tuple[Change, ...]

    @property
    def nbytes(self) -> int:
        total = 0
        for c in self.changes:
            if isinstance(c, CellChange):
                total += (c.before.nbytes if c.before else 8) + (c.after.nbytes if c.after else 8)
            else:
                total += 256
        return total

    def inverse(self) -> Edit:
        inverted: list[Change] = []
        for c in reversed(self.changes):
            if isinstance(c, CellChange):
                inverted.append(CellChange(c.object_id, c.frame, c.after, c.before))
            else:
                inverted.append(ObjectChange(c.after, c.before))
        return Edit(self.label, tuple(inverted))


Listener = Callable[[Edit], None]


@dataclass
class History:
    """Undo and redo stacks, bounded by the bytes their edits hold."""

    max_bytes: int = 256 * 1024 * 1024
    undo: deque[Edit] = field(default_factory=deque)
    redo: list[Edit] = field(default_factory=list)
    _bytes: int = 0

    def push(self, edit: Edit) -> None:
        self.undo.append(edit)
        self._bytes += edit.nbytes
        self.redo.clear()
        while self._bytes > self.max_bytes and len(self.undo) > 1:
            self._bytes -= self.undo.popleft().nbytes

    def drop_redo(self) -> None:
        self.redo.clear()

    def pop_undo(self) -> Edit | None:
        if not self.undo:
            return None
        edit = self.undo.pop()
        self._bytes -= edit.nbytes
        self.redo.append(edit)
        return edit

    def pop_redo(self) -> Edit | None:
        if not self.redo:
            return None
        edit = self.redo.pop()
        self.undo.append(edit)
        self._bytes += edit.nbytes
        return edit


class AnnotationModel:
    """Objects and their per-frame masks. Not thread-safe: one writer (the GUI thread)."""

    def __init__(self, frame_count: int, history_bytes: int = 256 * 1024 * 1024) -> None:
        self.frame_count = frame_count
        self.objects: dict[int, ObjectInfo] = {}
        self._cells: dict[int, dict[int, FrameMask]] = {}
        self.history = History(history_bytes)
        self._listeners: list[Listener] = []
        self._group: tuple[str, list[Change]] | None = None

    # -- reading -------------------------------------------------------------------
    def mask(self, object_id: int, frame: int) -> FrameMask | None:
        return self._cells.get(object_id, {}).get(frame)

    def frames_of(self, object_id: int) -> dict[int, FrameMask]:
        """frame -> FrameMask for one object (a read-only view by convention)."""
        return self._cells.get(object_id, {})

    def keyframes(self, object_id: int) -> list[int]:
        """Sorted frames where ``object_id`` has a locked (user or init) mask."""
        return sorted(f for f, m in self.frames_of(object_id).items() if m.locked)

    def provenance_counts(self, object_id: int) -> dict[str, int]:
        counts = {p.value: 0 for p in Provenance}
        counts["absent"] = 0
        for m in self.frames_of(object_id).values():
            counts["absent" if m.absent else m.provenance.value] += 1
        return counts

    def next_object_id(self) -> int:
        return max(self.objects, default=0) + 1

    # -- listening -----------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """``listener(edit)`` runs after every applied edit, undo and redo (as the edit applied).

        A listener that raises (a failed disk write) makes the edit roll back in
        the model too, so the model never shows what was not saved.
        """
        self._listeners.append(listener)

    # -- changing ------------------------------------------------------------------
    def apply(self, edit: Edit) -> None:
        """Apply an edit and record it for undo. Empty edits are ignored.

        Inside ``group()`` the edit is applied (and reaches listeners) at once,
        but joins the group's single undo step.
        """
        if not edit.changes:
            return
        self._apply_changes(edit)
        if self._group is not None:
            self._group[1].extend(edit.changes)
        else:
            self.history.push(edit)

    @contextlib.contextmanager
    def group(self, label: str) -> Iterator[None]:
        """Make every ``apply`` inside the block one undo step (a propagation run).

        Each edit is still applied and announced when it happens, so a store
        commits it at once; only the history sees one entry, pushed on exit,
        also when the block ends with an exception (Ctrl-C keeps the work).
        """
        self.begin_group(label)
        try:
            yield
        finally:
            self.end_group()

    def begin_group(self, label: str) -> None:
        """Open an undo group for a run whose steps arrive as separate calls (a worker
        thread's results); ``end_group`` closes it. Prefer ``with group(...)``."""
        if self._group is not None:
            raise RuntimeError("edit groups do not nest")
        self._group = (label, [])
        self.history.drop_redo()

    def end_group(self) -> None:
        """Close the open group: its changes become one undo step. No-op without one."""
        if self._group is None:
            return
        label, changes = self._group
        self._group = None
        if changes:
            self.history.push(Edit(label, tuple(changes)))

    def undo(self) -> Edit | None:
        self._no_group("undo")
        edit = self.history.pop_undo()
        if edit is not None:
            try:
                self._apply_changes(edit.inverse())
            except BaseException:
                self.history.pop_redo()
                raise
        return edit

    def redo(self) -> Edit | None:
        self._no_group("redo")
        edit = self.history.pop_redo()
        if edit is not None:
            try:
                self._apply_changes(edit)
            except BaseException:
                self.history.pop_undo()
                raise
        return edit

    def _no_group(self, what: str) -> None:
        if self._group is not None:
            raise RuntimeError(f"cannot {what} while {self._group[0]!r} is running")

    def load(
        self, objects: Iterable[ObjectInfo], cells: Iterable[tuple[int, int, FrameMask]]
    ) -> None:
        """Fill the model from storage, without history or listeners."""
        for obj in objects:
            self.objects[obj.id] = obj
            self._cells.setdefault(obj.id, {})
        for object_id, frame, mask in cells:
            self._cells.setdefault(object_id, {})[frame] = mask

    def _apply_changes(self, edit: Edit) -> None:
        self._set_cells(edit)
        told: list[Listener] = []
        try:
            for listener in self._listeners:
                listener(edit)
                told.append(listener)
        except BaseException:
            undo = edit.inverse()
            self._set_cells(undo)
            for listener in told:
                listener(undo)
            raise

    def _set_cells(self, edit: Edit) -> None:
        for c in edit.changes:
            if isinstance(c, ObjectChange):
                if c.after is None:
                    assert c.before is not None
                    self.objects.pop(c.before.id, None)
                    if not self._cells.get(c.before.id):
                        self._cells.pop(c.before.id, None)
                else:
                    self.objects[c.after.id] = c.after
                    self._cells.setdefault(c.after.id, {})
            else:
                cells = self._cells.setdefault(c.object_id, {})
                if c.after is None:
                    cells.pop(c.frame, None)
                else:
                    cells[c.frame] = c.after

    # -- edit builders -------------------------------------------------------------
    def add_object(self, info: ObjectInfo) -> Edit:
        if info.id in self.objects:
            raise ValueError(f"object {info.id} exists")
        return Edit(f"add {info.name}", (ObjectChange(None, info),))

    def update_object(self, info: ObjectInfo) -> Edit:
        return Edit(f"edit {info.name}", (ObjectChange(self.objects[info.id], info),))

    def delete_object(self, object_id: int) -> Edit:
        """Remove an object and all its masks; nothing else is touched."""
        info = self.objects[object_id]
        cells = tuple(
            CellChange(object_id, f, m, None) for f, m in sorted(self.frames_of(object_id).items())
        )
        return Edit(f"delete {info.name}", (*cells, ObjectChange(info, None)))

    def set_masks(self, label: str, items: Iterable[tuple[int, int, FrameMask | None]]) -> Edit:
        """An edit that sets (object, frame) cells to the given masks (None clears)."""
        changes = tuple(
            CellChange(obj, frame, self.mask(obj, frame), mask)
            for obj, frame, mask in items
            if self.mask(obj, frame) != mask
        )
        return Edit(label, changes)

    def clear_range(self, object_id: int, start: int, stop: int) -> Edit:
        """Remove one object's masks on frames start..stop-1."""
        return self.set_masks(
            "clear frames",
            ((object_id, f, None) for f in sorted(self.frames_of(object_id)) if start <= f < stop),
        )

    def mark_absent(self, object_id: int, start: int, stop: int) -> Edit:
        """Mark one object absent (a user statement, so locked) on frames start..stop-1."""
        absent = FrameMask(Provenance.USER, None)
        return self.set_masks("mark absent", ((object_id, f, absent) for f in range(start, stop)))

    def __iter__(self) -> Iterator[tuple[int, int, FrameMask]]:
        for object_id, cells in self._cells.items():
            for frame, mask in cells.items():
                yield object_id, frame, mask
