"""Building blocks of the synthetic ``cymbal`` dataset; ``pipeline.generate`` puts them together."""
