"""The benchmarks behind ``annotator bench``, one module per subject; each returns a
JSON-ready report whose figures are ratios against a baseline measured in the same
run (these machines are noisy).

- ``trackers``: SiamMask (batched objects against one call each) and the flow backend
  (against a plain warp).
- ``stroke``: the snapping stroke against the brush.
- ``box``: a box to a mask, the vote of three cuts against one.
- ``video``: random-seek latency and memory.
- ``store``: commit, undo and reopen times of a large project.
- ``export``: COCO and DAVIS export time and memory held.

``annotator bench gui`` lives in ``annotator.gui.bench``: it needs Qt, which only
``annotator.gui`` may import.
"""
