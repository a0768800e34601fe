"""BigQuery SQL rendered for DuckDB without silent changes of meaning.

``to_duckdb_sql`` types the checked tree against the catalog, refuses functions whose DuckDB
behaviour has not been verified, rewrites the constructs sqlglot would transpile to silently
different answers, renders at ``unsupported_level=RAISE`` and re-checks the rendered text
(``verify_rendered``). Every rewrite answers a transpilation that sqlglot emits without
complaint but that DuckDB would evaluate differently from BigQuery; each is pinned by
tests/test_lab_sql.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import SqlglotError, UnsupportedError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.tokens import TokenType

from tools.warehouse.catalog import Catalog
from tools.warehouse.errors import SqlError
from tools.warehouse.table_scope import cte_references, is_system_name

# -- what DuckDB may run ------------------------------------------------------------------
# sqlglot function classes whose DuckDB rendering, with the rewrites below, gives BigQuery's
# answers (each is exercised in tests/test_lab_sql.py). Anything else is refused as
# unsupported on the local warehouse rather than run with unverified semantics.
VERIFIED_FUNCTIONS: frozenset[type[exp.Func]] = frozenset({
    # aggregates and window functions
    exp.AnyValue, exp.ArgMax, exp.ArgMin, exp.ArrayAgg, exp.Avg, exp.Corr, exp.Count,
    exp.CountIf, exp.CovarPop, exp.CovarSamp, exp.GroupConcat, exp.LogicalAnd,
    exp.LogicalOr, exp.Max, exp.Min, exp.Stddev, exp.StddevPop, exp.StddevSamp, exp.Sum,
    exp.Variance, exp.VariancePop, exp.CumeDist, exp.DenseRank, exp.FirstValue, exp.Lag,
    exp.LastValue, exp.Lead, exp.NthValue, exp.Ntile, exp.PercentRank, exp.PercentileCont,
    exp.PercentileDisc, exp.Rank, exp.RowNumber, exp.ApproxDistinct, exp.ApproxQuantiles,
    exp.ApproxTopK,
    # logic, conditionals and conversion
    exp.And, exp.Or, exp.Case, exp.Cast, exp.Coalesce, exp.If, exp.Nullif, exp.TryCast,
    # dates and times
    exp.CurrentDate, exp.CurrentDatetime, exp.CurrentTimestamp, exp.Date, exp.DateAdd,
    exp.DateDiff, exp.DateFromParts, exp.DateSub, exp.DateTrunc, exp.DatetimeAdd,
    exp.DatetimeDiff, exp.DatetimeSub, exp.DatetimeTrunc, exp.Extract, exp.LastDay,
    exp.ParseDatetime, exp.StrToDate, exp.StrToTime, exp.TimeToStr, exp.Timestamp,
    exp.TimestampAdd, exp.TimestampDiff, exp.TimestampSub, exp.TimestampTrunc,
    exp.TsOrDsToDate, exp.TsOrDsToDatetime, exp.TsOrDsToTimestamp, exp.UnixSeconds,
    exp.GenerateDateArray, exp.WeekStart,
    # numbers
    exp.Abs, exp.Ceil, exp.Exp, exp.Floor, exp.Greatest, exp.Least, exp.Ln, exp.Log,
    exp.Pow, exp.Round, exp.SafeDivide, exp.Sign, exp.Sqrt, exp.Trunc, exp.RangeBucket,
    # strings, regular expressions, JSON
    exp.Concat, exp.Contains, exp.EndsWith, exp.Format, exp.Initcap, exp.Left, exp.Length,
    exp.Levenshtein, exp.Lower, exp.Pad, exp.RegexpExtract, exp.RegexpExtractAll,
    exp.RegexpLike, exp.RegexpReplace, exp.Repeat, exp.Replace, exp.Reverse, exp.Right,
    exp.Split, exp.StartsWith, exp.StrPosition, exp.Substring, exp.Trim, exp.Upper,
    exp.JSONExtract, exp.JSONExtractScalar, exp.JSONFormat, exp.ByteLength, exp.JSONValueArray,
    # arrays and structs
    exp.Array, exp.ArraySize, exp.ArrayToString, exp.GenerateSeries, exp.Struct, exp.Unnest,
    exp.Exists,
})

# DuckDB functions that read files, settings, the environment or the catalog, or change
# session state. The rendered SQL is refused if it calls one, whatever produced the call.
_DENIED_DUCKDB_CALLS = re.compile(
    r"^(read_\w*|parquet_\w*|sniff_csv|glob|getenv|current_setting|query|query_table|"
    r"duckdb_\w*|pragma_\w*|json_execute_serialized_sql|python_\w*|pandas_scan|arrow_\w*|"
    r"seq_scan|test_\w*|which_secret|checkpoint|force_checkpoint|enable_\w*|disable_\w*|"
    r"nextval|currval|setseed|sleep_ms|iceberg_\w*|delta_scan|sqlite_\w*|postgres_\w*|"
    r"mysql_\w*|st_read\w*|http\w*|\w*external_resource\w*|truncate_duckdb_logs|summary|"
    r"icu_calendar_names|pg_timezone_names|repeat_row|load_extension|install_extension)$",
    re.IGNORECASE)
_NON_READ_NODES: tuple[type[exp.Expr], ...] = (
    exp.DML, exp.DDL, exp.Command, exp.Into, exp.Export, exp.Set, exp.Use, exp.Copy,
    exp.Pragma, exp.Transaction, exp.LoadData, exp.Attach, exp.Detach, exp.Install,
)


_TEXT = frozenset({exp.DType.VARCHAR, exp.DType.TEXT, exp.DType.CHAR, exp.DType.NVARCHAR,
                   exp.DType.NCHAR})
_FLOAT = frozenset({exp.DType.DOUBLE, exp.DType.FLOAT})
_BIGQUERY_TYPES = (  # each set is one BigQuery type (INT64, STRING, FLOAT64, …)
    frozenset(exp.DataType.INTEGER_TYPES), _TEXT, _FLOAT, *(frozenset({kind}) for kind in (
        exp.DType.DATE, exp.DType.DATETIME, exp.DType.TIMESTAMPTZ, exp.DType.DECIMAL,
        exp.DType.BIGDECIMAL)))
_DATETIMES = frozenset({exp.DType.DATETIME, exp.DType.TIMESTAMP, exp.DType.TIMESTAMPTZ,
                        exp.DType.TIMESTAMPLTZ})
# An INT64 literal as BigQuery reads one: decimal digits or 0x-hex, optional sign/blanks.
_INT64_TEXT = r"\s*[+-]?([0-9]+|0[xX][0-9a-fA-F]+)\s*"
_PRINTF_SPEC = re.compile(r"%(%|[-+ #0]*[0-9]*(\.[0-9]+)?[dioxXfFeEgGs])")
_PERCENT_RUN = re.compile(r"%[^A-Za-z%]*[A-Za-z%]?")
_TIME_ELEMENT = re.compile(r"%(E[0-9*]?[A-Za-z]|-?[A-Za-z]|%)?")
# strftime/strptime elements (in sqlglot's normalised spelling) DuckDB reads as BigQuery does.
_SAME_ELEMENTS = frozenset("%" + c for c in "YmdHMSjUWuwyGVbBaAhpIXf%")
_FORMAT_ALIASES = {"%E4Y": "%Y", "%R": "%H:%M", "%n": "\n", "%t": "\t"}
_EXTRACT_SAME = frozenset({"YEAR", "QUARTER", "MONTH", "DAY", "DAYOFYEAR", "HOUR", "MINUTE",
                           "SECOND", "ISOYEAR"})


def _unsupported(what: str, hint: str = "Rewrite the query without it.") -> SqlError:
    return SqlError("unsupported", f"{what} is not supported on the local DuckDB warehouse.",
                    hint=hint)


def _type(node: exp.Expr) -> exp.DType | None:
    kind = node.type
    return None if kind is None or kind.this == exp.DType.UNKNOWN else kind.this


def _wrap(node: exp.Expr, build: Callable[[exp.Expr], exp.Expr]) -> None:
    """Replace ``node`` in its parent by ``build(node)``, keeping the node itself."""
    hole = exp.Null()
    node.replace(hole)
    hole.replace(build(node))


def _name_projections(tree: exp.Query) -> exp.Query:
    """Alias unnamed select expressions ``f0_``, ``f1_``, … the way BigQuery names them."""
    for select in tree.find_all(exp.Select):
        counter = 0
        for projection in list(select.expressions):
            if isinstance(projection, (exp.Alias, exp.Column, exp.Star, exp.Dot)):
                continue
            _wrap(projection, _aliaser(f"f{counter}_"))
            counter += 1
    return tree


def _aliaser(name: str) -> Callable[[exp.Expr], exp.Expr]:
    return lambda node: exp.alias_(node, name)


def _annotate(tree: exp.Query, catalog: Catalog) -> None:
    """Give the nodes of ``tree`` their types, inferred on a qualified twin of the tree.

    The twin is qualified (which rewrites it); ``tree`` itself keeps its shape, so what
    runs is the checked query, not the optimiser's rewrite of it.
    """
    nodes = list(tree.walk())
    twin = tree.copy()
    twin_nodes = list(twin.walk())
    schema: dict[str, object] = dict(catalog.sqlglot_schema())
    try:
        qualified = qualify(twin, schema=schema, dialect="bigquery", quote_identifiers=False,
                            identify=False, validate_qualify_columns=False)
        annotate_types(qualified, schema=schema, dialect="bigquery")
    except (SqlglotError, KeyError, ValueError, TypeError, AttributeError, IndexError):
        return  # left untyped: type-dependent constructs are then refused
    for node, typed in zip(nodes, twin_nodes, strict=True):
        if _type(typed) is not None:
            node.type = typed.type


def _check_supported(tree: exp.Query) -> None:
    """Refuse what the local warehouse cannot evaluate as BigQuery would."""
    for node in tree.walk():
        if isinstance(node, exp.Func) and type(node) not in VERIFIED_FUNCTIONS:
            name = node.name if isinstance(node, exp.Anonymous) else (
                node.meta.get("bigquery_name") or node.sql_name())
            raise SqlError("unsupported", f"{name.upper()}() is not supported on the local "
                           "DuckDB warehouse.", identifier=name.upper(),
                           hint="Rewrite the query without it, or run it on BigQuery.")
        if isinstance(node, exp.GroupConcat) and node.find(exp.Limit):
            raise _unsupported("LIMIT inside STRING_AGG",
                               "Rank with ROW_NUMBER() and filter, or take [SAFE_OFFSET(n)].")
        if isinstance(node, exp.Cast) and node.args.get("format"):
            raise _unsupported("CAST … FORMAT", "Use FORMAT_DATE / PARSE_DATE instead.")
        if isinstance(node, exp.AtTimeZone) and _type(node.this) != exp.DType.TIMESTAMPTZ:
            raise _unsupported("AT TIME ZONE on a value that is not a TIMESTAMP")
        if isinstance(node, exp.TimestampTrunc) and node.args.get("zone"):
            raise _unsupported("TIMESTAMP_TRUNC with a time zone")
        if (isinstance(node, exp.Date) and node.args.get("zone")
                and _type(node.this) != exp.DType.TIMESTAMPTZ):
            raise _unsupported("DATE(value, time_zone) of a value that is not a TIMESTAMP")


def _rewrite_semantics(tree: exp.Query) -> exp.Query:
    """Rewrite, in place, constructs DuckDB would otherwise answer differently."""
    for node in reversed(list(tree.walk())):  # deepest first: parents wrap fixed children
        fix = _FIXES.get(type(node))
        if fix is not None:
            fix(node)
    return tree


def _fix_date_trunc(node: exp.Expr) -> None:
    """DuckDB truncates a DATE to a TIMESTAMP; BigQuery keeps it a DATE."""
    kind = _type(node.this)
    if kind == exp.DType.DATE:
        _wrap(node, lambda n: exp.Cast(this=n, to=exp.DataType.build("DATE")))
    elif kind is None:
        raise _unsupported("DATE_TRUNC of a value of unknown type",
                           "CAST the first argument to DATE or DATETIME.")


def _fix_date_add(node: exp.Expr) -> None:
    """DuckDB's DATE + INTERVAL is a TIMESTAMP; BigQuery's DATE_ADD/DATE_SUB give a DATE."""
    if _type(node.this) not in _DATETIMES:
        _wrap(node, lambda n: exp.Cast(this=n, to=exp.DataType.build("DATE")))


def _fix_extract(node: exp.Expr) -> None:
    """Map BigQuery date parts onto DuckDB's numbering (Sunday=1, Sunday-based weeks, …)."""
    part, value = node.this, node.expression
    if isinstance(part, exp.WeekStart):
        week = {"SUNDAY": "%U", "MONDAY": "%W"}.get(part.name.upper())
        if week is None:
            raise _unsupported(f"EXTRACT(WEEK({part.name.upper()}))",
                               "Use WEEK (Sunday), WEEK(MONDAY) or ISOWEEK.")
        _replace_week(node, value, week)
        return
    name = part.name.upper()
    if name in _EXTRACT_SAME:
        return
    if name == "DAYOFWEEK":  # DuckDB counts Sunday as 0
        _wrap(node, lambda n: exp.Paren(this=exp.Add(this=n, expression=exp.Literal.number(1))))
    elif name == "WEEK":  # BigQuery: Sunday-based, days before the first Sunday are week 0
        _replace_week(node, value, "%U")
    elif name == "ISOWEEK":
        node.set("this", exp.var("WEEK"))
    elif name in ("MILLISECOND", "MICROSECOND"):  # DuckDB includes the whole seconds
        modulus = 1000 if name == "MILLISECOND" else 1_000_000
        _wrap(node, lambda n: exp.Paren(
            this=exp.Mod(this=n, expression=exp.Literal.number(modulus))))
    elif name in ("DATE", "TIME", "DATETIME"):
        target = "TIMESTAMP" if name == "DATETIME" else name
        node.replace(exp.Cast(this=value, to=exp.DataType.build(target)))
    else:
        raise _unsupported(f"EXTRACT({name})")


