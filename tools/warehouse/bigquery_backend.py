"""The cloud warehouse: BigQuery, queried through google-cloud-bigquery.

Every checked tree is rendered with fully qualified table names, dry-run first (only a
SELECT whose estimated scan fits ``max_bytes_billed`` goes on), then run with the byte
cap, job labels, a job timeout and a row cap. Client and API failures become
``SqlError`` values that say what to fix.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import re
import threading
from typing import TYPE_CHECKING, Any

import requests
from google.api_core import exceptions as api_exceptions
from google.api_core.client_options import ClientOptions
from google.auth import exceptions as auth_exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_RETRY
from sqlglot import exp

from tools.warehouse.base import QueryResult, Warehouse, json_safe
from tools.warehouse.catalog import Catalog
from tools.warehouse.errors import SqlError

if TYPE_CHECKING:
    from config.settings import Settings

LABELS = {"app": "cymbal-agent", "component": "warehouse"}
AUTH_HINT = ("Run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS "
             "to a service-account key file with the BigQuery Job User and Data Viewer roles.")
TIMEOUT_HINT = "Aggregate more or filter earlier, or raise CYMBAL_QUERY_TIMEOUT_S."
# The REST API still reports legacy type names; the catalog speaks GoogleSQL.
_STANDARD_TYPES = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "RECORD": "STRUCT"}
_BYTES_REASONS = {"bytesBilledLimitExceeded"}
_ERRNO_RE = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


def standard_type(field: bigquery.SchemaField) -> str:
    """The GoogleSQL type name of a result or table column (``INTEGER`` -> ``INT64``)."""
    kind = field.field_type.upper()
    kind = _STANDARD_TYPES.get(kind, kind)
    return f"ARRAY<{kind}>" if field.mode == "REPEATED" else kind


def format_bytes(count: int) -> str:
    """``count`` bytes in MB below one GB, else in GB (binary units, as BigQuery bills)."""
    if count < 1024**2:
        return f"{count:,} bytes"
    if count < 1024**3:
        return f"{count / 1024**2:,.2f} MB"
    return f"{count / 1024**3:,.2f} GB"


class BigQueryWarehouse(Warehouse):
    """BigQuery SQL over a BigQuery dataset, with a dry run, a byte cap and labels."""

    name = "bigquery"

    def __init__(self, project: str | None, dataset: str = "cymbal", location: str | None = None,
                 api_endpoint: str | None = None, max_rows: int = 500,
                 max_bytes_billed: int = 2 * 1024**3, timeout_s: float = 30.0,
                 max_sql_chars: int = 20_000, labels: dict[str, str] | None = None) -> None:
        super().__init__(dataset=dataset, project=project, max_rows=max_rows,
                         timeout_s=timeout_s, max_sql_chars=max_sql_chars)
        self.location = location
        self.api_endpoint = api_endpoint
        self.max_bytes_billed = max_bytes_billed
        self.labels = {**LABELS, **(labels or {})}
        self._client: bigquery.Client | None = None
        self._lock = threading.Lock()
        # Transient HTTP failures are retried within the query timeout. Whole-job retries
        # stay off (job_retry=None): the client's default resubmits for up to ten minutes.
        self._retry = DEFAULT_RETRY.with_timeout(timeout_s)

    @classmethod
    def from_settings(cls, settings: Settings) -> BigQueryWarehouse:
        """The warehouse that ``settings`` describe (no network call until first use)."""
        return cls(project=settings.bq_project, dataset=settings.dataset,
                   location=settings.bq_location, api_endpoint=settings.bq_api_endpoint,
                   max_rows=settings.max_rows, max_bytes_billed=settings.max_bytes_billed,
                   timeout_s=settings.query_timeout_s, max_sql_chars=settings.max_sql_chars)

    # -- public ---------------------------------------------------------------------------
    def describe(self) -> str:
        return f"BigQuery {self.project or '(default project)'}.{self.dataset}"

    def freshness(self) -> dt.datetime | None:
        """When any table of the dataset last changed (None if it is missing or empty)."""
        client = self.client()
        try:
            times = [client.get_table(item.reference, retry=self._retry,
                                      timeout=self.timeout_s).modified
                     for item in client.list_tables(self._dataset_id(), retry=self._retry,
                                                    timeout=self.timeout_s)]
        except api_exceptions.NotFound:
            return None
        except Exception as err:  # noqa: BLE001 - every client failure becomes a SqlError
            raise self._sql_error(err) from None
        return max((t for t in times if t is not None), default=None)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
        self.refresh()

    def client(self) -> bigquery.Client:
        """The BigQuery client, created at first use."""
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def qualified_sql(self, tree: exp.Query) -> str:
        """``tree`` as BigQuery SQL with every dataset table as ``project.dataset.table``."""
        catalog = self.catalog()
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        project = self.client().project
        qualified = tree.copy()
        for table in qualified.find_all(exp.Table):
            if table.db or table.name in ctes or not catalog.has_table(table.name):
                continue
            table.set("db", exp.to_identifier(self.dataset))
            table.set("catalog", exp.to_identifier(project))
        return qualified.sql("bigquery")

    def dry_run(self, sql: str) -> int:
        """Dry-run ``sql``; refuse anything but a SELECT; return the bytes it would scan."""
        config = self._job_config(dry_run=True, use_query_cache=False)
        try:
            job = self.client().query(sql, job_config=config, retry=self._retry,
                                      timeout=self.timeout_s, job_retry=None)
        except Exception as err:  # noqa: BLE001 - every client failure becomes a SqlError
            raise self._sql_error(err) from None
        kind = (job.statement_type or "UNKNOWN").upper()
        if kind != "SELECT":
            raise SqlError("not_a_query", f"BigQuery's dry run classifies this statement as "
                           f"{kind}; only SELECT queries may run.")
        return int(job.total_bytes_processed or 0)

    # -- backend hooks --------------------------------------------------------------------
    def _load_catalog(self) -> Catalog:
        client = self.client()
        tables: dict[str, dict[str, str]] = {}
        try:
            for item in client.list_tables(self._dataset_id(), retry=self._retry,
                                           timeout=self.timeout_s):
                if item.table_id.startswith("_"):
                    continue
                table = client.get_table(item.reference, retry=self._retry,
                                         timeout=self.timeout_s)
                tables[item.table_id] = {f.name: standard_type(f) for f in table.schema}
            if not tables:  # an empty listing may mean a missing dataset (so on bqemulator)
                client.get_dataset(self._dataset_id(), retry=self._retry, timeout=self.timeout_s)
        except Exception as err:  # noqa: BLE001 - every client failure becomes a SqlError
            raise self._sql_error(err) from None
        return Catalog(dict(sorted(tables.items())))

    def _execute(self, tree: exp.Query, max_rows: int) -> QueryResult:
        sql = self.qualified_sql(tree)
        estimate = self.dry_run(sql)
        if estimate > self.max_bytes_billed:
            raise SqlError("bytes_limit", f"This query would scan {format_bytes(estimate)}; "
                           f"the limit is {format_bytes(self.max_bytes_billed)}.",
                           hint="Select fewer columns, filter earlier, or raise "
                           "CYMBAL_MAX_BYTES_BILLED.")
        config = self._job_config(maximum_bytes_billed=self.max_bytes_billed,
                                  job_timeout_ms=int(self.timeout_s * 1000))
        job: bigquery.QueryJob | None = None
        try:
            job = self.client().query(sql, job_config=config, retry=self._retry,
                                      timeout=self.timeout_s, job_retry=None)
            rows = job.result(max_results=max_rows + 1, timeout=self.timeout_s,
                              retry=self._retry)
            fetched = [list(row.values()) for row in rows]
        except Exception as err:  # noqa: BLE001 - every client failure becomes a SqlError
            if job is not None and isinstance(err, concurrent.futures.TimeoutError):
                _cancel_quietly(job)
            raise self._sql_error(err) from None
        return QueryResult(
            columns=[f.name for f in rows.schema],
            rows=[[json_safe(v) for v in row] for row in fetched[:max_rows]],
            truncated=len(fetched) > max_rows, sql=tree.sql("bigquery"), executed_sql=sql,
            backend=self.name, elapsed_ms=0.0,
            bytes_processed=job.total_bytes_processed if job.total_bytes_processed is not None
            else estimate,
            column_types=[standard_type(f) for f in rows.schema])

    # -- helpers --------------------------------------------------------------------------
    def _make_client(self) -> bigquery.Client:
        if self.api_endpoint:
            return bigquery.Client(project=self.project or "local",
                                   credentials=AnonymousCredentials(),
                                   client_options=ClientOptions(api_endpoint=self.api_endpoint),
                                   location=self.location)
        try:
            client = bigquery.Client(project=self.project, location=self.location)
        except auth_exceptions.DefaultCredentialsError as err:
            raise SqlError("auth_error", f"No Google Cloud credentials were found for BigQuery "
                           f"({_first_line(err)}).", hint=AUTH_HINT) from None
        except OSError:
            raise SqlError("warehouse_missing", "No BigQuery project is configured.",
                           hint="Set CYMBAL_BQ_PROJECT to your Google Cloud project id.") from None
        if self.project is None:
            self.project = client.project
        return client

    def _dataset_id(self) -> str:
        return f"{self.client().project}.{self.dataset}"

    def _job_config(self, **options: Any) -> bigquery.QueryJobConfig:
        return bigquery.QueryJobConfig(use_legacy_sql=False, labels=dict(self.labels),
                                       default_dataset=self._dataset_id(), **options)

    def _sql_error(self, err: Exception) -> SqlError:
        """Translate a client, transport or API failure into an actionable ``SqlError``."""
        if isinstance(err, SqlError):
            return err
        if isinstance(err, api_exceptions.RetryError) and err.cause is not None:
            err = err.cause
        where = self.api_endpoint or "BigQuery"
        if isinstance(err, (concurrent.futures.TimeoutError, requests.exceptions.Timeout)):
            return SqlError("timeout", f"The query did not finish within {self.timeout_s:g}s.",
                            hint=TIMEOUT_HINT)
        if isinstance(err, (requests.exceptions.ConnectionError,
                            api_exceptions.ServiceUnavailable)):
            return SqlError("warehouse_unavailable", f"Cannot reach {where}: "
                            f"{_connection_reason(err)}.", hint="Check the network (or that "
                            "the emulator at CYMBAL_BQ_API_ENDPOINT is running) and retry.")
        if isinstance(err, auth_exceptions.GoogleAuthError):
            return SqlError("auth_error", f"The Google Cloud credentials could not be used: "
                            f"{_first_line(err)}", hint=AUTH_HINT)
        if not isinstance(err, api_exceptions.GoogleAPICallError):
            return SqlError("execution_error", f"BigQuery failed: {_first_line(err)}")
        message = _api_message(err)
        reasons = {e.get("reason") for e in (err.errors or []) if isinstance(e, dict)}
        if reasons & _BYTES_REASONS:
            return SqlError("bytes_limit", f"BigQuery stopped the query at the byte limit of "
                            f"{format_bytes(self.max_bytes_billed)}: {message}",
                            hint="Select fewer columns or filter earlier.")
        if "job timed out" in message.lower():  # the server-side job_timeout_ms fired
            return SqlError("timeout", f"BigQuery stopped the query after {self.timeout_s:g}s.",
                            hint=TIMEOUT_HINT)
        if isinstance(err, (api_exceptions.Unauthorized, api_exceptions.Forbidden)):
            return SqlError("auth_error", f"BigQuery refused access to {self._dataset_label()}: "
                            f"{message}", hint=AUTH_HINT)
        if isinstance(err, api_exceptions.NotFound):
            self.refresh()
            if "dataset" in message.lower():
                return SqlError("warehouse_missing", f"The dataset {self._dataset_label()} "
                                f"does not exist: {message}", hint="Check CYMBAL_BQ_PROJECT "
                                "and CYMBAL_DATASET, or load the data into BigQuery.")
            return SqlError("unknown_table", f"BigQuery could not find a table: {message}",
                            hint="The table list was refreshed; check the table names.")
        return SqlError("execution_error", f"BigQuery rejected the query: {message}")

    def _dataset_label(self) -> str:
        return f"{self.project or '(default project)'}.{self.dataset}"


def _api_message(err: api_exceptions.GoogleAPICallError) -> str:
    """The service's own error text, without the request URL and job id."""
    for entry in err.errors or []:
        if isinstance(entry, dict) and entry.get("message"):
            return _first_line(entry["message"], limit=500)
    return _first_line(err.message or str(err), limit=500)


def _first_line(err: Exception | str, limit: int = 300) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return " ".join(lines[:3])[:limit] if lines else type(err).__name__


def _connection_reason(err: Exception) -> str:
    """The operating system's reason from a connection failure ("Connection refused")."""
    match = _ERRNO_RE.search(str(err))
    return match.group(1).strip() if match else "the connection failed"


def _cancel_quietly(job: bigquery.QueryJob) -> None:
    """Ask BigQuery to stop a job that ran out of time; the query has failed either way."""
    with contextlib.suppress(Exception):  # best effort: the timeout is what gets reported
        job.cancel(timeout=5)
