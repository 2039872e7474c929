#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md, rerun on this machine:
#   1. fetch: one month of 600 instances from the fake Zoom (50 ms latency, 40 requests per
#      second allowed) at --rate 40, against the floor of requests / 40, and sequentially;
#   2. process: an archive of 1,000,000 join rows (20,000 instances, 30,000 people) to xlsx,
#      CSV and HTML, with the time of each stage and the peak memory;
#   3. baseline: the same grouping and xlsx in Python with pandas and openpyxl.
# Prints a Markdown table. ROWS=200000 benches/run.sh runs a smaller process benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}
instances=${INSTANCES:-20000}
people=${PEOPLE:-30000}

if [ ! -x /usr/bin/time ]; then
  apt-get install -y -qq time >/dev/null
fi
python3 -c "import pandas, openpyxl" 2>/dev/null || pip install -q pandas openpyxl

cargo build --release --quiet --bin zoom-report --example generate_archive --example fake_zoom
bin=target/release/zoom-report
work=$(mktemp -d)
trap 'kill "${fake_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# Peak resident memory in MB and wall seconds of a command, from GNU time.
measure() {
  local log=$1; shift
  /usr/bin/time -f "wall=%e rss_kb=%M" -o "$log.time" "$@" >"$log" 2>&1
}
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$1" | tail -1; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GB"

# 1. Fetch.
month_from=$(date -d "$(date +%Y-%m-01) -1 month" +%F)
month_to=$(date -d "$(date +%Y-%m-01) -1 day" +%F)
target/release/examples/generate_archive --out "$work/account" --instances 600 --rows 250000 \
  --people 3000 --from "$month_from" --to "$month_to" >/dev/null
target/release/examples/fake_zoom --archive "$work/account" --latency-ms 50 --rate 40 \
  --page-size-cap 300 >"$work/fake.out" &
fake_pid=$!
for _ in $(seq 100); do grep -q "^export ZOOM_API_URL" "$work/fake.out" && break; sleep 0.1; done
eval "$(grep '^export ' "$work/fake.out")"
expected_rows=$(wc -l <"$work/account/participants.jsonl")
fetch() {
  local name=$1; shift
  rm -rf "$work/$name"
  measure "$work/$name.log" "$bin" --from "$month_from" --to "$month_to" --all-users \
    --format csv -v --tz UTC --out "$work/$name" "$@"
  local requests seconds got
  requests=$(sed -n 's/.* \([0-9]*\) requests in .*/\1/p' "$work/$name.log" | tail -1)
  seconds=$(field "$work/$name.log.time" wall)
  got=$(($(wc -l <"$work/$name/zoom-report_${month_from}_${month_to}_sessions.csv") - 1))
  echo "$requests $seconds $got"
}
read -r fast_requests fast_seconds fast_rows <<<"$(fetch fast --rate 40 --concurrency 8)"
read -r seq_requests seq_seconds seq_rows <<<"$(fetch sequential --rate 40 --concurrency 1)"
kill "$fake_pid"; fake_pid=
floor=$(python3 -c "print(f'{$fast_requests/40:.1f}')")
ratio=$(python3 -c "print(f'{$fast_seconds/($fast_requests/40):.2f}')")

# 2. Process a million join rows.
target/release/examples/generate_archive --out "$work/big" --instances "$instances" \
  --rows "$rows" --people "$people" --from 2024-01-01 --to 2024-12-31 >"$work/generate.log"
big_rows=$(wc -l <"$work/big/participants.jsonl")
measure "$work/process.log" "$bin" --from 2024-01-01 --to 2024-12-31 --input "$work/big" \
  --format xlsx,csv,html -v --tz UTC --out "$work/big-out"
stage() { sed -n "s/.*$1 in \([0-9.]*\) s.*/\1/p; s/.*$1.* in \([0-9.]*\) s.*/\1/p" "$work/process.log" | head -1; }
process_seconds=$(field "$work/process.log.time" wall)
process_mb=$(( $(field "$work/process.log.time" rss_kb) / 1024 ))

# 3. The pandas + openpyxl baseline on the same archive.
measure "$work/baseline.log" python3 benches/baseline.py "$work/big" "$work/baseline.xlsx"
baseline_seconds=$(field "$work/baseline.log.time" wall)
baseline_mb=$(( $(field "$work/baseline.log.time" rss_kb) / 1024 ))

cat <<TABLE

| benchmark | figure |
|---|---|
| fetch, --rate 40 --concurrency 8 | $fast_requests requests in ${fast_seconds} s; floor ${floor} s; ratio ${ratio}; rows ${fast_rows} of ${expected_rows} |
| fetch, --concurrency 1 (sequential) | $seq_requests requests in ${seq_seconds} s; rows ${seq_rows} of ${expected_rows} |
| process $big_rows join rows: total | ${process_seconds} s wall, ${process_mb} MB peak |
| read archive | $(stage "join rows") s |
| group (polars + interval union) | $(stage "people") s |
| write xlsx | $(stage "Xlsx") s |
| write CSV | $(stage "Csv") s |
| write HTML | $(stage "Html") s |
| baseline pandas + openpyxl | ${baseline_seconds} s wall, ${baseline_mb} MB peak ($(head -1 "$work/baseline.log")) |
| zoom-report vs baseline | $(python3 -c "print(f'{$baseline_seconds/$process_seconds:.1f}')")× faster |
TABLE
