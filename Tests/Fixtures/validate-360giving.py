#!/usr/bin/env python3
"""Validates a 360Giving grant package against the standard's JSON Schemas (draft
2020-12) in Tests/Fixtures/360giving (or the folder given second), with the jsonschema library: the test of
`comity export grants --format 360giving`. Prints "valid" or each error; exits 1 on
errors. The package schema refers to the grant schema by its published URL; both are
read from the local files."""
import json
import sys
from pathlib import Path

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

data_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parent / "360giving"
package_schema = json.loads((data_dir / "360-giving-package-schema.json").read_text())
grant_schema = json.loads((data_dir / "360-giving-schema.json").read_text())
# The schemas name their dialect with http://, which the library does not detect: say it.
grant = DRAFT202012.create_resource(grant_schema)
registry = Registry().with_resources([
    (grant_schema["$id"], grant),
    (package_schema["properties"]["grants"]["items"]["$ref"], grant),
])
validator = jsonschema.Draft202012Validator(
    package_schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
document = json.loads(Path(sys.argv[1]).read_text())
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
for error in errors:
    print("/".join(str(p) for p in error.absolute_path) + ": " + error.message)
print("valid" if not errors else f"{len(errors)} error(s)")
sys.exit(1 if errors else 0)