def _replace_week(node: exp.Expr, value: exp.Expr, pattern: str) -> None:
    node.replace(exp.Cast(this=exp.Anonymous(this="STRFTIME", expressions=[
        value, exp.Literal.string(pattern)]), to=exp.DataType.build("BIGINT")))


def _fix_substring(node: exp.Expr) -> None:
    """BigQuery reads position 0, or one left of the string, as 1; DuckDB does not."""
    _fix_negative_count(node)
    start = node.args.get("start")
    literal = isinstance(start, exp.Literal) and start.is_int
    if start is None or (literal and int(start.name) >= 1):
        return
    if literal:
        node.set("start", exp.Literal.number(1))
        return
    length = exp.Anonymous(this="LENGTH", expressions=[node.this.copy()])
    off_left = exp.or_(exp.EQ(this=start.copy(), expression=exp.Literal.number(0)),
                       exp.LT(this=start.copy(), expression=exp.Neg(this=length)))
    node.set("start", exp.Case(ifs=[exp.If(this=off_left, true=exp.Literal.number(1))],
                               default=start))


_COUNT_ARGS: dict[type[exp.Expr], str] = {
    exp.Substring: "length", exp.Left: "expression", exp.Right: "expression",
    exp.Pad: "expression", exp.Repeat: "times",
}


