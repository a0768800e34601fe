"""Building the warehouse: synthetic data, the lab loader, and derived tables."""
