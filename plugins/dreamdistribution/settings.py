"""Fit settings, apart from the torch code so the command line can show defaults without importing torch."""

from __future__ import annotations

from dataclasses import dataclass

from vecedit.errors import OptionError

MIN_REFERENCES = 3


@dataclass
class FitSettings:
    prompts: int = 32  # K soft prompts
    tokens: int = 4  # soft tokens per prompt
    steps: int = 300
    lr: float = 1e-3
    orthogonality: float = 1e-3  # λ of the orthogonality term
    samples: int = 32  # reparameterised samples per step
    text: str = ""  # text after the soft tokens while fitting
    seed: int = 0

    def validate(self) -> "FitSettings":
        for name in ("prompts", "tokens", "steps", "samples"):
            if int(getattr(self, name)) < (2 if name == "prompts" else 1):
                least = "2 (the std needs two prompts)" if name == "prompts" else "1"
                raise OptionError(f"--{name} must be at least {least}, got {getattr(self, name)}")
        if not self.lr > 0 or self.orthogonality < 0:
            raise OptionError("--lr must be > 0 and --orthogonality ≥ 0")
        return self
