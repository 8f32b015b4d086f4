#!/usr/bin/env bash
# compare-edge-hls.sh: what an edge relay and an HTTP cache take off OnAir,
# and what HLS costs in memory. Three measurements, each side of a
# comparison run one after the other in the same run, every server fresh:
#
#   edge    N listeners (cmd/onair-load, ICY) on an OnAir edge that pulls
#           /live from an OnAir origin (relays: upstreams), then the same N
#           on the origin directly. The origin's CPU (utime+stime from
#           /proc/PID/stat) and RSS over the steady window, and the edge's.
#   hls     H HLS listeners (onair-load -hls: the playlist every target
#           duration, half of one when nothing was new, each segment once)
#           through nginx's proxy_cache (the README's snippet), then H
#           direct ICY listeners on a fresh OnAir of the same config.
#           OnAir's CPU, the requests OnAir saw (its access_log, counted
#           over the window), nginx's CPU and requests.
#   memory  One OnAir with 1 passthrough mount fed, one with 1+M mounts fed,
#           side by side, default HLS (6 s segments, 6 listed + 2 grace).
#           RSS (and the live heap, from gctrace) once every mount has a
#           full window, per extra mount, against the arithmetic
#           (8 × 6 s × 16 000 B/s = 768 000 B).
#
# Sources are ffmpeg sines (128 kbps MP3, -re) pushed as compare-icecast.sh
# does. The script prints Markdown tables.
#
# Usage: scripts/compare-edge-hls.sh [-d SECONDS] [-n N] [-H N] [-M N]
#                                    [-s SEG] [-r RAMP] [-o DIR]
#                                    [--only edge|hls|memory]
#   -d SECONDS  steady window per run (default 60)
#   -n N        listeners in the edge comparison (default 5000)
#   -H N        listeners in the HLS comparison (default 2000; -n's value
#               if only -n is given)
#   -M N        extra mounts in the memory comparison (default 10)
#   -s SEG      hls_segment_seconds for the hls comparison (default 6; the
#               memory comparison keeps the default 6)
#   -r RAMP     listeners started per second (default 500)
#   -o DIR      keep each run's JSON report and logs in DIR
#   --only X    run one of edge, hls, memory
# Short mode, as CI could run it: scripts/compare-edge-hls.sh -d 10 -n 200 -M 2 -s 2
#
# Needs: go, ffmpeg (libmp3lame), nginx (nginx-light), curl, jq. Run as a
# user that may bind 127.0.0.1 ports; nginx runs as that user, in the
# foreground, without a master process.
set -euo pipefail

duration=60
edge_n=5000
hls_n=""
extra_mounts=10
seg=6
ramp=500
outdir=""
only=""
while (($#)); do
	case "$1" in
	-d) duration="$2"; shift 2 ;;
	-n) edge_n="$2"; shift 2 ;;
	-H) hls_n="$2"; shift 2 ;;
	-M) extra_mounts="$2"; shift 2 ;;
	-s) seg="$2"; shift 2 ;;
	-r) ramp="$2"; shift 2 ;;
	-o) outdir="$2"; shift 2 ;;
	--only) only="$2"; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
done
if [[ -z $hls_n ]]; then
	hls_n=2000
	((edge_n < 2000)) && hls_n=$edge_n
fi
parts=(edge hls memory)
[[ -n $only ]] && parts=("$only")

for tool in go ffmpeg nginx curl jq; do
	command -v "$tool" >/dev/null || { echo "compare-edge-hls: $tool not found" >&2; exit 2; }
done

repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/compare-edge-hls.XXXXXX)
[[ -n $outdir ]] && mkdir -p "$outdir"
log() { printf 'compare-edge-hls: %s\n' "$*" >&2; }

