"""SVG filter effects (Filter Effects Module Level 1) for the builtin renderer, in torch.

Every primitive works on premultiplied ``(4, H, W)`` layer tensors covering the filter
region at canvas resolution; :mod:`.graph` evaluates a resolved filter (the ``in`` /
``in2`` / ``result`` graph, subregions, colour spaces) over one layer. One module per
family of primitives. Submodules import from each other, never from this package.
"""
