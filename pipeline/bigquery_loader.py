"""Loading tables into a BigQuery dataset, typed and described by knowledge/schema/.

Each table is written by one load job (``WRITE_TRUNCATE``), so a reader sees the old
rows or the new ones, never a half-loaded table. Rows travel as newline-delimited JSON
from memory: no pyarrow, no staging bucket.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from google.api_core.exceptions import NotFound
from google.cloud import bigquery

from tools.warehouse.base import json_safe
from tools.warehouse.bigquery_backend import standard_type
from tools.warehouse.schema import TableSpec, conform, specs_for


def table_schema(spec: TableSpec) -> list[bigquery.SchemaField]:
    """The BigQuery columns of ``spec``, with the marketer-facing descriptions."""
    return [bigquery.SchemaField(col.name, col.type.upper(), mode="NULLABLE",
                                 description=col.description)
            for col in spec.columns]


def json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame`` as JSON-ready rows: missing values become null, datetimes ISO text."""
    cells = frame.astype(object).where(frame.notna(), None)
    return [{col: json_safe(value) for col, value in row.items()}
            for row in cells.to_dict(orient="records")]


def load_tables(client: bigquery.Client, project: str, dataset: str,
                frames: dict[str, pd.DataFrame], location: str | None) -> dict[str, int]:
    """Create ``project.dataset`` if missing and replace each documented table in it.

    Returns the number of rows loaded per table.
    """
    schema = specs_for(list(frames))
    target = bigquery.Dataset(f"{project}.{dataset}")
    target.location = location
    client.create_dataset(target, exists_ok=True)
    return {name: load_table(client, f"{project}.{dataset}.{name}", frame, schema[name], location)
            for name, frame in frames.items()}


def load_table(client: bigquery.Client, table_id: str, frame: pd.DataFrame, spec: TableSpec,
               location: str | None) -> int:
    """Replace the rows of ``table_id`` with ``frame`` conformed to ``spec``."""
    spec = spec.fitted(frame.columns)
    _ensure_table(client, table_id, spec)
    config = bigquery.LoadJobConfig(schema=table_schema(spec),
                                    write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
                                    source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON)
    job = client.load_table_from_json(json_rows(conform(frame, spec)), table_id,
                                      job_config=config, location=location)
    job.result()
    return int(job.output_rows or 0)


def _ensure_table(client: bigquery.Client, table_id: str, spec: TableSpec) -> None:
    """Create the table as ``spec`` describes it; recreate it if its columns differ."""
    wanted = [(col.name, col.type.upper()) for col in spec.columns]
    try:
        existing = client.get_table(table_id)
    except NotFound:
        existing = None
    if existing is not None:
        if [(f.name, standard_type(f)) for f in existing.schema] == wanted:
            return
        client.delete_table(table_id)
    table = bigquery.Table(table_id, schema=table_schema(spec))
    table.description = spec.description
    client.create_table(table)
