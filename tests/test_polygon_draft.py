"""The polygon tool's editing state (no Qt): close, select, drag, insert, delete."""

from __future__ import annotations

from annotator.gui.polygon_draft import PolygonDraft


def square() -> PolygonDraft:
    return PolygonDraft([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)])


def test_a_polygon_needs_three_vertices_to_close() -> None:
    draft = PolygonDraft([(0.0, 0.0), (5.0, 0.0)])
    assert not draft.close() and not draft.closed
    draft.points.append((5.0, 5.0))
    assert draft.close() and draft.closed and draft.selected is None


def test_hits_pick_the_nearest_vertex_or_edge_within_tolerance() -> None:
    draft = square()
    assert draft.vertex_at(9.0, 1.0, 2.0) == 1
    assert draft.vertex_at(5.0, 5.0, 2.0) is None
    assert draft.edge_at(5.0, 0.5, 1.0) == 0  # between vertices 0 and 1
    assert draft.edge_at(0.5, 5.0, 1.0) == 3  # the closing edge, 3 -> 0
    assert draft.edge_at(5.0, 5.0, 1.0) is None


def test_insert_select_drag_and_delete_keep_three_vertices() -> None:
    draft = square()
    assert not draft.insert(5.0, 0.0, 1.0)  # an open polygon takes no insertions
    draft.close()
    assert draft.insert(5.0, 0.2, 1.0)
    assert draft.points[1] == (5.0, 0.2) and draft.selected == 1 and len(draft.points) == 5
    draft.press(10.2, 10.1, 1.0)
    assert draft.selected == 3 and draft.dragging
    draft.press(50.0, 50.0, 1.0)
    assert draft.selected is None and not draft.dragging
    for _ in range(2):
        draft.selected = 0
        assert draft.delete_selected()
    draft.selected = 0
    assert len(draft.points) == 3 and not draft.delete_selected()
