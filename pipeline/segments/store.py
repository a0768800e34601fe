"""Where the segment builders read and write: the DuckDB file or a BigQuery dataset.

Builders speak BigQuery SQL with bare table names. ``DuckDBStore`` transpiles it with
sqlglot (refusing constructs DuckDB cannot express); ``BigQueryStore`` runs it with the
dataset as default. Written tables always take their columns and types from
``knowledge/schema/``. A store also remembers a fingerprint per build step, so setup can
skip a step whose inputs have not changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Protocol

import duckdb
import pandas as pd
import sqlglot

from config.settings import Settings
from pipeline.warehouse_writer import META_TABLE, write_table
from tools.warehouse.base import json_safe
from tools.warehouse.schema import TableSpec, conform, load_schema


class Store(Protocol):
    """A warehouse the segment builders can read from and write to."""

    backend: str

    def query(self, sql: str) -> pd.DataFrame:
        """Run one BigQuery-dialect SELECT and return all rows."""

    def has_table(self, name: str) -> bool:
        """True when the table exists."""

    def write(self, name: str, frame: pd.DataFrame) -> int:
        """Create or replace a documented table from ``frame``; returns the row count."""

    def materialize(self, name: str, sql: str) -> int:
        """Create or replace a documented table from a SELECT, in the warehouse itself."""

    def table_version(self, name: str) -> str:
        """A value that changes whenever the table's content changes."""

    def get_meta(self, key: str) -> str | None:
        """A remembered value (step fingerprints)."""

    def set_meta(self, key: str, value: str) -> None:
        """Remember a value."""


def spec_for(name: str) -> TableSpec:
    """The documented spec of a table this package writes."""
    schema = load_schema()
    if name not in schema:
        raise ValueError(f"Undocumented table {name!r}: describe it in knowledge/schema/")
    return schema[name]


def typed_select(spec: TableSpec, sql: str) -> str:
    """``sql`` wrapped so its columns come out in the spec's order and BigQuery types."""
    columns = ", ".join(f"CAST(`{c.name}` AS {c.type}) AS `{c.name}`" for c in spec.columns)
    return f"SELECT {columns} FROM ({sql}) AS _source"


def fingerprint(*parts: object) -> str:
    """A short stable hash of ``parts`` (JSON-encoded)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class DuckDBStore:
    """The embedded warehouse, through a read-write connection held by the caller."""

    backend = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def query(self, sql: str) -> pd.DataFrame:
        local = sqlglot.transpile(sql, read="bigquery", write="duckdb",
                                  unsupported_level=sqlglot.ErrorLevel.RAISE)[0]
        return self.con.execute(local).df()

    def has_table(self, name: str) -> bool:
        return bool(self.con.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_name = ?", [name]).fetchone()[0])

    def write(self, name: str, frame: pd.DataFrame) -> int:
        return write_table(self.con, frame, spec_for(name))

    def materialize(self, name: str, sql: str) -> int:
        local = sqlglot.transpile(typed_select(spec_for(name), sql), read="bigquery",
                                  write="duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE)[0]
        self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS {local}')
        return self.con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]

    def table_version(self, name: str) -> str:
        if not self.has_table(name):
            return "missing"
        count, digest = self.con.execute(f'SELECT COUNT(*), BIT_XOR(HASH(t)) FROM "{name}" t'
                                         ).fetchone()
        return f"{count}:{digest}"

    def get_meta(self, key: str) -> str | None:
        if not self.has_table(META_TABLE):
            return None
        row = self.con.execute(f'SELECT value FROM "{META_TABLE}" WHERE key = ?', [key]).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute(f'CREATE TABLE IF NOT EXISTS "{META_TABLE}" '
                         "(key VARCHAR PRIMARY KEY, value VARCHAR)")
        self.con.execute(f'INSERT OR REPLACE INTO "{META_TABLE}" VALUES (?, ?)',
                         [key, json.dumps(value)])


class BigQueryStore:
    """A BigQuery dataset through the google-cloud-bigquery client.

    Step fingerprints are kept as dataset labels (``cymbal_<step>``), so nothing extra
    appears among the dataset's tables.
    """

    backend = "bigquery"

    def __init__(self, client: Any, project: str, dataset: str) -> None:
        self.client = client
        self.project = project
        self.dataset = dataset

    @classmethod
    def from_settings(cls, settings: Settings) -> BigQueryStore:
        from tools.warehouse.bigquery_backend import BigQueryWarehouse

        if not settings.bq_project:
            raise ValueError("CYMBAL_BQ_PROJECT is not set: it is needed for the BigQuery backend.")
        client = BigQueryWarehouse.from_settings(settings).client()
        return cls(client, settings.bq_project, settings.dataset)

    def _table_id(self, name: str) -> str:
        return f"{self.project}.{self.dataset}.{name}"

    def run(self, sql: str) -> Any:
        """Run any statement (DDL such as CREATE MODEL included) and wait for it."""
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(default_dataset=f"{self.project}.{self.dataset}",
                                         labels={"cymbal_component": "segments"})
        return self.client.query(sql, job_config=config).result()

    def query(self, sql: str) -> pd.DataFrame:
        result = self.run(sql)
        columns = [field.name for field in result.schema]
        return pd.DataFrame([list(row.values()) for row in result], columns=columns)

    def has_table(self, name: str) -> bool:
        from google.api_core.exceptions import NotFound

        try:
            self.client.get_table(self._table_id(name))
        except NotFound:
            return False
        return True

    def write(self, name: str, frame: pd.DataFrame) -> int:
        from google.cloud import bigquery

        spec = spec_for(name)
        data = conform(frame, spec)
        rows = [{col: _bq_value(value) for col, value in zip(spec.column_names, row)}
                for row in data.itertuples(index=False, name=None)]
        config = bigquery.LoadJobConfig(
            schema=[bigquery.SchemaField(c.name, c.type, description=c.description[:1024])
                    for c in spec.columns],
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE)
        self.client.load_table_from_json(rows, self._table_id(name), job_config=config).result()
        return len(rows)

    def materialize(self, name: str, sql: str) -> int:
        self.run(f"CREATE OR REPLACE TABLE `{self._table_id(name)}` AS "
                 f"{typed_select(spec_for(name), sql)}")
        return int(self.client.get_table(self._table_id(name)).num_rows or 0)

    def table_version(self, name: str) -> str:
        from google.api_core.exceptions import NotFound

        try:
            table = self.client.get_table(self._table_id(name))
        except NotFound:
            return "missing"
        return f"{table.num_rows}:{table.modified.isoformat() if table.modified else ''}"

    def get_meta(self, key: str) -> str | None:
        labels = self.client.get_dataset(f"{self.project}.{self.dataset}").labels or {}
        return labels.get(_label_key(key))

    def set_meta(self, key: str, value: str) -> None:
        dataset = self.client.get_dataset(f"{self.project}.{self.dataset}")
        dataset.labels = {**(dataset.labels or {}), _label_key(key): value.lower()[:63]}
        self.client.update_dataset(dataset, ["labels"])


def _label_key(key: str) -> str:
    return ("cymbal_" + "".join(ch if ch.isalnum() else "_" for ch in key.lower()))[:63]


def _bq_value(value: Any) -> Any:
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return json_safe(value)
