#!/usr/bin/env bash
# After a failed `make test`: the issues the tests recorded, repeated at the end of the output (where a
# CI log's tail shows them), each with the detail lines Swift Testing and XCTest print under it.
set -uo pipefail
log=${1:?usage: test-summary.sh LOG}
[[ -r $log ]] || exit 0
echo
echo "=== recorded issues (from $log) ==="
awk '
    / recorded an issue |: error: / { shown = 0; print substr($0, 1, 400); detail = 1; next }
    detail && /^[[:space:]]|↳/ && shown < 6 { print substr($0, 1, 400); shown++; next }
    { detail = 0 }
' "$log" | head -n 200