def _fix_negative_count(node: exp.Expr) -> None:
    """BigQuery refuses a negative length or count; DuckDB would slice from the end."""
    arg = _COUNT_ARGS[type(node)]
    count = node.args.get(arg)
    if count is None or (isinstance(count, exp.Literal) and count.is_int):
        return
    name = node.meta.get("bigquery_name") or node.key
    if isinstance(count, exp.Neg) and isinstance(count.this, exp.Literal):
        raise SqlError("execution_error", f"The length argument of {name.upper()}() cannot be "
                       "negative.")
    negative = exp.LT(this=count.copy(), expression=exp.Literal.number(0))
    refuse = exp.Anonymous(this="ERROR", expressions=[exp.Literal.string(
        f"The length argument of {name.upper()}() cannot be negative")])
    node.set(arg, exp.Case(ifs=[exp.If(this=negative, true=refuse)], default=count))


def _fix_bracket(node: exp.Expr) -> None:
    """A negative OFFSET would index from the end on DuckDB; BigQuery refuses it."""
    if len(node.expressions) != 1:
        return
    index = node.expressions[0]
    if index.is_string:
        return
    base = node.args.get("offset") or 0
    safe = bool(node.args.get("safe"))
    literal = index.this if isinstance(index, exp.Neg) else index
    if literal.is_int:
        value = -int(literal.name) if isinstance(index, exp.Neg) else int(literal.name)
        if value >= base:
            return
        if not safe:
            raise SqlError("execution_error", f"Array index {value} is out of bounds.")
        node.replace(exp.Null())
        return
    in_range = exp.GTE(this=index.copy(), expression=exp.Literal.number(base))
    _wrap(node, lambda n: exp.Case(ifs=[exp.If(this=in_range, true=n)]))


