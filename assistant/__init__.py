"""optout-assistant: a guided, evidence-keeping assistant for objecting to Meta's AI training."""

__version__ = "0.1.0"
