#!/bin/sh
# Builds everything (release and ASan+UBSan) and runs every test with ctest;
# without arguments also builds the libFuzzer targets (clang) and gives each
# a 60 s smoke run. Arguments go to the ASan build's ctest (e.g. -R name).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j"$JOBS"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DVAS_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$JOBS"
if [ $# -eq 0 ]; then
	CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DVAS_FUZZ=ON >/dev/null
	cmake --build build/fuzz -j"$JOBS"
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
# Check's per-test timeouts are for a quiet machine: a shared one, under
# ASan, may take several times as long.
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$PWD/test/lsan.supp"
if [ $# -eq 0 ]; then
	(cd build/fuzz && ctest --output-on-failure -j"$JOBS" -L fuzz)
fi
cd build/asan
ctest --output-on-failure -j"$JOBS" -LE vm "$@"
# The real-kernel test (a QEMU guest) runs the release build: the emulated
# CPU is slow enough without the sanitizers.
cd ../release
ctest --output-on-failure -L vm "$@"