def _fix_timestamp_diff(node: exp.Expr) -> None:
    """TIMESTAMP_DIFF counts whole units (DuckDB date_sub), not boundaries (date_diff)."""
    unit = node.args.get("unit")
    part = unit.name.upper() if unit is not None else "DAY"
    node.replace(exp.Anonymous(this="DATE_SUB", expressions=[
        exp.Literal.string(part), node.expression, node.this]))


def _fix_format(node: exp.Expr) -> None:
    """BigQuery FORMAT is printf-style; DuckDB's FORMAT is not, its PRINTF is."""
    pattern = node.this
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        raise _unsupported("FORMAT with a computed format string")
    for run in _PERCENT_RUN.findall(pattern.this):
        if not _PRINTF_SPEC.fullmatch(run):
            raise _unsupported(f"FORMAT specifier '{run}'",
                               "Use %d, %s, %f, %e, %g, %x, %o with width/precision.")
    node.replace(exp.Anonymous(this="PRINTF", expressions=[pattern, *node.expressions]))


def _fix_time_to_str(node: exp.Expr) -> None:
    """Check FORMAT_DATE/DATETIME/TIMESTAMP elements; build the ones strftime lacks."""
    zone = node.args.get("zone")
    if zone is not None:  # FORMAT_TIMESTAMP(fmt, ts, zone) formats the wall clock in zone
        instant = node.this.this if isinstance(node.this, exp.TsOrDsToTimestamp) else node.this
        node.set("this", exp.AtTimeZone(this=exp.Cast(
            this=instant, to=exp.DataType.build("TIMESTAMPTZ")), zone=zone))
        node.set("zone", None)
    value = node.this
    day = exp.Anonymous(this="LPAD", expressions=[  # BigQuery %e: space-padded day
        exp.Cast(this=exp.Extract(this=exp.var("DAY"), expression=value.copy()),
                 to=exp.DataType.build("VARCHAR")),
        exp.Literal.number(2), exp.Literal.string(" ")])
    specials = {
        "%Q": lambda: exp.Cast(this=exp.Extract(this=exp.var("QUARTER"), expression=value.copy()),
                               to=exp.DataType.build("VARCHAR")),
        "%-d": day.copy, "%e": day.copy,
    }
    pieces: list[str | exp.Expr] = []
    for text, element in _format_elements(node, "FORMAT_DATE"):
        pieces.append(text)
        if element in specials:
            pieces.append(specials[element]())
        elif element:
            pieces.append(_FORMAT_ALIASES.get(element, element))
    if all(isinstance(p, str) for p in pieces):
        node.set("format", exp.Literal.string("".join(p for p in pieces if isinstance(p, str))))
        return
    parts: list[exp.Expr] = []
    text = ""
    for piece in [*pieces, None]:
        if isinstance(piece, str):
            text += piece
            continue
        if text:
            parts.append(exp.TimeToStr(this=value.copy(), format=exp.Literal.string(text)))
            text = ""
        if piece is not None:
            parts.append(piece)
    joined = parts[0]
    for part in parts[1:]:
        joined = exp.DPipe(this=joined, expression=part, safe=True)
    node.replace(exp.Paren(this=joined))


def _fix_time_parse(node: exp.Expr) -> None:
    """Check PARSE_DATE/DATETIME/TIMESTAMP elements against what strptime reads alike."""
    for _text, element in _format_elements(node, "PARSE_DATE"):
        if element in ("%Q", "%e") or element in _FORMAT_ALIASES:
            raise _unsupported(f"Parsing the format element {element}")
    if not isinstance(node, exp.StrToTime):
        return
    zone = node.args.get("zone")  # PARSE_TIMESTAMP reads wall-clock time in zone (UTC)
    node.set("zone", None)
    if zone is None:
        _wrap(node, lambda n: exp.Cast(this=n, to=exp.DataType.build("TIMESTAMPTZ")))
    else:
        _wrap(node, lambda n: exp.AtTimeZone(this=n, zone=zone))