# Everything started is killed on exit, whatever the exit.
pids=()
cleanup() {
	local rc=$? p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	# A failed run's servers and sources left their logs: keep them.
	if ((rc != 0)) && [[ -n $outdir ]]; then
		cp -r "$tmp" "$outdir/failed" 2>/dev/null || true
		rm -f "$outdir/failed/onair" "$outdir/failed/onair-load"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop PID...: end processes this script started, and forget them.
stop() {
	local p q keep
	for p in "$@"; do
		kill "$p" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		keep=()
		for q in "${pids[@]}"; do [[ $q == "$p" ]] || keep+=("$q"); done
		pids=("${keep[@]}")
	done
}

ulimit -n "$(ulimit -Hn)"
((edge_n > hls_n)) && max_n=$edge_n || max_n=$hls_n
if (($(ulimit -n) < max_n + 200)); then
	log "warning: open-file limit $(ulimit -n) is below $((max_n + 200))"
fi

log "building onair and onair-load"
(cd "$repo" && go build -o "$tmp/onair" ./cmd/onair && go build -o "$tmp/onair-load" ./cmd/onair-load)

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
	log "no free port"
	return 1
}

wait_status() { # URL CODE TRIES: until URL answers CODE, 0.2 s apart
	local code
	for _ in $(seq "$3"); do
		code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$1" || true)
		[[ $code == "$2" ]] && return 0
		sleep 0.2
	done
	log "no $2 from $1 (last $code)"
	return 1
}

source_pw=hackme-source
admin_pw=hackme-admin

# start_onair PORT DIR [EXTRA_YAML]: mount /live, more YAML appended.
start_onair() {
	local port=$1 dir=$2 extra=${3:-}
	mkdir -p "$dir/data"
	cat >"$dir/onair.yaml" <<EOF
listen: "127.0.0.1:$port"
shoutcast_port: 0
data_dir: "$dir/data"
source_password: "$source_pw"
admin_password: "$admin_pw"
max_listeners: 0
burst_size: 65536
metaint: 16000
stations: []
$extra
EOF
	grep -q '^mounts:' "$dir/onair.yaml" || printf 'mounts:\n  - path: /live\n' >>"$dir/onair.yaml"
	GODEBUG=${server_godebug:-} "$tmp/onair" -config "$dir/onair.yaml" >"$dir/server.log" 2>&1 &
	server_pid=$!
	pids+=("$server_pid")
	wait_status "http://127.0.0.1:$port/status-json.xsl" 200 100
}

# start_source PORT MOUNT LOG: an ffmpeg sine at 128 kbps, at real time.
start_source() {
	ffmpeg -nostdin -hide_banner -loglevel error -re \
		-f lavfi -i "sine=frequency=440:sample_rate=44100" -ac 2 \
		-c:a libmp3lame -b:a 128k -content_type audio/mpeg \
		-f mp3 "icecast://source:$source_pw@127.0.0.1:$1$2" >"$3" 2>&1 &
	source_pid=$!
	pids+=("$source_pid")
}

# load NAME ARGS...: run onair-load in the background (so that a signal is
# handled at once) into $tmp/NAME.json. Exit code 1 is a finding, not a
# failure to run.
load() {
	local name=$1 rc=0 lp
	shift
	"$tmp/onair-load" -ramp "$ramp" -duration "${duration}s" -json "$@" \
		>"$tmp/$name.json" 2>"$tmp/$name.load.log" &
	lp=$!
	pids+=("$lp")
	wait "$lp" || rc=$?
	stop "$lp"
	if ((rc == 2)); then
		log "onair-load $name failed:"
		cat "$tmp/$name.load.log" >&2
		return 1
	fi
	if [[ -n $outdir ]]; then
		cp "$tmp/$name.json" "$tmp/$name.load.log" "$outdir/"
	fi
}

