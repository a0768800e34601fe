"""What every setup step shares: the options of a run, its context and a step's result.

``pipeline.setup`` runs the steps in order; the modules that define steps import these
classes from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from config.settings import Settings
from pipeline.progress import Reporter


@dataclass
class SetupOptions:
    lab_data: Path | None = None
    scale: float = 1.0
    seed: int = 42
    reviews_per_customer: float = 0.3
    force: bool = False

    def source(self) -> dict[str, object]:
        """What the base data is built from; a change means a rebuild."""
        if self.lab_data is not None:
            return {"source": "lab", "lab_data": str(Path(self.lab_data).resolve())}
        return {"source": "generated", "scale": self.scale, "seed": self.seed,
                "reviews_per_customer": self.reviews_per_customer}


@dataclass
class SetupContext:
    settings: Settings
    options: SetupOptions
    reporter: Reporter
    rebuilt: set[str] = field(default_factory=set)  # steps that produced new output


@dataclass
class StepResult:
    name: str
    summary: str
    skipped: bool


Step = Callable[[SetupContext], StepResult]
