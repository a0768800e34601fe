"""Building segments, personas, RFM clusters and recommendations into the warehouse.

The queries are BigQuery SQL, run as written on BigQuery and transpiled for the embedded
DuckDB warehouse; what needs Python (K-means, naming, the recommendation rules) runs on the
aggregated results. ``steps`` holds the ``cymbal setup`` steps.
"""
