#!/bin/sh
# End-to-end throughput and peak memory of klog-convert on generated logs, one thread.
#
#   benches/convert-throughput.sh [MEGABYTES]     (default 200)
#
# Generates MEGABYTES of klog text and of Kubernetes JSON with the sample_log example,
# then times `klog-convert --to json` on the text and `--to text` on the JSON (output to
# /dev/null), and does the same on a quarter of the data to show that peak memory does
# not grow with the input. Needs GNU time (/usr/bin/time).
set -eu
mb=${1:-200}
dir=${TMPDIR:-/tmp}/klog-convert-throughput
mkdir -p "$dir"
cargo build -q --release -p klog-convert
cargo build -q --release -p klog-examples --bin sample_log
bin=target/release/klog-convert
# The sample writes about 192 bytes of text and 242 of JSON per record.
for format in text json; do
    per_record=$([ "$format" = text ] && echo 192 || echo 242)
    records=$((mb * 1048576 / per_record))
    target/release/sample_log --format "$format" --lines "$records" > "$dir/big.$format"
    head -c $((mb * 1048576 / 4)) "$dir/big.$format" > "$dir/quarter.$format"
done
run() {
    size=$(wc -c < "$2")
    /usr/bin/time -f "%e %M" -o "$dir/time" "$bin" --to "$1" "$2" > /dev/null
    read -r secs rss_kb < "$dir/time"
    awk -v n="$size" -v s="$secs" -v r="$rss_kb" -v what="$3" \
        'BEGIN { printf "%-28s %8.1f MB in %5.2f s = %6.1f MB/s, peak RSS %5.1f MB\n", what, n/1048576, s, n/1048576/s, r/1024 }'
}
run json "$dir/big.text" "text -> JSON"
run text "$dir/big.json" "JSON -> text"
run json "$dir/quarter.text" "text -> JSON (1/4 input)"
run text "$dir/quarter.json" "JSON -> text (1/4 input)"
rm -rf "$dir"
