#!/usr/bin/env bash
# soak.sh: OnAir under a moving load for a long run, judged minute by minute.
#
# It builds OnAir and cmd/onair-load from this tree and starts, on 127.0.0.1
# with free ports:
#   - OnAir with one AutoDJ station on /stream (a folder of synthetic MP3
#     tracks, crossfaded) and two passthrough mounts, /a.mp3 and /b.mp3,
#     source_grace 5s;
#   - on /a.mp3 an ffmpeg source (sine, MP3 128 kbps, 44.1 kHz) killed and
#     restarted every 30 s: its listeners are kept through each drop;
#   - on /b.mp3 the same, alternating 44.1 and 48 kHz: at every reconnect the
#     format changes, and OnAir ends its kept listeners cleanly (EOF at a
#     frame boundary) so that their players reconnect, by design;
#   - a title on both mounts every 10 s (/admin/metadata, source login);
#   - one onair-load -reconnect per mount: half of -n on /stream, a quarter
#     on each passthrough mount.
# Every minute it prints the server's RSS (VmRSS), its goroutines and Go
# heap goal (go_goroutines, go_memstats_next_gc_bytes from /metrics), the
# listeners each mount counts (/status-json.xsl) and what the load tools saw
# so far (their latest progress line, at most 10 s old). At the end it
# judges, and exits 1 if any verdict fails (2 if the run could not start):
#   - listeners lost: none (a failed connect, a drop, a failed reconnection,
#     or a clean close on /stream or /a.mp3, where no format changes; but
#     closes on /a.mp3 when its source took longer than source_grace to
#     come back, as ffmpeg can on a loaded machine, are by design);
#   - closes by design (/b.mp3): every one reconnected;
#   - framing errors (ICY or MP3 frames, or a body not starting on a frame): none;
#   - RSS flat after the first minute (see "Judgement" below);
#   - goroutines flat: each minute's count within GOROUTINE_MARGIN of the
#     first minute's.
# Sources drop at 10 and 20 s past each half minute and samples are taken
# on the minute, so no sample falls in a reconnection.
#
# Usage: scripts/soak.sh [-d DURATION] [-n LISTENERS] [-o DIR]
#   -d DURATION   how long the listeners are held: 150s, 3m, 1h (default 1h;
#                 at least 2m)
#   -n LISTENERS  listeners in all (default 2000)
#   -o DIR        keep the config, logs, load reports and samples in DIR
#
# Needs: go, ffmpeg (libmp3lame), curl, jq.
set -euo pipefail

duration=1h
total=2000
outdir=""
while (($#)); do
	case "$1" in
	-d) duration="$2"; shift 2 ;;
	-n) total="$2"; shift 2 ;;
	-o) outdir="$2"; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
done
case $duration in
*h) secs=$((${duration%h} * 3600)) ;;
*m) secs=$((${duration%m} * 60)) ;;
*s) secs=${duration%s} ;;
*) secs=$duration ;;
esac
if ! [[ $secs =~ ^[0-9]+$ ]] || ((secs < 120)); then
	echo "soak: -d must be at least 2m (got $duration)" >&2
	exit 2
fi
if ! [[ $total =~ ^[0-9]+$ ]] || ((total < 4)); then
	echo "soak: -n must be at least 4" >&2
	exit 2
fi
for tool in go ffmpeg curl jq; do
	command -v "$tool" >/dev/null || { echo "soak: $tool not found (apt-get install ${tool/go/golang})" >&2; exit 2; }
done

# Judgement. RSS, sampled on the minute, moves by a few MiB within a minute
# (memory.tsv), and the first minutes are warm-up. A run of LONG_RUN
# seconds or more is judged on its last three quarters, cut in thirds: the
# median of the last third must be within RSS_DRIFT % of the median of the
# first; from SLOPE_RUN seconds the least-squares slope over those three
# quarters must also stay under RSS_SLOPE_KIB KiB per minute (over a
# shorter window warm-up and noise swamp a slope). A run shorter than
# LONG_RUN can only show that nothing grows without bound: no sample after
# the first minute more than RSS_SHORT_GROWTH % above it. Goroutines: every
# sample within GOROUTINE_MARGIN of the first minute's.
LONG_RUN=600
SLOPE_RUN=1800
RSS_DRIFT=10
RSS_SLOPE_KIB=64
RSS_SHORT_GROWTH=25
GOROUTINE_MARGIN=5

