"""The polygon being drawn, then edited before it is committed: plain state, no Qt.

Vertices are (x, y) in image pixels. While open, clicks append vertices;
once closed (Enter), vertices can be selected, dragged, inserted on an edge
and deleted (at least three stay) until a second Enter commits it. Hit tests
take a tolerance in image pixels, which the canvas derives from its zoom.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Point = tuple[float, float]


@dataclass
class PolygonDraft:
    points: list[Point] = field(default_factory=list)
    closed: bool = False
    selected: int | None = None  # the selected vertex of a closed polygon
    dragging: bool = False

    def close(self) -> bool:
        """Close for editing; False (and nothing changes) with fewer than three vertices."""
        if len(self.points) < 3:
            return False
        self.closed, self.selected = True, None
        return True

    def delete_selected(self) -> bool:
        """Remove the selected vertex of a closed polygon, if more than three remain."""
        if not (self.closed and self.selected is not None and len(self.points) > 3):
            return False
        del self.points[self.selected]
        self.selected = None
        return True

    def insert(self, x: float, y: float, tolerance: float) -> bool:
        """Insert (x, y) on the closed polygon's edge nearest to it, if within ``tolerance``;
        the new vertex is selected."""
        edge = self.edge_at(x, y, tolerance) if self.closed else None
        if edge is None:
            return False
        self.points.insert(edge + 1, (x, y))
        self.selected = edge + 1
        return True

    def press(self, x: float, y: float, tolerance: float) -> None:
        """A click on a closed polygon selects (and starts dragging) the vertex under it."""
        self.selected = self.vertex_at(x, y, tolerance)
        self.dragging = self.selected is not None

    def vertex_at(self, x: float, y: float, tolerance: float) -> int | None:
        """Index of the vertex nearest to (x, y), if within ``tolerance``."""
        best = None
        for i, (vx, vy) in enumerate(self.points):
            d = ((vx - x) ** 2 + (vy - y) ** 2) ** 0.5
            if d <= tolerance and (best is None or d < best[0]):
                best = (d, i)
        return None if best is None else best[1]

    def edge_at(self, x: float, y: float, tolerance: float) -> int | None:
        """Index i of the edge (i, i+1) nearest to (x, y), if within ``tolerance``."""
        best = None
        n = len(self.points)
        for i in range(n):
            (ax, ay), (bx, by) = self.points[i], self.points[(i + 1) % n]
            dx, dy = bx - ax, by - ay
            t = ((x - ax) * dx + (y - ay) * dy) / max(dx * dx + dy * dy, 1e-9)
            t = min(max(t, 0.0), 1.0)
            d = ((ax + t * dx - x) ** 2 + (ay + t * dy - y) ** 2) ** 0.5
            if d <= tolerance and (best is None or d < best[0]):
                best = (d, i)
        return None if best is None else best[1]
