"""Measuring the agent: execution accuracy of text-to-SQL (``sql_accuracy``)."""
