"""What filter work costs in ``Limits.filter_pixels`` (counted as the scene is built and as it renders)."""

STEPS_PER_PIXEL = 16  # filter work a render may always do per canvas pixel (the size asked for)
STEP_OVERHEAD = 512  # a primitive's fixed cost per element it filters, in pixels' worth (≈0.5 ms)


def passes(primitive) -> int:
    """One primitive's cost in passes over its layer (a :class:`Primitive` or a :class:`Step`): most
    are one; a convolution costs with its kernel, noise with its octaves, a merge with its inputs."""
    kind, params = primitive.kind, primitive.params
    if kind == "feConvolveMatrix":
        return max(1, params["order"][0] * params["order"][1] // 256)
    if kind == "feTurbulence":
        return 1 + params["numOctaves"]
    if kind == "feMerge":
        return max(1, len(primitive.inputs))
    return 1


def work(steps: int, height: int, width: int) -> int:
    """Filter cost in ``Limits.filter_pixels``: each of ``steps`` passes (:func:`passes`) runs over the
    layer, plus a fixed cost per use (resolving it, its graph, small tensor operations) that a tiny
    region does not hide."""
    return steps * (max(height, 0) * max(width, 0) + STEP_OVERHEAD)
