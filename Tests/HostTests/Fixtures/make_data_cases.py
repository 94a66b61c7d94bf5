#!/usr/bin/env python3
"""Writes data-cases.json: parameters for the `data` plugin (task type data_processing) with
expected results computed independently of the Swift code: sums with math.fsum, means and
variances with exact rational arithmetic (fractions; cross-checked against numpy), medians and
quartiles with numpy.percentile (linear, type 7), correlations with scipy.stats.pearsonr and
spearmanr.

Each case is either
    {"name": ..., "params": {...}, "expected": {...}}       the full result object, or
    {"name": ..., "params": {...}, "error_contains": "..."}  a substring of the error message.

Consumers compare `expected` structurally: same keys (a key absent in `expected` must be absent
in the result), equal strings and integers, null for null, and floats within a relative
tolerance of 1e-9 (values expected to be exactly 0 are produced exactly by the plugin).

Run:  python3 make_data_cases.py     (needs numpy and scipy; rewrites data-cases.json here)
"""

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy import stats

OUT = Path(__file__).with_name("data-cases.json")


def exact_sum(values):
    """Correctly rounded sum (fsum), as the compensated sum should give."""
    return math.fsum(values)


def exact_mean(values):
    """Correctly rounded mean, via exact rational arithmetic (cannot overflow)."""
    return float(sum(Fraction(v) for v in values) / len(values))


def exact_variance(values, ddof):
    """Correctly rounded variance via exact rational arithmetic: numpy's float variance of a
    constant sample such as [0.1, 0.1, 0.1] is ~2e-34 (rounding noise around its mean),
    which a relative tolerance cannot compare with the true 0."""
    fs = [Fraction(v) for v in values]
    mean = sum(fs) / len(fs)
    return float(sum((f - mean) ** 2 for f in fs) / (len(fs) - ddof))


def agrees(a, b, scale):
    """numpy cross-check: relative 1e-9, or absolute 1e-15 of the data's magnitude."""
    return abs(a - b) <= max(1e-9 * abs(b), 1e-15 * scale)


def statistics(values):
    a = np.asarray(values, dtype=float)
    n = len(a)
    q1, median, q3 = np.percentile(a, [25, 50, 75])  # method="linear" (type 7), the default
    # Variances: exact, cross-checked against numpy (which must agree but carries float noise).
    scale = float(np.max(np.abs(a))) ** 2
    var_p = exact_variance(values, 0)
    var_s = exact_variance(values, 1) if n >= 2 else None
    assert agrees(float(np.var(a, ddof=0)), var_p, scale), (values, np.var(a), var_p)
    if n >= 2:
        assert agrees(float(np.var(a, ddof=1)), var_s, scale), (values, np.var(a, ddof=1), var_s)
    assert agrees(float(np.mean(a)), exact_mean(values), math.sqrt(scale))
    return {
        "operation": "statistics",
        "count": n,
        "sum": exact_sum(values),
        "mean": exact_mean(values),
        "median": float(np.median(a)),
        "min": float(a.min()),
        "max": float(a.max()),
        "variance_population": var_p,
        "variance_sample": var_s,
        "std_population": math.sqrt(var_p),
        "std_sample": math.sqrt(var_s) if n >= 2 else None,
        "q1": float(q1),
        "q3": float(q3),
        "range": float(a.max() - a.min()),
        "iqr": float(q3 - q1),
    }


def correlation(x, y, method=None):
    out = {"operation": "correlation", "n": len(x)}
    zx = len(set(x)) == 1
    zy = len(set(y)) == 1
    if method in (None, "pearson"):
        out["pearson"] = None if (zx or zy) else float(stats.pearsonr(x, y).statistic)
    if method in (None, "spearman"):
        out["spearman"] = None if (zx or zy) else float(stats.spearmanr(x, y).statistic)
    if zx and zy:
        out["note"] = "zero variance in x and y"
    elif zx:
        out["note"] = "zero variance in x"
    elif zy:
        out["note"] = "zero variance in y"
    return out


def without_operation(result):
    return {k: v for k, v in result.items() if k != "operation"}


