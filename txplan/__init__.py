"""txplan: psychotherapy treatment plans as code."""

__version__ = "0.1.0"
