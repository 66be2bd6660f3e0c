#!/bin/sh
# End-to-end throughput and peak memory of klog-convert on real logs, beside `cat`, one
# thread (-j 1) and worker threads (-j N), in one run.
#
#   benches/convert-throughput.sh [MEBIBYTES] [JOBS]     (default 200 MiB, JOBS = cores)
#
# Each command runs REPEAT times (environment, default 5) and the median wall time is
# reported, with the fastest and the slowest: single runs of half a second on a shared
# machine spread by a third. The -j 1 and -j N runs of a conversion alternate, one of each
# in turn: runs in a row drift with the host's load, and a block of -j 1 runs fell in a
# faster or slower minute than the block of -j N runs after it (speed-ups of one binary
# 1.73x and 1.78x in two such runs, 1.79x-1.84x alternated).
#
# The input is ../shared/realworld/klog-text-lines.log (real kubelet, apiserver, controller
# manager... lines; not in the repository) repeated to MEBIBYTES, and its JSON made by
# klog-convert; both are written under $TMPDIR (default /tmp) and removed at the end. Without
# ../shared/realworld the generated sample_log output is used instead, and the script says so.
# Needs GNU time (/usr/bin/time) and GNU date (nanoseconds). MiB are 1,048,576 bytes. "cpu"
# is user + system seconds: on a machine whose cores are busy with other work, MiB/s of
# -j N can fall below -j 1 while cpu stays the same.
set -eu
mb=${1:-200}
jobs=${2:-$(nproc)}
repeat=${REPEAT:-5}
dir=${TMPDIR:-/tmp}/klog-convert-throughput
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p klog-convert
bin=target/release/klog-convert
real=../shared/realworld/klog-text-lines.log
if [ -f "$real" ]; then
    echo "input: $real repeated to $mb MiB"
    : > "$dir/big.text"
    while [ "$(wc -c < "$dir/big.text")" -lt $((mb * 1048576)) ]; do
        cat "$real" >> "$dir/big.text"
    done
else
    echo "SKIPPED the real data: $real is absent; using generated sample_log output"
    cargo build -q --release -p klog-examples --bin sample_log
    target/release/sample_log --format text --lines $((mb * 1048576 / 192)) > "$dir/big.text"
fi
"$bin" -j 1 --to json --year 2024 "$dir/big.text" > "$dir/big.json"
head -c $((mb * 1048576 / 4)) "$dir/big.text" > "$dir/quarter.text"
# The files just written are still being written back to disk: wait for that, so the
# kernel's writeback does not share the two cores with the timed runs.
sync

# once KEY FILE COMMAND...: COMMAND FILE > /dev/null once; appends its wall time, cpu
# seconds and peak RSS to $dir/times.KEY.
once() {
    once_key=$1 once_file=$2
    shift 2
    # Wall time from the nanosecond clock: GNU time's %e has 10 ms steps, 5 % of a run of
    # 0.2 s.
    start=$(date +%s%N)
    /usr/bin/time -f "%U %S %M" -o "$dir/time" "$@" "$once_file" > /dev/null
    end=$(date +%s%N)
    echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", (b - a) / 1e9 }') $(cat "$dir/time")" >> "$dir/times.$once_key"
}

# report KEY LABEL FILE: the median wall time of the runs kept under KEY (with the fastest
# and slowest), its MiB/s of FILE, and the cpu seconds and peak RSS of the median run.
# Keeps the median wall time in $median.
report() {
    key=$1 label=$2 file=$3
    size=$(wc -c < "$file")
    sort -n "$dir/times.$key" > "$dir/sorted"
    read -r secs user sys rss_kb <<EOF2
$(sed -n "$(( (repeat + 1) / 2 ))p" "$dir/sorted")
EOF2
    fastest=$(head -n 1 "$dir/sorted" | cut -d' ' -f1)
    slowest=$(tail -n 1 "$dir/sorted" | cut -d' ' -f1)
    median=$secs
    awk -v n="$size" -v s="$secs" -v u="$user" -v y="$sys" -v r="$rss_kb" -v what="$label" \
        -v lo="$fastest" -v hi="$slowest" \
        'BEGIN { if (s == 0) s = 0.01; printf "%-34s %7.1f MiB in %6.3f s (%5.3f-%5.3f) = %7.1f MiB/s, cpu %5.2f s, peak RSS %6.1f MiB\n", what, n/1048576, s, lo, hi, n/1048576/s, u+y, r/1024 }'
}

# run KEY LABEL FILE COMMAND...: COMMAND FILE, $repeat times in a row, then its report.
run() {
    run_key=$1 run_label=$2 run_file=$3
    shift 3
    : > "$dir/times.$run_key"
    i=0
    while [ "$i" -lt "$repeat" ]; do
        once "$run_key" "$run_file" "$@"
        i=$((i + 1))
    done
    report "$run_key" "$run_label" "$run_file"
}

# compare LABEL FILE ARGS...: klog-convert -j 1 ARGS and -j $jobs ARGS on FILE, one of each
# in turn $repeat times; their reports and the speed-up.
compare() {
    cmp_label=$1 cmp_file=$2
    shift 2
    : > "$dir/times.one"
    : > "$dir/times.many"
    i=0
    while [ "$i" -lt "$repeat" ]; do
        once one "$cmp_file" "$bin" -j 1 "$@"
        once many "$cmp_file" "$bin" -j "$jobs" "$@"
        i=$((i + 1))
    done
    report one "$cmp_label, -j 1" "$cmp_file"
    one=$median
    report many "$cmp_label, -j $jobs" "$cmp_file"
    speedup "$cmp_label, -j $jobs speed-up" "$one" "$median"
}

# speedup LABEL ONE MANY: the ratio of two median wall times.
speedup() {
    awk -v a="$2" -v b="$3" -v what="$1" 'BEGIN { if (b == 0) b = 0.01; printf "%-34s %5.2fx\n", what, a/b }'
}
uptime
run cat-text "cat (text)" "$dir/big.text" cat
run cat-json "cat (JSON)" "$dir/big.json" cat
compare "text -> JSON" "$dir/big.text" --to json --year 2024
compare "JSON -> text" "$dir/big.json" --to text
run pretty "JSON -> pretty (one thread)" "$dir/big.json" "$bin" --to pretty --color never
run quarter "text -> JSON, -j $jobs, 1/4 input" "$dir/quarter.text" "$bin" -j "$jobs" --to json --year 2024
