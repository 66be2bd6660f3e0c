#!/bin/sh
# Instructions per event of klog's workloads under callgrind: for each workload, the
# count of a run with N events minus that of a run with none, divided by N.
#
#   benches/instructions.sh [BINARY] [N]
#
# BINARY defaults to the release build of `instr_loop` (built first when missing).
set -eu
bin=${1:-target/release/instr_loop}
n=${2:-20000}
[ -x "$bin" ] || cargo build --release -p klog-benches --bin instr_loop
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
for w in text json contextual contextual_json derive with_values disabled vmodule; do
    zero=$(count "$w" 0)
    full=$(count "$w" "$n")
    echo "$w $(( (full - zero) / n ))"
done
