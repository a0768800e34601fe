"""Review enrichment: sentiment, keywords, issue category, rating–text disagreement and an
improvement point per review (Gemini or the offline analyser), plus the lab's media analysis.
"""