def _format_elements(node: exp.Expr, function: str) -> list[tuple[str, str]]:
    """Split a literal time format into (literal text, element) pairs, refusing unknowns."""
    pattern = node.args.get("format")
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        raise _unsupported(f"{function} with a computed format string")
    out: list[tuple[str, str]] = []
    position = 0
    for match in _TIME_ELEMENT.finditer(pattern.this):
        element = match.group()
        known = element in _SAME_ELEMENTS or element in _FORMAT_ALIASES
        if not known and element not in ("%Q", "%-d", "%e"):
            raise _unsupported(f"The format element '{element}' in {function}",
                               "Use %Y %m %d %H %M %S %j %U %W %u %w %y %G %V %b %B %a %A "
                               "%p %I %Q %e %F %T %D.")
        out.append((pattern.this[position:match.start()], element))
        position = match.end()
    out.append((pattern.this[position:], ""))
    return out


def _fix_current_datetime(node: exp.Expr) -> None:
    """CURRENT_DATETIME([zone]): the wall-clock time in ``zone`` (UTC when omitted)."""
    now: exp.Expr = exp.CurrentTimestamp()
    if node.this is not None:
        now = exp.AtTimeZone(this=now, zone=node.this)
    node.replace(exp.Cast(this=now, to=exp.DataType.build("TIMESTAMP")))


def _fix_cast(node: exp.Expr) -> None:
    """Casts to INT64: strict digits from strings, half-away-from-zero from floats."""
    if not node.args["to"].is_type(*exp.DataType.INTEGER_TYPES):
        return
    source = _type(node.this)
    if source in _FLOAT:  # DuckDB rounds 2.5 to 2; BigQuery to 3
        node.set("this", exp.Round(this=node.this))
    elif source in _TEXT:  # DuckDB would read '1.5' as 2 and '1_000' as 1000
        value = node.this
        valid = exp.Anonymous(this="REGEXP_FULL_MATCH", expressions=[
            value.copy(), exp.Literal.string(_INT64_TEXT)])
        if isinstance(node, exp.TryCast):
            _wrap(node, lambda n: exp.Case(ifs=[exp.If(this=valid, true=n)]))
            return
        bad = exp.Anonymous(this="ERROR", expressions=[exp.DPipe(
            this=exp.Literal.string("Bad int64 value: "), expression=value.copy())])
        node.set("this", exp.Case(ifs=[exp.If(this=exp.or_(
            exp.Is(this=value.copy(), expression=exp.Null()), valid), true=value)], default=bad))


def _fix_like(node: exp.Expr) -> None:
    """BigQuery LIKE treats backslash as the escape character; DuckDB needs ESCAPE."""
    pattern = node.expression
    if isinstance(node.parent, exp.Escape) or isinstance(pattern, (exp.Any, exp.All, exp.Tuple)):
        return
    if isinstance(pattern, exp.Literal) and "\\" not in pattern.name:
        return
    _wrap(node, lambda n: exp.Escape(this=n, expression=exp.Literal.string("\\")))


def _fix_approx_quantiles(node: exp.Expr) -> None:
    """BigQuery returns n+1 data values; DuckDB's APPROX_QUANTILE interpolates between them."""
    buckets = node.expression
    count = int(buckets.name) if isinstance(buckets, exp.Literal) and buckets.is_int else 0
    if isinstance(node.this, exp.Distinct) or not 0 < count <= 1000:
        raise _unsupported("APPROX_QUANTILES other than APPROX_QUANTILES(x, n), 1 <= n <= 1000")
    points = exp.Array(expressions=[exp.Literal.number(i / count) for i in range(count + 1)])
    node.replace(exp.Anonymous(this="QUANTILE_DISC", expressions=[node.this, points]))


def _fix_approx_distinct(node: exp.Expr) -> None:
    """BigQuery's HLL++ is exact at small cardinalities; DuckDB's HyperLogLog is not (204 for
    200 values): count exactly."""
    node.replace(exp.Count(this=exp.Distinct(expressions=[node.this])))


# APPROX_TOP_COUNT, exactly: the counts of HISTOGRAM (of a struct, so NULL is counted too),
# most frequent first, as ARRAY<STRUCT<value, count INT64>>; NULL over no rows.
_TOP_COUNT = ("LIST_SLICE(LIST_TRANSFORM(LIST_SORT(LIST_TRANSFORM(MAP_ENTRIES(HISTOGRAM("
              "{'v': top_count_value})), LAMBDA e: {'count': CAST(e.value AS BIGINT), "
              "'value': e.key.v}), 'DESC'), LAMBDA e: {'value': e.value, 'count': e.count}), "
              "1, top_count_number)")


