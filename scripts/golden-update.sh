#!/bin/sh
# Rewrites test/golden/*.out from the CLI as built (after a deliberate
# change of output): runs the golden scenario against a throw-away manager.
# Review the result with git diff before committing it.
set -eu
cd "$(dirname "$0")/.."
BUILD=${VAS_BUILD_DIR:-build/release}
rm -f test/golden/*.out
VAS_BUILD_DIR=$PWD/$BUILD VAS_SOURCE_DIR=$PWD PYTHONPATH=$PWD/test/lib \
	python3 test/integration/test_cli_golden.py --update CliGolden