keep_logs() { # NAME DIR: the servers' logs, with -o
	[[ -z $outdir ]] && return 0
	local f
	for f in "$2"/*.log; do [[ -f $f ]] && cp "$f" "$outdir/$1.$(basename "$f")"; done
	return 0
}

# last_live_heap LOG: MiB live after the last collection gctrace reported
# ("gc N @…: …, 4->4->2 MB, …": the third figure).
last_live_heap() {
	grep -o '[0-9]*->[0-9]*->[0-9]* MB' "$1" | tail -1 | sed 's/.*->\([0-9]*\) MB/\1/' | grep . || echo 0
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# jq helpers for the tables.
jqdefs='def f(x; d): if x == null then "–" else (x * pow(10; d) | round / pow(10; d) | tostring) end;
def mib(x): f(x / 1024; 1);
def reasons(m): if (m // {} | length) == 0 then "" else " (" + (m | to_entries | map("\(.key) \(.value)") | join(", ")) + ")" end;'

# --- edge: the origin's cost, with and without an edge in front ---------
edge_rows=""
run_edge() {
	local via=$1 oport eport odir edir url opid epid name
	oport=$(free_port)
	odir="$tmp/$via-origin"
	start_onair "$oport" "$odir"
	opid=$server_pid
	start_source "$oport" /live "$odir/source.log"
	wait_status "http://127.0.0.1:$oport/live" 200 100
	name="edge-$via-$edge_n"
	if [[ $via == edge ]]; then
		eport=$(free_port)
		edir="$tmp/$via-edge"
		start_onair "$eport" "$edir" "mounts: []
relays:
  - mount: /live
    upstreams: [\"http://127.0.0.1:$oport/live\"]"
		epid=$server_pid
		wait_status "http://127.0.0.1:$eport/live" 200 100
		sleep 5 # burst buffers fill, idle memory settles
		log "edge: $edge_n listeners on the edge (pid $epid) of the origin (pid $opid)"
		load "$name" -url "http://127.0.0.1:$eport/live" -n "$edge_n" -stream-rate 16000 \
			-pid "$epid" -watch "origin=$opid"
		kill -0 "$epid" 2>/dev/null || log "warning: the edge exited during the run"
		keep_logs "$name-edge" "$edir"
		stop "$epid"
	else
		sleep 5
		log "edge: $edge_n listeners on the origin (pid $opid) directly"
		load "$name" -url "http://127.0.0.1:$oport/live" -n "$edge_n" -stream-rate 16000 \
			-watch "origin=$opid"
	fi
	kill -0 "$opid" 2>/dev/null || log "warning: the origin exited during the run"
	keep_logs "$name-origin" "$odir"
	stop "$source_pid" "$opid"
	edge_rows+=$(jq -r --arg via "$via" "$jqdefs"'
		.watched.origin as $o |
		"| \(if $via == "edge" then "on one edge" else "on the origin" end) | \(.connects.succeeded)/\(.connects.attempted)\(reasons(.connects.reasons)) | \(.held.steady_end) | \(.drops.total)\(reasons(.drops.reasons)) | \(.framing.errors) / \(.framing.unsynced) | \(f(.times.first_audio.p50_ms; 1)) | \(f($o.cpu_percent; 2)) | \(f($o.cpu_seconds; 2)) | \(mib($o.rss_idle_kib)) → \(mib($o.rss_load_kib)) | \(if .server then f(.server.cpu_percent; 1) else "–" end) | \(if .server then mib(.server.rss_idle_kib) + " → " + mib(.server.rss_load_kib) else "–" end) |"
	' "$tmp/$name.json")$'\n'
	sleep 2
}

# --- hls: behind nginx, against direct ICY listeners ----------------------
start_nginx() { # PORT UPSTREAM DIR -> $nginx_pid
	local port=$1 upstream=$2 dir=$3
	mkdir -p "$dir/cache"
	# One process (no master), as broadcast/hls_nginx_test.go runs it; the
	# location block is the README's. The access log says for every request
	# whether it went upstream.
	cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile $((hls_n * 2 + 1024));
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $((hls_n * 2 + 512)); }
http {
    log_format cache '\$remote_addr - - [\$time_local] "\$request" \$status \$body_bytes_sent "-" "\$http_user_agent" \$upstream_cache_status';
    access_log $dir/access.log cache;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    keepalive_requests 100000;
    proxy_cache_path $dir/cache levels=1:2 keys_zone=onair_hls:10m max_size=1g inactive=10m use_temp_path=off;
    server {
        listen 127.0.0.1:$port;
        location ~ ^/hls/|\.m3u8\$ {
            proxy_pass http://$upstream;
            proxy_cache onair_hls;
            proxy_cache_lock on;
            proxy_cache_revalidate on;
            proxy_cache_use_stale updating;
            add_header X-Cache-Status \$upstream_cache_status;
        }
        location / {
            proxy_pass http://$upstream;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }
    }
}
EOF
	nginx -p "$dir" -c "$dir/nginx.conf" >"$dir/nginx.out" 2>&1 &
	nginx_pid=$!
	pids+=("$nginx_pid")
}

hls_rows=""
run_hls() {
	local mode=$1 port dir pid nport ndir name
	port=$(free_port)
	dir="$tmp/hls-$mode"
	start_onair "$port" "$dir" "hls_segment_seconds: $seg
access_log: \"$dir/access.log\""
	pid=$server_pid
	start_source "$port" /live "$dir/source.log"
	wait_status "http://127.0.0.1:$port/live" 200 100
	# The playlist is there once the first segment is full.
	wait_status "http://127.0.0.1:$port/live.m3u8" 200 $((seg * 5 + 50))
	name="hls-$mode-$hls_n"
	if [[ $mode == hls ]]; then
		nport=$(free_port)
		ndir="$tmp/hls-nginx"
		start_nginx "$nport" "127.0.0.1:$port" "$ndir"
		wait_status "http://127.0.0.1:$nport/live.m3u8" 200 100
		sleep 2
		log "hls: $hls_n HLS listeners through nginx (pid $nginx_pid) on OnAir (pid $pid), ${seg} s segments"
		load "$name" -hls -url "http://127.0.0.1:$nport/live.m3u8" -n "$hls_n" \
			-pid "$pid" -watch "nginx=$nginx_pid" \
			-count-log "onair=$dir/access.log" -count-log "nginx=$ndir/access.log"
		keep_logs "$name-nginx" "$ndir"
		stop "$nginx_pid"
	else
		sleep 5
		log "hls: $hls_n direct ICY listeners on OnAir (pid $pid)"
		load "$name" -url "http://127.0.0.1:$port/live" -n "$hls_n" -stream-rate 16000 \
			-pid "$pid" -count-log "onair=$dir/access.log"
	fi
	kill -0 "$pid" 2>/dev/null || log "warning: OnAir exited during the run"
	keep_logs "$name-onair" "$dir"
	stop "$source_pid" "$pid"
	if [[ $mode == hls ]]; then
		hls_rows+=$(jq -r "$jqdefs"'
			"| HLS via nginx | \(.started)/\(.listeners)\(reasons(.reasons)) | \(.playing_at_end) | \(.steady.errors) errors, \(.steady.missed_segments) missed, \(.steady.bad_segments) bad | \(f(.server.cpu_percent; 2)) | \(mib(.server.rss_idle_kib)) → \(mib(.server.rss_load_kib)) | \(f(.logs.onair.per_second; 2)) (\(.logs.onair.playlists) playlists, \(.logs.onair.segments) segments) | \(f(.steady.requests_per_sec; 1)) | \(f(.watched.nginx.cpu_percent; 1)) |"
		' "$tmp/$name.json")$'\n'
	else
		hls_rows+=$(jq -r "$jqdefs"'
			"| ICY direct | \(.connects.succeeded)/\(.connects.attempted)\(reasons(.connects.reasons)) | \(.held.steady_end) | \(.drops.total) drops, \(.slow) slow, \(.framing.errors) framing errors | \(f(.server.cpu_percent; 2)) | \(mib(.server.rss_idle_kib)) → \(mib(.server.rss_load_kib)) | \(f(.logs.onair.per_second; 2)) (connections held, not logged until they end) | – | – |"
		' "$tmp/$name.json")$'\n'
	fi
	sleep 2
}

# --- memory: RSS per HLS mount --------------------------------------------
mem_rows=""
run_memory() {
	local p1 pm d1 dm pid1 pidm i yaml fill t rss1a rssma rss1 rssm live1 livem
	p1=$(free_port)
	pm=$(free_port)
	d1="$tmp/mem-1"
	dm="$tmp/mem-$((extra_mounts + 1))"
	yaml="mounts:"
	for i in $(seq 0 "$extra_mounts"); do yaml+=$'\n'"  - path: /m$i"; done
	# gctrace: the live heap after each collection, beside the RSS, which
	# also holds the collector's headroom (GOGC=100).
	server_godebug=gctrace=1
	start_onair "$p1" "$d1" "mounts:
  - path: /m0"
	pid1=$server_pid
	start_onair "$pm" "$dm" "$yaml"
	pidm=$server_pid
	server_godebug=""
	start_source "$p1" /m0 "$d1/source.log"
	for i in $(seq 0 "$extra_mounts"); do
		start_source "$pm" "/m$i" "$dm/source-$i.log"
		sleep 0.2 # a dozen ffmpeg starting at once on two loaded cores
	done
	for i in $(seq 0 "$extra_mounts"); do wait_status "http://127.0.0.1:$pm/m$i" 200 100; done
	wait_status "http://127.0.0.1:$p1/m0" 200 100
	# Both side by side: the same load on the machine for both. RSS once
	# the first segment is cut, and once the window (6 listed + 2 grace)
	# and two more segment times have passed.
	wait_status "http://127.0.0.1:$p1/m0.m3u8" 200 100
	rss1a=$(rss_kib "$pid1")
	rssma=$(rss_kib "$pidm")
	fill=$(((6 + 2 + 2) * 6))
	log "memory: 1 and $((extra_mounts + 1)) mounts fed; waiting ${fill}s for full HLS windows"
	for t in $(seq "$fill"); do sleep 1; done
	rss1=$(rss_kib "$pid1")
	rssm=$(rss_kib "$pidm")
	if [[ -n $outdir ]]; then
		curl -s "http://127.0.0.1:$pm/m0.m3u8" >"$outdir/memory-m0.m3u8" || true
	fi
	live1=$(last_live_heap "$d1/server.log")
	livem=$(last_live_heap "$dm/server.log")
	keep_logs memory-1 "$d1"
	keep_logs "memory-$((extra_mounts + 1))" "$dm"
	stop "${pids[@]}"
	mem_rows+="| RSS, first segment cut (6 s after the sources) | $(awk -v a="$rss1a" 'BEGIN{printf "%.1f", a/1024}') | $(awk -v a="$rssma" 'BEGIN{printf "%.1f", a/1024}') | $(awk -v a="$rss1a" -v b="$rssma" -v m="$extra_mounts" 'BEGIN{printf "%.0f", (b-a)/m}') |"$'\n'
	mem_rows+="| live heap at the last collection (gctrace) | $live1 | $livem | $(awk -v a="$live1" -v b="$livem" -v m="$extra_mounts" 'BEGIN{printf "%.0f", (b-a)*1024/m}') |"$'\n'
	mem_rows+="| RSS, $fill s after the first segment | $(awk -v a="$rss1" 'BEGIN{printf "%.1f", a/1024}') | $(awk -v a="$rssm" 'BEGIN{printf "%.1f", a/1024}') | $(awk -v a="$rss1" -v b="$rssm" -v m="$extra_mounts" 'BEGIN{printf "%.0f", (b-a)/m}') |"$'\n'
}

load_before=$(cut -d" " -f1-3 /proc/loadavg)
log "load before: $load_before, $(nproc) CPUs"
echo "$(nproc) CPUs; load average before $load_before; steady window ${duration} s after a ramp at ${ramp}/s."
for part in "${parts[@]}"; do
	case $part in
	edge)
		run_edge edge
		run_edge direct
		cat <<EOF

$edge_n ICY listeners, on one edge or on the origin directly (load average now $(cut -d' ' -f1-3 /proc/loadavg)):

| listeners | connected | held at end | drops | framing errors / starts not on a frame | first audio p50 (ms) | origin CPU % | origin CPU-s in the window | origin RSS idle → loaded (MiB) | edge CPU % | edge RSS idle → loaded (MiB) |
|---|---|---:|---|---|---:|---:|---:|---|---:|---|
${edge_rows%$'\n'}
EOF
		;;
	hls)
		run_hls hls
		run_hls icy
		cat <<EOF

$hls_n listeners on OnAir (${seg} s segments), as HLS through nginx or as ICY directly (load average now $(cut -d' ' -f1-3 /proc/loadavg)):

| listeners | started | playing at end | faults in the window | OnAir CPU % | OnAir RSS idle → loaded (MiB) | requests/s OnAir saw | requests/s the listeners made | nginx CPU % |
|---|---|---:|---|---:|---|---|---:|---:|
${hls_rows%$'\n'}
EOF
		;;
	memory)
		run_memory
		cat <<EOF

RSS (MiB) of OnAir with 1 and $((extra_mounts + 1)) passthrough mounts fed at 128 kbps, HLS 6 s × (6 + 2) (load average now $(cut -d' ' -f1-3 /proc/loadavg)):

| when | 1 mount | $((extra_mounts + 1)) mounts | KiB per extra mount |
|---|---:|---:|---:|
${mem_rows%$'\n'}
EOF
		;;
	*) log "unknown part $part"; exit 2 ;;
	esac
done
log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