def _fix_approx_top_count(node: exp.Expr) -> None:
    """APPROX_TOP_COUNT(x, n): the n most frequent values with their counts (exact)."""
    count = _int_value(node.expression)
    if count is None or count < 1:
        raise _unsupported("APPROX_TOP_COUNT other than APPROX_TOP_COUNT(x, n), n >= 1")
    top = sqlglot.parse_one(_TOP_COUNT, read="duckdb")
    for column in list(top.find_all(exp.Column)):
        if column.name == "top_count_value":
            column.replace(node.this)
        elif column.name == "top_count_number":
            column.replace(exp.Literal.number(count))
    node.replace(top)


def _fix_byte_length(node: exp.Expr) -> None:
    """BYTE_LENGTH: UTF-8 bytes of a STRING (DuckDB strlen) or the size of BYTES."""
    kind = _type(node.this)
    if kind in _TEXT:
        node.replace(exp.Anonymous(this="STRLEN", expressions=[node.this]))
    elif kind in (exp.DType.VARBINARY, exp.DType.BINARY):
        node.replace(exp.Anonymous(this="OCTET_LENGTH", expressions=[node.this]))
    else:
        raise _unsupported("BYTE_LENGTH of a value of unknown type", "CAST it to STRING.")


def _fix_array_agg_limit(node: exp.Expr) -> None:
    """ARRAY_AGG(x ORDER BY y LIMIT n): the first n of the ordered aggregate."""
    limit = node.this
    if not isinstance(limit, exp.Limit):
        return
    count = _int_value(limit.expression)
    if count is None or count < 0:
        raise _unsupported("ARRAY_AGG … LIMIT with a computed count")
    node.set("this", limit.this)
    _wrap(node, lambda agg: exp.Anonymous(this="LIST_SLICE", expressions=[
        agg, exp.Literal.number(1), exp.Literal.number(count)]))


def _fix_range_bucket(node: exp.Expr) -> None:
    """RANGE_BUCKET(point, boundaries): how many boundaries are <= point; NULL for a NULL or
    NaN point; an error, as on BigQuery, if the boundaries hold NULL or NaN or are unsorted."""
    point, bounds = node.this, node.expression
    array = bounds.type
    element = array.expressions[0].this if array is not None and array.expressions else None
    kind = element if isinstance(point, exp.Null) else _type(point)
    if kind is None or not any({kind, element} <= family for family in _BIGQUERY_TYPES):
        raise _unsupported("RANGE_BUCKET with a point and boundaries of different or unknown "
                           "types", "CAST the point and the boundaries to one type.")
    bad: exp.Expr = exp.or_(
        exp.LT(this=exp.Anonymous(this="LIST_COUNT", expressions=[bounds.copy()]),
               expression=exp.ArraySize(this=bounds.copy())),
        exp.NEQ(this=exp.Anonymous(this="LIST_SORT", expressions=[bounds.copy()]),
                expression=bounds.copy()))
    missing: exp.Expr = exp.Is(this=point.copy(), expression=exp.Null())
    if kind in _FLOAT:
        nan = exp.Cast(this=exp.Literal.string("NaN"), to=exp.DataType.build("DOUBLE"))
        bad = exp.or_(bad, exp.Anonymous(this="LIST_CONTAINS", expressions=[bounds.copy(), nan]))
        missing = exp.or_(missing, exp.IsNan(this=point.copy()))
    used = {identifier.name for identifier in point.find_all(exp.Identifier)}
    name = next(f"bound{i}" for i in range(len(used) + 1) if f"bound{i}" not in used)
    below = exp.Lambda(this=exp.LTE(this=exp.to_identifier(name), expression=point.copy()),
                       expressions=[exp.to_identifier(name)])
    refuse = exp.Anonymous(this="ERROR", expressions=[exp.Literal.string(
        "RANGE_BUCKET boundaries must be sorted in ascending order and hold no NULL or NaN")])
    count = exp.ArraySize(this=exp.ArrayFilter(this=bounds, expression=below))
    node.replace(exp.Case(ifs=[exp.If(this=bad, true=refuse),
                               exp.If(this=missing, true=exp.Null())], default=count))


def _fix_json_string_array(node: exp.Expr) -> None:
    """JSON_EXTRACT_STRING_ARRAY(json, path): the array's scalars as unquoted strings; NULL for
    invalid JSON, a path matching nothing or no array, or an array holding an object or array;
    an error, as on BigQuery, for an array holding a JSON null."""
    document, path = node.this, node.expression
    if node.meta.get("bigquery_name") != "JSON_EXTRACT_STRING_ARRAY":  # JSON_VALUE_ARRAY
        raise _unsupported("JSON_VALUE_ARRAY()", "Use JSON_EXTRACT_STRING_ARRAY.")
    if _type(document) not in _TEXT or not isinstance(path, exp.JSONPath):
        raise _unsupported("JSON_EXTRACT_STRING_ARRAY other than of a STRING at a literal path",
                           "CAST the JSON to STRING and write the path as a literal.")
    elements = path.copy()
    elements.append("expressions", exp.JSONPathSubscript(this=exp.JSONPathWildcard()))

    def json_type(at: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="JSON_TYPE", expressions=[document.copy(), at.copy()])

    def types(*names: str) -> exp.Array:
        return exp.Array(expressions=[exp.Literal.string(name) for name in names])

    refuse = exp.Anonymous(this="ERROR", expressions=[exp.Literal.string(
        "JSON_EXTRACT_STRING_ARRAY cannot return an array holding NULL (a JSON null)")])
    node.replace(exp.Case(ifs=[
        exp.If(this=exp.Not(this=exp.Anonymous(this="JSON_VALID", expressions=[document.copy()])),
               true=exp.Null()),
        exp.If(this=exp.NullSafeNEQ(this=json_type(path), expression=exp.Literal.string("ARRAY")),
               true=exp.Null()),
        exp.If(this=exp.Anonymous(this="LIST_HAS_ANY", expressions=[
            json_type(elements), types("OBJECT", "ARRAY")]), true=exp.Null()),
        exp.If(this=exp.Anonymous(this="LIST_HAS_ANY", expressions=[
            json_type(elements), types("NULL")]), true=refuse),
    ], default=exp.Anonymous(this="JSON_EXTRACT_STRING", expressions=[document, elements])))