n_stream=$((total / 2))
n_a=$((total / 4))
n_b=$((total - n_stream - n_a))
ramp_secs=5 # each tool connects its listeners over this many seconds
minutes=$((secs / 60))

repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/soak.XXXXXX)
[[ -n $outdir ]] && mkdir -p "$outdir"
log() { printf 'soak: %s\n' "$*" >&2; }

# Everything started is killed on exit, whatever the exit. The source
# loops kill their ffmpeg on TERM; a title update or scrape in flight ends
# within its own 5 s limit.
pids=()
sleeper="" # the latest sleep_until's sleep
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	if [[ -n $outdir ]]; then
		cp "$tmp"/*.log "$tmp"/*.json "$tmp"/*.tsv "$tmp"/*.yaml "$outdir"/ 2>/dev/null || true
	fi
	[[ -z $sleeper ]] || kill "$sleeper" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < total + 200)); then
	log "warning: open-file limit $(ulimit -n) is below $((total + 200))"
fi

log "building onair and onair-load"
(cd "$repo" && go build -o "$tmp/onair" ./cmd/onair && go build -o "$tmp/onair-load" ./cmd/onair-load)

# Tracks of 20 to 40 s: tones over pink noise, so that crossfades have
# something to fade.
log "making the station's tracks"
mkdir -p "$tmp/music"
for i in 1 2 3 4 5; do
	len=$((15 + 5 * i))
	ffmpeg -nostdin -v error -f lavfi -i "anoisesrc=color=pink:amplitude=0.1:duration=$len:sample_rate=44100" \
		-f lavfi -i "sine=frequency=$((220 * i)):duration=$len:sample_rate=44100" \
		-filter_complex "[0][1]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo" \
		-c:a libmp3lame -b:a 128k -metadata artist="Soak" -metadata title="Tone $((220 * i)) Hz" \
		-y "$tmp/music/track$i.mp3"
done

# free_port: a loopback port nobody listens on, below the ephemeral range so
# that no listener's local port can take it.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 10000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "soak: no free port" >&2
	return 1
}

wait_http() { # URL PID: until the server answers, or it exits
	for _ in $(seq 100); do
		curl -s -o /dev/null -m 1 "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	log "no answer from $1; the server's log:"
	cat "$tmp/server.log" >&2
	return 1
}

wait_stream() { # URL: until the mount streams audio
	local code
	for _ in $(seq 150); do
		code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$1" || true)
		[[ $code == 200 ]] && return 0
		sleep 0.2
	done
	log "no stream at $1"
	exit 2
}

# seconds_to T: how long until $EPOCHREALTIME reaches T (0 if it has).
seconds_to() {
	awk -v t="$1" -v now="$EPOCHREALTIME" 'BEGIN { d = t - now; printf "%.3f", (d > 0 ? d : 0) }'
}

# sleep_until T: in the background, so that a signal is handled at once
# (bash runs traps only between foreground commands); $sleeper is killed
# on exit.
sleep_until() {
	sleep "$(seconds_to "$1")" &
	sleeper=$!
	wait "$sleeper"
}

source_pw=soak-source-pw
admin_pw=soak-admin-pw
port=$(free_port)
base="http://127.0.0.1:$port"
mkdir -p "$tmp/data"
cat >"$tmp/onair.yaml" <<EOF
listen: "127.0.0.1:$port"
shoutcast_port: 0
data_dir: "$tmp/data"
source_password: "$source_pw"
admin_password: "$admin_pw"
max_listeners: 0
public_metrics: true
allow_unlisted_mounts: false
shoutcast_mount: /a.mp3
burst_size: 65536
metaint: 16000
source_timeout: 10s
source_grace: 5s
stations:
  - id: soak
    name: "Soak"
    mount: /stream
    bitrate: 128
    sample_rate: 44100
    crossfade_ms: 3000
    live_mount: ""
    media_dirs: ["$tmp/music"]
mounts:
  - path: /a.mp3
  - path: /b.mp3
EOF
"$tmp/onair" -config "$tmp/onair.yaml" >"$tmp/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
wait_http "$base/status-json.xsl" "$server_pid" || exit 2
wait_stream "$base/stream"

# t0 is when the listeners start; everything else is timed from it.
t0=$(awk -v now="$EPOCHREALTIME" 'BEGIN { printf "%d", now + 5 }')

# source_loop MOUNT OFFSET RATE...: an ffmpeg source on MOUNT, killed and
# started again at t0 + OFFSET + 30k s, taking the rates in turn. A source
# that ends on its own (refused, say) is started again after 0.5 s with the
# same rate; each start, drop and early end is logged.
source_loop() {
	local mount=$1 offset=$2 k=0 i=0 fp="" next rate code events
	shift 2
	local rates=("$@")
	events="$tmp/sources${mount//\//-}.log"
	trap 'kill -9 $fp $sleeper 2>/dev/null; exit 0' TERM
	while :; do
		rate=${rates[i % ${#rates[@]}]}
		ffmpeg -nostdin -hide_banner -loglevel error -re \
			-f lavfi -i "sine=frequency=440:sample_rate=$rate" -ac 2 -ar "$rate" \
			-c:a libmp3lame -b:a 128k -content_type audio/mpeg \
			-f mp3 "icecast://source:$source_pw@127.0.0.1:$port$mount" 2>>"$tmp/ffmpeg${mount//\//-}.log" &
		fp=$!
		echo "$EPOCHREALTIME start $rate" >>"$events"
		while next=$((t0 + offset + 30 * k)); ((next <= ${EPOCHREALTIME%.*})); do
			k=$((k + 1))
		done
		# The planned drop, or ffmpeg ending first.
		sleep "$(seconds_to "$next")" &
		sleeper=$!
		wait -n "$sleeper" "$fp" || true
		if kill -0 "$fp" 2>/dev/null; then
			kill -9 "$fp" 2>/dev/null || true
			wait "$fp" 2>/dev/null || true
			echo "$EPOCHREALTIME drop $rate" >>"$events"
			i=$((i + 1))
		else
			wait "$fp" && code=0 || code=$?
			echo "$EPOCHREALTIME early-exit $rate $code" >>"$events"
			kill "$sleeper" 2>/dev/null || true
			sleep 0.5 &
			sleeper=$!
		fi
		wait "$sleeper" 2>/dev/null || true
		fp="" sleeper=""
	done
}
source_loop /a.mp3 10 44100 &
pids+=("$!")
source_loop /b.mp3 20 44100 48000 &
pids+=("$!")
wait_stream "$base/a.mp3"
wait_stream "$base/b.mp3"

# A title on both mounts every 10 s, 5 s past the ten.
(
	trap 'kill $sleeper 2>/dev/null; exit 0' TERM
	k=0
	while :; do
		k=$((k + 1))
		sleep_until $((t0 + 10 * k - 5))
		for m in a b; do
			code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -u "source:$source_pw" \
				"$base/admin/metadata?mount=/$m.mp3&mode=updinfo&song=Soak+$m+-+Title+$k" || true)
			echo "$EPOCHREALTIME /$m.mp3 $code" >>"$tmp/titles.log"
		done
	done
) &
pids+=("$!")

# go_metric NAME...: the values of the server's Go runtime metrics, in order.
go_metric() {
	curl -s -m 5 "$base/metrics" | awk -v names="$*" '
		BEGIN { n = split(names, want, " ") }
		{ v[$1] = $2 }
		END { for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? "\t" : ""), (want[i] in v ? v[want[i]] + 0 : 0); print "" }'
}

# Every 10 s, memory in more detail (memory.tsv, kept with -o): RSS moves
# within a minute, and the Go heap tells a leak of Go objects (the heap
# goal, twice the heap live after the last collection, climbs) from memory
# the runtime holds on to.
printf 't\trss_kib\theap_goal\theap_inuse\theap_objects\tgoroutines\n' >"$tmp/memory.tsv"
(
	trap 'kill $sleeper 2>/dev/null; exit 0' TERM
	k=0
	while :; do
		k=$((k + 1))
		sleep_until $((t0 + 10 * k))
		printf '%d\t%s\t%s\n' "$((10 * k))" "$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$server_pid/status" 2>/dev/null)" \
			"$(go_metric go_memstats_next_gc_bytes go_memstats_heap_inuse_bytes go_memstats_heap_objects go_goroutines)" >>"$tmp/memory.tsv"
	done
) &
pids+=("$!")

# The listeners: one load tool per mount, each connecting its share over
# ramp_secs and holding it for the whole run.
sleep_until "$t0"
declare -A load_pid
for spec in "stream $n_stream" "a.mp3 $n_a" "b.mp3 $n_b"; do
	read -r name n <<<"$spec"
	pid_flag=()
	[[ $name == stream ]] && pid_flag=(-pid "$server_pid")
	"$tmp/onair-load" -url "$base/$name" -n "$n" -ramp "$(((n + ramp_secs - 1) / ramp_secs))" \
		-duration "${secs}s" -stream-rate 16000 -reconnect -report-every 10s -json -quiet "${pid_flag[@]}" \
		>"$tmp/load-$name.json" 2>"$tmp/load-$name.log" &
	load_pid[$name]=$!
	pids+=("$!")
done
log "server pid $server_pid on $base; $n_stream listeners on /stream, $n_a on /a.mp3, $n_b on /b.mp3 for ${secs}s"

# progress NAME FIELD: a field of the tool's latest progress line.
progress() {
	grep '^{"elapsed_s"' "$tmp/load-$1.json" 2>/dev/null | tail -1 | jq -r ".$2 // 0"
}

# Once a minute: RSS, goroutines, the server's listener counts, and the
# load tools' counts so far.
printf 'minute\trss_kib\tgoroutines\theap_goal\tsrv_stream\tsrv_a\tsrv_b\theld\tlost\tby_design\treconnected\tframing\n' >"$tmp/samples.tsv"
for ((m = 1; m <= minutes; m++)); do
	sleep_until $((t0 + 60 * m))
	kill -0 "$server_pid" 2>/dev/null || { log "the server exited"; break; }
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$server_pid/status")
	read -r gor heap <<<"$(go_metric go_goroutines go_memstats_next_gc_bytes)"
	counts=$(curl -s -m 5 "$base/status-json.xsl" | jq -r '
		[.icestats.source[] | {(.listenurl | sub("^[a-z]+://[^/]+"; "")): .listeners}] | add // {}
		| "\(.["/stream"] // 0)\t\(.["/a.mp3"] // 0)\t\(.["/b.mp3"] // 0)"' || true)
	[[ -n $counts ]] || counts=$'0\t0\t0'
	held=0 lost=0 framing=0
	for name in stream a.mp3 b.mp3; do
		held=$((held + $(progress "$name" live)))
		lost=$((lost + $(progress "$name" failed) + $(progress "$name" drops) + $(progress "$name" reconnect_failed)))
		framing=$((framing + $(progress "$name" framing_errors)))
	done
	# A clean close where no format changes is a lost listener too.
	lost=$((lost + $(progress stream ended) + $(progress a.mp3 ended)))
	by_design=$(progress b.mp3 ended)
	reconnected=$(progress b.mp3 reconnected)
	printf '%d\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\n' "$m" "$rss" "${gor:-0}" "${heap:-0}" "$counts" "$held" "$lost" "$by_design" "$reconnected" "$framing" >>"$tmp/samples.tsv"
	log "minute $m: RSS $((rss / 1024)) MiB, $gor goroutines, heap goal $((${heap:-0} >> 20)) MiB, listeners (server) $(tr '\t' '/' <<<"$counts"), held $held, lost $lost, closed by design $by_design (reconnected $reconnected), framing errors $framing"
done

for name in stream a.mp3 b.mp3; do
	rc=0
	wait "${load_pid[$name]}" || rc=$?
	if ((rc == 2)); then
		log "onair-load on /$name failed:"; cat "$tmp/load-$name.log" >&2
		exit 2
	fi
done
server_alive=yes
kill -0 "$server_pid" 2>/dev/null || server_alive=no

# The final reports: the last JSON value each tool printed.
for name in stream a.mp3 b.mp3; do
	jq -s 'last' "$tmp/load-$name.json" >"$tmp/report-$name.json"
done
r() { jq -r "$2" "$tmp/report-$1.json"; }

failed=()
verdict() { # OK? TEXT
	if [[ $1 == ok ]]; then
		printf -- '- PASS: %s\n' "$2"
	else
		printf -- '- FAIL: %s\n' "$2"
		failed+=("$2")
	fi
}

# A source that stays away longer than source_grace has its listeners
# closed, by design: ffmpeg restarting on a loaded machine can take that
# long. Such absences on /a.mp3, from the server's log, and the longest.
read -r overgrace longest < <(awk -v grace=5 '
	function secs(t, d, h) { split(substr(t, 6), d, "T"); split(d[2], h, ":"); return h[1] * 3600 + h[2] * 60 + h[3] }
	/mount=\/a\.mp3 / && /msg="source disconnected"/ { gone = secs($1) }
	/mount=\/a\.mp3 / && /msg="source connected"/ && gone != "" {
		away = secs($1) - gone; if (away < 0) away += 86400
		if (away > grace) n++
		if (away > worst) worst = away
		gone = ""
	}
	END { printf "%d %.1f\n", n, worst }' "$tmp/server.log")
lost_detail=""
lost_total=0
for name in stream a.mp3 b.mp3; do
	# On /stream and /a.mp3 no close is by design.
	closed='{}'
	[[ $name != b.mp3 ]] && closed='{"closed by the server": .reconnect.ended} | with_entries(select(.value > 0))'
	l=$(r "$name" "[.connects.failed, .drops.total, .reconnect.failed, ($closed | add // 0)] | add")
	lost_total=$((lost_total + l))
	lost_detail+=" /$name $l$(r "$name" "[(.connects.reasons, .drops.reasons, .reconnect.fail_reasons, $closed) | to_entries[] | \"\\(.key) \\(.value)\"] | if length > 0 then \" (\" + join(\", \") + \")\" else \"\" end");"
done
closed_a=$(r a.mp3 '.reconnect.ended')
if ((overgrace > 0 && closed_a > 0 && closed_a <= overgrace * n_a)); then
	lost_total=$((lost_total - closed_a))
	lost_detail+=" the $closed_a closes on /a.mp3 were by design: its source was away longer than source_grace (5 s) $overgrace times, at most $longest s;"
fi
ended_b=$(r b.mp3 '.reconnect.ended')
back_b=$(r b.mp3 '.reconnect.reconnected')
pending_b=$(r b.mp3 '.reconnect.pending')
failed_b=$(r b.mp3 '.reconnect.failed')
drops_b_src=$(grep -c ' drop ' "$tmp/sources-b.mp3.log" || true)
early=$(cat "$tmp"/sources-*.log | grep -c early-exit || true)
framing_total=0
for name in stream a.mp3 b.mp3; do
	framing_total=$((framing_total + $(r "$name" '.framing.errors + .framing.unsynced')))
done
held_end=0
for name in stream a.mp3 b.mp3; do held_end=$((held_end + $(r "$name" '.held.steady_end'))); done
titles_ok=$(awk '$3 == 200' "$tmp/titles.log" | wc -l)
titles_all=$(wc -l <"$tmp/titles.log")

# RSS and goroutine verdicts from the samples (minute 1 on).
rss_judgement=$(awk -F'\t' -v secs="$secs" -v long="$LONG_RUN" -v drift_max="$RSS_DRIFT" \
	-v growth_max="$RSS_SHORT_GROWTH" -v slope_run="$SLOPE_RUN" -v slope_max="$RSS_SLOPE_KIB" '
	function median(a, b, x, y, i, j, k, t) { # of v[a..b]
		k = 0
		for (i = a; i <= b; i++) { x[++k] = v[i] }
		for (i = 2; i <= k; i++) { t = x[i]; for (j = i - 1; j >= 1 && x[j] > t; j--) x[j + 1] = x[j]; x[j + 1] = t }
		return k % 2 ? x[(k + 1) / 2] : (x[k / 2] + x[k / 2 + 1]) / 2
	}
	NR > 1 { n++; m[n] = $1; v[n] = $2 }
	END {
		if (n < 2) { print "fail\tfewer than 2 samples"; exit }
		if (secs < long) {
			worst = v[2]
			for (i = 2; i <= n; i++) if (v[i] > worst) worst = v[i]
			growth = 100 * (worst - v[1]) / v[1]
			printf "%s\tshort run, so only that nothing grows without bound: highest RSS after minute 1 %+.1f %% against minute 1 (limit %d %%)\n",
				(growth <= growth_max ? "ok" : "fail"), growth, growth_max
			exit
		}
		# The last three quarters, in thirds: the median of the last third
		# against the median of the first.
		from = int(n / 4) + 1; if (from < 2) from = 2
		third = int((n - from + 1) / 3); if (third < 1) third = 1
		early = median(from, from + third - 1)
		late = median(n - third + 1, n)
		drift = 100 * (late - early) / early
		k = 0; sx = sy = sxx = sxy = 0
		for (i = from; i <= n; i++) { k++; sx += m[i]; sy += v[i]; sxx += m[i] * m[i]; sxy += m[i] * v[i] }
		slope = k > 1 ? (k * sxy - sx * sy) / (k * sxx - sx * sx) : 0
		ok = drift < drift_max
		limit = "not judged under " slope_run " s"
		if (secs >= slope_run) {
			ok = ok && slope < slope_max
			limit = "limit " slope_max
		}
		printf "%s\tmedian of minutes %d-%d %+.1f %% against minutes %d-%d (limit %d %%); slope over minutes %d-%d %.0f KiB/min (%s)\n",
			(ok ? "ok" : "fail"), m[n - third + 1], m[n], drift, m[from], m[from + third - 1], drift_max, m[from], m[n], slope, limit
	}' "$tmp/samples.tsv")
gor_judgement=$(awk -F'\t' -v margin="$GOROUTINE_MARGIN" '
	NR == 2 { first = $3; lo = hi = $3 }
	NR > 2 { if ($3 < lo) lo = $3; if ($3 > hi) hi = $3 }
	END {
		ok = (NR > 2 && hi - first <= margin && first - lo <= margin) ? "ok" : "fail"
		printf "%s\t%d at minute 1, %d to %d after (margin %d)\n", ok, first, lo, hi, margin
	}' "$tmp/samples.tsv")

echo
echo "Soak: ${secs} s, $total listeners ($n_stream on /stream, $n_a on /a.mp3, $n_b on /b.mp3); sources dropped every 30 s; $(nproc) CPUs."
echo
echo "| minute | RSS (MiB) | goroutines | Go heap goal (MiB) | listeners counted /stream, /a.mp3, /b.mp3 | held | lost | closed by design | reconnected | framing errors |"
echo "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
awk -F'\t' 'NR > 1 { printf "| %d | %.1f | %d | %.1f | %d, %d, %d | %d | %d | %d | %d | %d |\n", $1, $2 / 1024, $3, $4 / 1048576, $5, $6, $7, $8, $9, $10, $11, $12 }' "$tmp/samples.tsv"
echo
echo "Sources: $(grep -c ' drop ' "$tmp/sources-a.mp3.log" || true) drops on /a.mp3, $drops_b_src on /b.mp3 (each a format change: about $((drops_b_src * n_b)) closes by design expected), $early ended early; titles $titles_ok/$titles_all accepted."
echo "Reconnection of a closed listener (end to first audio): $(r b.mp3 '.reconnect.time | "p50 \(.p50_ms | round) ms, p99 \(.p99_ms | round) ms, max \(.max_ms | round) ms"'); 404s retried: $(r b.mp3 '[.reconnect.retries[]] | add // 0')."
echo "Server CPU over the run: $(r stream '.server | "\(.cpu_seconds | round) CPU-s, \(.cpu_percent * 10 | round / 10) % of a core"')."
echo
[[ $server_alive == yes ]] && ! grep -q '^panic\|fatal error' "$tmp/server.log" &&
	verdict ok "the server ran to the end" || verdict fail "the server exited or panicked (see server.log)"
((lost_total == 0)) && verdict ok "listeners lost: 0;$lost_detail" || verdict fail "listeners lost: $lost_total;$lost_detail"
((failed_b == 0 && back_b + pending_b == ended_b && ended_b > 0)) &&
	verdict ok "closed by design at format changes: $ended_b on /b.mp3, all reconnected ($back_b, $pending_b still reconnecting at the end)" ||
	verdict fail "closed by design at format changes: $ended_b on /b.mp3, $back_b reconnected, $failed_b gave up, $pending_b pending"
((held_end + pending_b == total)) && verdict ok "held at the end: $held_end of $total" ||
	verdict fail "held at the end: $held_end of $total ($pending_b reconnecting)"
((framing_total == 0)) && verdict ok "framing errors: 0" || verdict fail "framing errors: $framing_total (see load-*.json)"
verdict "${rss_judgement%%$'\t'*}" "RSS flat: ${rss_judgement#*$'\t'}"
verdict "${gor_judgement%%$'\t'*}" "goroutines flat: ${gor_judgement#*$'\t'}"
if ((${#failed[@]})); then
	log "${#failed[@]} verdicts failed"
	exit 1
fi
