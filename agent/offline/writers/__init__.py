"""The offline model's answers for the tools other than ``run_sql``, one module per capability.

Importing this package registers every writer with ``agent.offline.answers``.
"""

from agent.offline.writers import campaigns, customers, reviews, segments

__all__ = ["campaigns", "customers", "reviews", "segments"]
