#!/usr/bin/python3
"""Validate swapinspect --json documents against docs/swapinspect.schema.json.

usage: validate-json.py SCHEMA DOCUMENT...

A DOCUMENT of "-" is read from standard input. The schema itself is checked first (draft 2020-12).
Every error is printed as "DOCUMENT: JSON-PATH: message", one per line, and the exit status is 1 when
there is any; 2 when the schema or a document cannot be read or parsed, or python3-jsonschema is missing.
Needs Debian's python3-jsonschema (4.10 or later, for Draft202012Validator).
"""

import json
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as error:
    print(f"validate-json.py: {error}: install the Debian package python3-jsonschema (make deps)", file=sys.stderr)
    sys.exit(2)


def json_path(error):
    """$.reports[0].activation.ok, from the error's absolute path in the instance."""
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def short(text, limit=240):
    """A message without a million-extent array in it."""
    return text if len(text) <= limit else text[:limit] + "..."


def leaves(error):
    """The innermost errors: for anyOf/oneOf, what each alternative said."""
    if not error.context:
        yield error
        return
    for inner in error.context:
        yield from leaves(inner)


def load(name):
    try:
        if name == "-":
            return json.load(sys.stdin)
        with open(name, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        print(f"{name}: cannot read JSON: {error}", file=sys.stderr)
        sys.exit(2)


def main(arguments):
    if len(arguments) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    schema = load(arguments[0])
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        print(f"{arguments[0]}: not a valid draft 2020-12 schema: {json_path(error)}: {error.message}", file=sys.stderr)
        return 2
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    failed = False
    for name in arguments[1:]:
        document = load(name)
        errors = sorted(validator.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        for error in errors:
            failed = True
            where = "/".join(map(str, error.absolute_schema_path))
            if error.context:
                # anyOf/oneOf: what each alternative said, not the whole instance.
                print(f"{name}: {json_path(error)}: matches none of the alternatives (schema: {where}):")
                inners = list(leaves(error))
                # "… is not of type 'null'" from the nullable alternative says nothing when others explain.
                useful = [e for e in inners if not (e.validator == "type" and e.validator_value == "null")]
                for inner in useful or inners:
                    print(f"{name}:   {json_path(inner)}: {short(inner.message)}")
            else:
                print(f"{name}: {json_path(error)}: {short(error.message)} (schema: {where})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
