"""Runs the DfE's SSDA903 validator (`csc-validator-be-903`, import `lac_validator`) on the
CSV tables of one return and prints its findings as JSON on stdout.

This file is run by the validator's own Python (`.venv-903/bin/python`, made by `make`),
never imported by the app: the validator pins pandas < 2 and Python <= 3.11, so it cannot
share the app's environment. It uses only the standard library and the validator.

    python validator_runner.py --year 2026 --la E06000064 [--prev FILE ...] FILE ...

Output: {"issues": [{"child", "table", "row", "rule", "message", "fields"}], "failed": [...]}
where `row` is the 1-based data row of the table's CSV (the header line is row 0) and
`failed` lists the rules that crashed on the data (231 and 233 do on CSV input).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import warnings


def _deep_copy_datastore(data_store):
    """The validator gives every rule a *shallow* copy of the tables, and rule 365 writes
    31/03 into every blank Episodes DEC in place: afterwards every child still in care
    looks as if care ended at year end, and a correct missing episode still open at
    31 March gets false 575 and 577 errors. Each rule gets deep copies instead."""
    return {k: v.copy(deep=True) if k != "metadata" else v for k, v in data_store.items()}


# Unitary authorities created in April 2023 that the validator's 2021 list of authorities
# lacks, though its postcode file already places postcodes in them: without them every
# placement there would be "not in a valid authority" (rule 169).
AUTHORITIES_2023 = [
    ("E06000063", "Cumberland"), ("E06000064", "Westmorland and Furness"),
    ("E06000065", "North Yorkshire"), ("E06000066", "Somerset"),
]


def _add_2023_authorities() -> None:
    import pandas as pd
    from lac_validator import datastore

    known = set(datastore.la_df["LTLA21CD"])
    extra = [{"FID": "", "LTLA21CD": code, "LTLA21NM": name, "UTLA21CD": code,
              "UTLA21NM": name} for code, name in AUTHORITIES_2023 if code not in known]
    if extra:
        datastore.la_df = pd.concat([datastore.la_df, pd.DataFrame(extra)], ignore_index=True)


def run(year: str, local_authority: str, files: list[str], previous: list[str]) -> dict:
    import pandas as pd
    from lac_validator import lac_validator as engine
    from lac_validator.report import Report
    from lac_validator.rules.ruleset_utils import get_year_ruleset
    from lac_validator.utils import process_uploaded_files

    engine.copy_datastore = _deep_copy_datastore
    _add_2023_authorities()
    uploaded = process_uploaded_files({"This year": files, "Prev year": previous})
    registry = get_year_ruleset(year)
    validator = engine.LacValidator(
        metadata={"collectionYear": year, "localAuthority": local_authority},
        files=uploaded, registry=registry, selected_rules=None)
    report = Report(validator.ds_results, registry)
    issues = []
    if any(c.startswith("ERR_") for c in report.report.columns):
        frame = engine.create_issue_df(report.report, report.error_report)
        grouped = {}
        for record in frame.to_dict("records"):
            key = (str(record["child_id"]), record["tables_affected"], int(record["row_id"]),
                   str(record["rule_code"]))
            entry = grouped.setdefault(key, {
                "child": key[0], "table": key[1], "row": key[2] + 1, "rule": key[3],
                "message": str(record["rule_description"]), "fields": []})
            field = record["columns_affected"]
            if isinstance(field, str) and not pd.isna(field) and field not in entry["fields"]:
                entry["fields"].append(field)
        issues = sorted(grouped.values(),
                        key=lambda i: (i["child"], i["table"], i["row"], i["rule"]))
    return {"issues": issues, "failed": sorted(str(code) for code in validator.fails)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", required=True)
    parser.add_argument("--la", required=True, help="the local authority's code")
    parser.add_argument("--prev", action="append", default=[], help="last year's tables")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    # The validator logs every rule at INFO and prints tracebacks for the rules that crash;
    # keep stdout for the JSON answer only.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    with contextlib.redirect_stdout(io.StringIO()):
        result = run(args.year, args.la, args.files, args.prev)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
