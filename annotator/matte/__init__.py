"""Soft alpha mattes from hard masks: the edge refiner a compositor needs (no Qt, no torch).

``refine.refine_alpha`` turns a binary mask and its frame into alpha;
``chatter.reduce_chatter`` steadies alpha across neighbouring frames;
``refine.estimate_foreground`` gives the object's own colour in the band.
"""
