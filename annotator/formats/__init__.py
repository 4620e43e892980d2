"""Dataset and delivery formats, both ways: the exporters (COCO, DAVIS, YouTube-VOS,
mattes, EXR, RGBA, ProRes, overlay video), the importers and the label-PNG reader,
and the table of formats and their options (``registry``). Named for what it holds:
it reads as well as writes.
"""
