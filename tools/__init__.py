"""The agent's capabilities, one module per capability, and the warehouse backends."""