def main():
    rng = np.random.default_rng(20240611)
    cases = []

    def ok(name, params, expected):
        cases.append({"name": name, "params": params, "expected": expected})

    def err(name, params, contains):
        cases.append({"name": name, "params": params, "error_contains": contains})

    # ---- sum -------------------------------------------------------------------------------
    for name, values in [
        ("sum_compensated_cancellation", [1e16, 1.0, -1e16]),
        ("sum_ten_tenths", [0.1] * 10),  # naive: 0.9999999999999999
        ("sum_huge_cancellation", [1e100, 1.0, -1e100]),
        ("sum_mixed_magnitudes", [1e20, 3.14159, -1e20, 2.71828, 1e-5, 12345.678]),
        ("sum_integers", [1, 2, 3, 4, 5]),
        ("sum_negative_zero_and_small", [-0.0, 5e-324, 1e-310]),
    ]:
        ok(name, {"operation": "sum", "data": values},
           {"operation": "sum", "count": len(values), "sum": exact_sum(values)})
    ok("sum_empty", {"operation": "sum", "data": []}, {"operation": "sum", "count": 0, "sum": 0.0})
    big = [1.7e308, 1.7e308, -1.7e308]  # a partial sum overflows, the sum does not
    ok("sum_partial_overflow_is_fine", {"operation": "sum", "data": big},
       {"operation": "sum", "count": 3, "sum": float(sum(Fraction(v) for v in big))})
    amounts = [{"amount": 10.5, "id": 1}, {"amount": -2.25, "id": 2}, {"amount": 7, "id": 3}]
    ok("sum_objects_with_field", {"operation": "sum", "data": amounts, "field": "amount"},
       {"operation": "sum", "count": 3, "sum": exact_sum([10.5, -2.25, 7])})
    ok("sum_objects_default_field_value_mixed_with_numbers",
       {"operation": "sum", "data": [{"value": 1.5}, 2, {"value": 3.25, "other": "x"}]},
       {"operation": "sum", "count": 3, "sum": 6.75})

    # ---- average ---------------------------------------------------------------------------
    avg_values = [float(v) for v in rng.normal(100.0, 15.0, 37)]
    ok("average_random", {"operation": "average", "data": avg_values},
       {"operation": "average", "count": len(avg_values), "average": exact_mean(avg_values)})
    ok("average_small", {"operation": "average", "data": [1, 2, 3, 4]},
       {"operation": "average", "count": 4, "average": 2.5})
    ok("average_empty_is_null", {"operation": "average", "data": []},
       {"operation": "average", "count": 0, "average": None})
    huge = [1.7e308, 1.7e308]  # the sum overflows, the mean does not
    ok("average_of_huge_values", {"operation": "average", "data": huge},
       {"operation": "average", "count": 2, "average": exact_mean(huge)})

    # ---- count -----------------------------------------------------------------------------
    ok("count_any_items", {"operation": "count", "data": [1, "two", None, True, {"a": 1}, [5]]},
       {"operation": "count", "count": 6})
    ok("count_empty", {"operation": "count", "data": []}, {"operation": "count", "count": 0})

    # ---- statistics ------------------------------------------------------------------------
    random50 = [round(float(v), 6) for v in rng.normal(50.0, 12.0, 50)]
    ok("statistics_random_50", {"operation": "statistics", "data": random50}, statistics(random50))
    hand = [2, 4, 4, 4, 5, 5, 7, 9]  # population std exactly 2
    ok("statistics_hand_list", {"operation": "statistics", "data": hand}, statistics(hand))
    ok("statistics_quartiles_even", {"operation": "statistics", "data": [1, 2, 3, 4]},
       statistics([1, 2, 3, 4]))
    q = [7, 15, 36, 39, 40, 41]
    ok("statistics_quartiles_unsorted_input", {"operation": "statistics", "data": [40, 7, 41, 15, 39, 36]},
       statistics(q))
    ok("statistics_odd_count", {"operation": "statistics", "data": [3, 1, 4, 1, 5, 9, 2]},
       statistics([3, 1, 4, 1, 5, 9, 2]))
    ok("statistics_single_value", {"operation": "statistics", "data": [42.5]}, statistics([42.5]))
    ok("statistics_constant", {"operation": "statistics", "data": [0.1, 0.1, 0.1]}, statistics([0.1, 0.1, 0.1]))
    offset = [1e9 + float(v) for v in rng.normal(0.0, 1.0, 20)]  # catastrophic for sum-of-squares
    ok("statistics_large_offset", {"operation": "statistics", "data": offset}, statistics(offset))
    objs = [{"score": float(v), "name": f"n{i}"} for i, v in enumerate(rng.uniform(0, 10, 9))]
    ok("statistics_objects_with_field", {"operation": "statistics", "data": objs, "field": "score"},
       statistics([o["score"] for o in objs]))

    # ---- correlation -----------------------------------------------------------------------
    x = [1, 2, 2, 3, 4, 5, 5, 6, 7, 8]
    y = [2.1, 3.9, 3.0, 6.2, 8.1, 9.8, 9.8, 12.5, 13.1, 17.0]
    ok("correlation_ties_both", {"operation": "correlation", "x": x, "y": y}, correlation(x, y))
    ok("correlation_pearson_only", {"operation": "correlation", "x": x, "y": y, "method": "pearson"},
       correlation(x, y, "pearson"))
    ok("correlation_spearman_only", {"operation": "correlation", "x": x, "y": y, "method": "spearman"},
       correlation(x, y, "spearman"))
    rx = [float(v) for v in rng.normal(0, 1, 40)]
    ry = [0.6 * a + float(b) for a, b in zip(rx, rng.normal(0, 0.8, 40))]
    ok("correlation_random", {"operation": "correlation", "x": rx, "y": ry}, correlation(rx, ry))
    ok("correlation_negative", {"operation": "correlation", "x": [1, 2, 3, 4, 5], "y": [10, 8, 9, 4, 1]},
       correlation([1, 2, 3, 4, 5], [10, 8, 9, 4, 1]))
    ok("correlation_two_points", {"operation": "correlation", "x": [1, 2], "y": [5, 3]},
       correlation([1, 2], [5, 3]))
    ok("correlation_zero_variance_x", {"operation": "correlation", "x": [3, 3, 3, 3], "y": [1, 2, 3, 5]},
       correlation([3, 3, 3, 3], [1, 2, 3, 5]))
    ok("correlation_zero_variance_y_pearson",
       {"operation": "correlation", "x": [1, 2, 3], "y": [7, 7, 7], "method": "pearson"},
       correlation([1, 2, 3], [7, 7, 7], "pearson"))
    pts = [{"h": 1.62, "w": 55.0}, {"h": 1.75, "w": 72.5}, {"h": 1.80, "w": 80.1},
           {"h": 1.68, "w": 65.3}, {"h": 1.75, "w": 70.0}, {"h": 1.91, "w": 90.2}]
    ok("correlation_fields_mode", {"operation": "correlation", "data": pts, "fields": ["h", "w"]},
       correlation([p["h"] for p in pts], [p["w"] for p in pts]))

    # ---- group_by --------------------------------------------------------------------------
    cats = ["beta", "alpha", "gamma"]  # order of first appearance, deliberately not sorted
    items = []
    for i in range(24):
        cat = cats[i % 3] if i < 3 else cats[int(rng.integers(0, 3))]
        items.append({"category": cat, "value": round(float(rng.normal(10, 3)), 4), "w": round(float(rng.uniform(0, 5)), 3)})
    by = {c: [it for it in items if it["category"] == c] for c in cats}

    def grouped(op, per_group):
        return {"operation": op, "group_by": "category",
                "groups": [dict(group=c, **without_operation(per_group(by[c]))) for c in cats]}

    ok("group_by_sum", {"operation": "sum", "data": items, "group_by": "category"},
       grouped("sum", lambda g: {"count": len(g), "sum": exact_sum([it["value"] for it in g])}))
    ok("group_by_average", {"operation": "average", "data": items, "group_by": "category"},
       grouped("average", lambda g: {"count": len(g), "average": exact_mean([it["value"] for it in g])}))
    ok("group_by_count", {"operation": "count", "data": items, "group_by": "category"},
       grouped("count", lambda g: {"count": len(g)}))
    ok("group_by_statistics", {"operation": "statistics", "data": items, "group_by": "category"},
       grouped("statistics", lambda g: statistics([it["value"] for it in g])))
    ok("group_by_statistics_other_field", {"operation": "statistics", "data": items, "group_by": "category", "field": "w"},
       grouped("statistics", lambda g: statistics([it["w"] for it in g])))
    ok("group_by_correlation_fields", {"operation": "correlation", "data": items, "group_by": "category", "fields": ["value", "w"]},
       grouped("correlation", lambda g: correlation([it["value"] for it in g], [it["w"] for it in g])))
    ok("group_by_number_and_bool_labels",
       {"operation": "count", "data": [{"k": 2}, {"k": True}, {"k": 2.5}, {"k": 2}, {"k": "x"}], "group_by": "k"},
       {"operation": "count", "group_by": "k", "groups": [
           {"group": "2", "count": 2}, {"group": "true", "count": 1}, {"group": "2.5", "count": 1}, {"group": "x", "count": 1}]})
    ok("group_by_empty_data", {"operation": "statistics", "data": [], "group_by": "category"},
       {"operation": "statistics", "group_by": "category", "groups": []})

    # ---- errors ----------------------------------------------------------------------------
    err("error_string_item", {"operation": "sum", "data": [1, 2, 3, "abc"]},
        'data[3] is not a number (found string "abc")')
    err("error_numeric_string_is_not_a_number", {"operation": "average", "data": [1, "3"]},
        'data[1] is not a number (found string "3")')
    err("error_bool_item", {"operation": "statistics", "data": [True, 1]},
        "data[0] is not a number (found boolean true)")
    err("error_null_item", {"operation": "sum", "data": [1, None]}, "data[1] is not a number (found null)")
    err("error_missing_field", {"operation": "sum", "data": [{"value": 1}, {"value": 2}, {"other": 3}]},
        "data[2].value is missing")
    err("error_field_not_number", {"operation": "sum", "data": [{"amount": "12"}], "field": "amount"},
        'data[0].amount is not a number (found string "12")')
    err("error_statistics_empty", {"operation": "statistics", "data": []}, "data is empty")
    err("error_length_mismatch", {"operation": "correlation", "x": [1, 2, 3], "y": [1, 2, 3, 4]},
        "correlation needs x and y of equal length (got 3 and 4)")
    err("error_one_pair", {"operation": "correlation", "x": [1], "y": [2]},
        "correlation needs at least 2 pairs (got 1)")
    err("error_x_not_number", {"operation": "correlation", "x": [1, "2"], "y": [1, 2]},
        'x[1] is not a number (found string "2")')
    err("error_sum_overflow", {"operation": "sum", "data": [1.7e308, 1.7e308]}, "the sum overflows a double")
    err("error_group_by_missing_key", {"operation": "sum", "data": [{"category": "a", "value": 1}, {"value": 2}], "group_by": "category"},
        "data[1].category is missing")
    err("error_group_by_needs_objects", {"operation": "count", "data": [5], "group_by": "category"},
        "data[0] is not an object")
    err("error_fields_item_missing", {"operation": "correlation", "data": [{"a": 1, "b": 2}, {"a": 2}], "fields": ["a", "b"]},
        "data[1].b is missing")
    err("error_group_with_one_pair", {"operation": "correlation", "data": [{"g": "a", "p": 1, "q": 2}, {"g": "b", "p": 1, "q": 2}, {"g": "b", "p": 2, "q": 3}], "fields": ["p", "q"], "group_by": "g"},
        "correlation needs at least 2 pairs (got 1 in group 'a')")
    err("error_unknown_operation", {"operation": "median", "data": [1]}, "unknown operation 'median'")
    err("error_bad_method", {"operation": "correlation", "x": [1, 2], "y": [1, 2], "method": "kendall"},
        "method must be 'pearson' or 'spearman'")
    err("error_fields_count", {"operation": "correlation", "data": [{"a": 1}], "fields": ["a"]},
        "fields must name exactly 2 fields (got 1)")

    OUT.write_text(json.dumps(cases, indent=1, allow_nan=False) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