def _fix_float_literal(node: exp.Expr) -> None:
    """BigQuery reads 2.5 as FLOAT64; DuckDB would read an exact DECIMAL."""
    if node.is_number and not node.is_int and not isinstance(node.parent, exp.TableSample):
        _wrap(node, lambda n: exp.Cast(this=n, to=exp.DataType.build("DOUBLE")))


_FIXES: dict[type[exp.Expr], Callable[[exp.Expr], None]] = {
    exp.DateTrunc: _fix_date_trunc, exp.DateAdd: _fix_date_add, exp.DateSub: _fix_date_add,
    exp.Extract: _fix_extract, exp.Substring: _fix_substring, exp.Bracket: _fix_bracket,
    exp.Left: _fix_negative_count, exp.Right: _fix_negative_count, exp.Pad: _fix_negative_count,
    exp.Repeat: _fix_negative_count,
    exp.TimestampDiff: _fix_timestamp_diff, exp.Format: _fix_format,
    exp.TimeToStr: _fix_time_to_str, exp.StrToDate: _fix_time_parse,
    exp.StrToTime: _fix_time_parse, exp.ParseDatetime: _fix_time_parse,
    exp.CurrentDatetime: _fix_current_datetime, exp.Cast: _fix_cast, exp.TryCast: _fix_cast,
    exp.Like: _fix_like, exp.Literal: _fix_float_literal,
    exp.ApproxQuantiles: _fix_approx_quantiles, exp.ApproxDistinct: _fix_approx_distinct,
    exp.ApproxTopK: _fix_approx_top_count,
    exp.ByteLength: _fix_byte_length, exp.ArrayAgg: _fix_array_agg_limit,
    exp.RangeBucket: _fix_range_bucket, exp.JSONValueArray: _fix_json_string_array,
}


@dataclass(frozen=True)
class GenerationLimits:
    """How much one query may generate: DuckDB's ``generate_series`` and ``repeat`` allocate
    outside its ``memory_limit`` and ignore its interrupt, so their sizes are bounded here."""

    array_length: int = 1_000_000  # GENERATE_ARRAY elements
    string_chars: int = 10_000_000  # REPEAT / LPAD / RPAD result characters


def _int_value(node: exp.Expr | None) -> int | None:
    """The value of an integer literal (or a negated one), else None."""
    if isinstance(node, exp.Neg):
        inner = _int_value(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Paren):
        return _int_value(node.this)
    return int(node.name) if isinstance(node, exp.Literal) and node.is_int else None


def _bound(node: exp.Expr, arg: str, size: exp.Expr, limit: int, what: str) -> None:
    """Refuse ``node`` if ``size`` exceeds ``limit``: now when it is a literal, else at run
    time, by guarding the argument ``arg`` itself (so constant folding also meets the check)."""
    message = f"{what} would be larger than the local warehouse allows ({limit:,})"
    static = _int_value(size) if isinstance(size, (exp.Literal, exp.Neg)) else None
    if static is not None:
        if static > limit:
            raise SqlError("resource_limit", f"{message}.",
                           hint="Generate less, or aggregate the data instead.")
        return
    too_big = exp.GT(this=size, expression=exp.Literal.number(limit))
    refuse = exp.Anonymous(this="ERROR", expressions=[exp.Literal.string(message)])
    node.set(arg, exp.Case(ifs=[exp.If(this=too_big, true=refuse)], default=node.args[arg]))


