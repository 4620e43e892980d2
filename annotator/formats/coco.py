"""COCO export: one image per frame, one annotation per object per frame, masks as RLE.

Streamed: the JSON is written piece by piece, frame after frame, straight
from the stored RLEs (area and bbox come from the RLE, no mask is decoded),
so memory does not grow with the number of frames.

Each image has ``id`` (frame index + 1), ``file_name`` (``<name>/<frame>.jpg``,
as in the DAVIS export's JPEGImages), ``height``, ``width``, ``frame_index``
and ``video_id`` (1). Each annotation has ``segmentation`` (compressed RLE,
``counts`` a str), ``area``, ``bbox`` (xywh), ``iscrowd`` 0, ``category_id``
and ``track_id`` (the object's id). Categories are the objects' categories,
numbered from 1 in order of first use by object id.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path

from annotator.core import rle
from annotator.formats.common import ExportJob, frame_stem, staged


def categories_of(job: ExportJob) -> dict[str, int]:
    """Category name -> COCO category id, in order of first use by object id."""
    out: dict[str, int] = {}
    for k in job.objects:
        name = job.model.objects[k].category or "object"
        out.setdefault(name, len(out) + 1)
    return out


def export_coco(job: ExportJob, out: Path, overwrite: bool = False) -> Generator[int, None, None]:
    """Write ``out`` (a .json file); yields after each frame's annotations (progress)."""
    categories = categories_of(job)
    width, height = job.size
    with staged(out, overwrite, folder=False) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write('{"info": ')
        json.dump({"description": f"annotator export of {job.name}", "version": "1.0"}, fh)
        fh.write(', "licenses": [], "videos": ')
        json.dump([{"id": 1, "name": job.name, "width": width, "height": height}], fh)
        fh.write(', "categories": ')
        json.dump([{"id": i, "name": n, "supercategory": n} for n, i in categories.items()], fh)
        fh.write(', "images": [')
        for i, f in enumerate(job.frames):
            image = {
                "id": f + 1,
                "file_name": f"{job.name}/{frame_stem(f)}.jpg",
                "height": height,
                "width": width,
                "frame_index": f,
                "video_id": 1,
            }
            fh.write((", " if i else "") + json.dumps(image))
        fh.write('], "annotations": [')
        ann_id = 0
        for f in job.frames:
            for k, mask in job.masks(f):
                area = rle.area(mask)
                if area == 0:
                    continue
                ann_id += 1
                ann = {
                    "id": ann_id,
                    "image_id": f + 1,
                    "category_id": categories[job.model.objects[k].category or "object"],
                    "track_id": k,
                    "segmentation": {"size": list(mask["size"]), "counts": mask["counts"]},
                    "area": area,
                    "bbox": list(rle.bbox(mask)),
                    "iscrowd": 0,
                }
                fh.write((", " if ann_id > 1 else "") + json.dumps(ann))
            yield f
        fh.write("]}\n")
