#!/bin/sh
# Instructions per event of klog's workloads under callgrind: for each workload, the
# count of a run with N events minus that of a run with none, divided by N.
#
#   benches/instructions.sh [BINARY] [N]
#
# BINARY defaults to the release build of `instr_loop`, built (or brought up to date)
# first: an old build would count the old code.
set -eu
bin=${1:-}
n=${2:-20000}
if [ -z "$bin" ]; then
    cargo build -q --release -p klog-benches --bin instr_loop
    bin=target/release/instr_loop
fi
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
for w in text json contextual contextual_json derive with_values disabled vmodule; do
    zero=$(count "$w" 0)
    full=$(count "$w" "$n")
    echo "$w $(( (full - zero) / n ))"
done
