"""vecedit: vector-graphics editing through differentiable rendering."""

__version__ = "0.1.0"
