"""Playback: the window steps one frame every 33 ms (about 30 per second) until the last."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, QTimer

FRAME_MS = 33


class Player(Protocol):
    """What playback needs of the window."""

    current: int

    @property
    def frame_count(self) -> int: ...

    def show_frame(self, index: int) -> None: ...


class Playback:
    """Plays ``player`` from its current frame to its last; ``toggle`` starts and stops it."""

    def __init__(self, player: Player, parent: QObject) -> None:
        self._player = player
        self._timer = QTimer(parent)
        self._timer.timeout.connect(self._step)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def toggle(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
        elif self._player.frame_count:
            self._timer.start(FRAME_MS)

    def stop(self) -> None:
        self._timer.stop()

    def _step(self) -> None:
        p = self._player
        if p.current >= p.frame_count - 1:
            self._timer.stop()
        else:
            p.show_frame(p.current + 1)
