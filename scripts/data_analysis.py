"""Summary statistics of a table with pandas: a custom_script example.

args:
  data          list of records (objects), one per row (required)
  columns       the columns to analyse (default: all)
  group_by      a column name or a list of them: adds per-group aggregates
  aggregations  {column: [function, ...]} for the groups (default: mean, sum, count, min and max of
                every numeric column that is not grouped on)
result:
  rows, columns, dtypes {column: dtype}, describe {column: {count, mean, std, min, 25%, 50%, 75%, max}}
  for numeric columns and {count, unique, top, freq} for the others, missing {column: n},
  correlation {column: {column: Pearson r}} over the numeric columns, and with group_by:
  groups [{"key": {column: value}, "size": n, "values": {column: {function: value}}}]
NaN and infinities come out as null.
"""
import json

import pandas as pd

import uvw

AGGREGATIONS = {"mean", "sum", "count", "min", "max", "median", "std", "var", "nunique", "first", "last"}
DEFAULT_AGGREGATIONS = ["mean", "sum", "count", "min", "max"]


def names(value, field):
    """A column name or list of them, as a list."""
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        uvw.fail(f"args.{field} must be a column name or a list of column names", 2)
    return value


def check_columns(wanted, df, field):
    unknown = [c for c in wanted if c not in df.columns]
    if unknown:
        uvw.fail(f"args.{field}: no column named {', '.join(map(repr, unknown))} in args.data", 2)


args = uvw.args if isinstance(uvw.args, dict) else uvw.fail("args must be a JSON object", 2)
data = args.get("data")
if not isinstance(data, list) or not data or not all(isinstance(row, dict) for row in data):
    uvw.fail("args.data must be a non-empty list of records (JSON objects)", 2)

df = pd.DataFrame.from_records(data)
# Nested values (lists, objects) cannot be counted or grouped; compare them by their JSON text.
for column in df.columns[df.dtypes == object]:
    if df[column].map(lambda v: isinstance(v, (list, dict))).any():
        df[column] = df[column].map(lambda v: json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v)

group_by = names(args["group_by"], "group_by") if args.get("group_by") is not None else []
check_columns(group_by, df, "group_by")
if args.get("columns") is not None:
    columns = names(args["columns"], "columns")
    check_columns(columns, df, "columns")
    # The grouping columns stay even when not asked for: the groups need them.
    df = df[columns + [c for c in group_by if c not in columns]]
uvw.progress(0.2, f"loaded {len(df)} rows")

numeric = df.select_dtypes(include="number")
others = df.drop(columns=numeric.columns)
describe = {}
if not numeric.empty:
    describe.update(numeric.describe().to_dict())
if not others.empty:
    describe.update(others.describe().to_dict())
result = {
    "rows": len(df),
    "columns": list(df.columns),
    "dtypes": {c: str(t) for c, t in df.dtypes.items()},
    "describe": {c: describe[c] for c in df.columns},  # in the table's column order
    "missing": df.isna().sum().to_dict(),
    "correlation": numeric.corr(method="pearson").to_dict(),
}
uvw.progress(0.6, "described")

if group_by:
    aggregations = args.get("aggregations")
    if aggregations is None:
        aggregations = {c: DEFAULT_AGGREGATIONS for c in numeric.columns if c not in group_by}
    if not isinstance(aggregations, dict):
        uvw.fail('args.aggregations must be an object like {"price": ["mean", "sum"]}', 2)
    aggregations = {c: [f] if isinstance(f, str) else f for c, f in aggregations.items()}
    check_columns(list(aggregations), df, "aggregations")
    for column, functions in aggregations.items():
        if not isinstance(functions, list) or not functions or not set(functions) <= AGGREGATIONS:
            uvw.fail(f"args.aggregations.{column} must be a list among {', '.join(sorted(AGGREGATIONS))}", 2)
    # dropna=False: rows whose key is missing form a group of their own rather than vanish.
    grouped = df.groupby(group_by, dropna=False, sort=True)
    try:
        sizes = grouped.size()
    except TypeError as error:  # keys of mixed types cannot be sorted
        uvw.fail(f"args.group_by: {error}", 2)
    try:
        table = grouped.agg(aggregations) if aggregations else None
    except (TypeError, ValueError) as error:  # e.g. the mean of a text column
        uvw.fail(f"args.aggregations: {error}", 2)
    groups = []
    for i, (key, size) in enumerate(sizes.items()):
        values = {}
        if table is not None:  # the same groups in the same order as sizes
            # Column by column, not a row at once: a row would turn every integer count into a float.
            for column, function in table.columns:
                values.setdefault(column, {})[function] = table[(column, function)].iloc[i]
        key = key if isinstance(key, tuple) else (key,)
        groups.append({"key": dict(zip(group_by, key)), "size": size, "values": values})
    result["groups"] = groups
    uvw.progress(0.9, f"{len(groups)} groups")

uvw.result(result)
uvw.progress(1.0, "done")