def _series_size(node: exp.GenerateSeries) -> exp.Expr:
    start, end, step = node.args.get("start"), node.args.get("end"), node.args.get("step")
    values = [_int_value(v) for v in (start, end, step or exp.Literal.number(1))]
    if None not in values:
        first, last, by = values
        return exp.Literal.number(abs(last - first) // max(abs(by), 1) + 1)
    span = exp.Abs(this=exp.Sub(this=end.copy(), expression=start.copy()))
    return span if step is None else exp.Div(this=span, expression=exp.Abs(this=step.copy()))


def _string_size(node: exp.Repeat) -> exp.Expr:
    times = node.args["times"]
    if isinstance(node.this, exp.Literal) and node.this.is_string and _int_value(times):
        return exp.Literal.number(len(node.this.name) * (_int_value(times) or 0))
    return exp.Mul(this=exp.Length(this=node.this.copy()), expression=times.copy())


def bound_generation(tree: exp.Query, limits: GenerationLimits) -> exp.Query:
    """Bound, in place, what GENERATE_ARRAY, REPEAT, LPAD and RPAD may produce."""
    for node in list(tree.find_all(exp.GenerateSeries, exp.Repeat, exp.Pad)):
        if isinstance(node, exp.GenerateSeries):
            _bound(node, "end", _series_size(node), limits.array_length, "GENERATE_ARRAY")
        elif isinstance(node, exp.Repeat):
            _bound(node, "times", _string_size(node), limits.string_chars, "REPEAT")
        else:
            name = "LPAD" if node.args.get("is_left") else "RPAD"
            _bound(node, "expression", node.expression.copy(), limits.string_chars, name)
    return tree


def zero_based_offsets(tree: exp.Query) -> exp.Query:
    """Rewrite ``UNNEST(a) AS x WITH OFFSET AS o`` so ``o`` stays 0-based on DuckDB.

    DuckDB's ``WITH ORDINALITY`` counts from 1; sqlglot maps BigQuery's offset onto it
    unchanged. Each such UNNEST becomes a subquery that subtracts one.
    """
    for index, unnest in enumerate(list(tree.find_all(exp.Unnest))):
        offset = unnest.args.get("offset")
        if not offset:
            continue
        alias = unnest.args.get("alias")
        value_columns = alias.columns if alias is not None else []
        if len(value_columns) != 1 or unnest.args.get("explode_array"):
            raise SqlError("unsupported", "UNNEST … WITH OFFSET needs an alias for the "
                           "element on the local warehouse.",
                           hint="Write UNNEST(arr) AS item WITH OFFSET AS pos.")
        value = value_columns[0].name
        offset_name = offset.name if isinstance(offset, exp.Identifier) else "offset"
        ordinal = f"_ord{index}"
        inner_unnest = exp.Unnest(
            expressions=[e.copy() for e in unnest.expressions],
            alias=exp.TableAlias(columns=[exp.to_identifier(value)]),
            offset=exp.to_identifier(ordinal),
        )
        inner = exp.select(
            exp.column(value),
            exp.alias_(exp.Sub(this=exp.column(ordinal), expression=exp.Literal.number(1)),
                       offset_name),
        ).from_(inner_unnest)
        unnest.replace(exp.Subquery(this=inner, alias=exp.TableAlias(
            this=exp.to_identifier(f"_unnest{index}"))))
    return tree


def to_duckdb_sql(tree: exp.Query, catalog: Catalog | None = None,
                  limits: GenerationLimits | None = None) -> str:
    """Render a checked BigQuery tree as DuckDB SQL, refusing what DuckDB cannot match.

    The tree is typed against ``catalog`` first, which type-dependent rewrites need (a
    ``DATE_TRUNC`` of a DATE stays a DATE, a FLOAT64 cast to INT64 rounds half away from
    zero, …); where a type cannot be inferred such constructs are refused, not guessed.
    """
    try:
        duck = _name_projections(tree.copy())
        _annotate(duck, catalog or Catalog())
        _check_supported(duck)
        bound_generation(duck, limits or GenerationLimits())
        _rewrite_semantics(duck)
        sql = zero_based_offsets(duck).sql(
            dialect="duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE, comments=False)
    except UnsupportedError as err:
        raise SqlError("unsupported", f"Not supported on the local DuckDB warehouse: "
                       f"{str(err).splitlines()[0]}.",
                       hint="Rewrite the query without that construct.") from None
    except RecursionError:
        raise SqlError("too_complex", "The SQL is nested too deeply to translate; flatten "
                       "it with WITH clauses.") from None
    verify_rendered(sql, set(catalog.table_names()) if catalog is not None else None)
    return sql


def verify_rendered(sql: str, tables: set[str] | None = None) -> None:
    """Check rendered DuckDB SQL: one read query, no file/setting/catalog functions.

    No read may name a system catalog or internal table. With ``tables``, every other
    table read must be one of them or a CTE visible where it is read: DuckDB would
    otherwise read an unknown name such as ``"data.csv"`` as a file.
    """
    try:
        tokens = DuckDB().tokenize(sql)
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except (SqlglotError, RecursionError):
        raise SqlError("unsupported", "The query could not be translated to a form the "
                       "local warehouse can check.") from None
    for index, token in enumerate(tokens[:-1]):
        if (tokens[index + 1].token_type == TokenType.L_PAREN
                and _DENIED_DUCKDB_CALLS.match(token.text)):
            raise SqlError("forbidden_function", f"Function {token.text}() may not run.",
                           identifier=token.text)
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise SqlError("not_a_query", "The translated query is not a single SELECT.")
    query = statements[0]
    ctes = cte_references(query)
    for node in query.walk():
        if isinstance(node, _NON_READ_NODES):
            raise SqlError("forbidden_statement", f"The translated query contains "
                           f"{node.key.upper()}.")
        if not isinstance(node, exp.Table):
            continue
        if not isinstance(node.this, exp.Identifier):
            raise SqlError("forbidden_function", "The translated query calls a table "
                           "function.", identifier=node.sql("duckdb"))
        if any(is_system_name(part.name, cte=id(node) in ctes) for part in node.parts) or (
                tables is not None and id(node) not in ctes
                and (node.db or node.catalog or node.name not in tables)):
            raise SqlError("unknown_table", f"The translated query reads '{node.sql('duckdb')}'"
                           ", which is not a table of the warehouse.", identifier=node.name)
