#!/usr/bin/env bash
# compare-icecast.sh: OnAir and Debian's icecast2 side by side, one at a time,
# on the same machine, the same source and the same listener load.
#
# For each listener count N (default 1000 5000 10000) and each server, it
# starts the server on 127.0.0.1, pushes the same ffmpeg sine (128 kbps MP3)
# to /live, changes the title every 10 s, and runs cmd/onair-load against it:
# N listeners ramped up at -r per second, then a steady window of -d seconds.
# onair-load samples the server's /proc/PID/stat (utime+stime) and VmRSS at
# both ends of the steady window (the ramp excluded) and before the first
# listener (idle, source connected). The script prints a Markdown table.
#
# Usage: scripts/compare-icecast.sh [-d SECONDS] [-r RAMP] [-o DIR]
#                                   [--only onair|icecast] [--somaxconn N] [N ...]
#   -d SECONDS      steady window per run (default 60)
#   -r RAMP         listeners connected per second, 0 = all at once (default 500)
#   -o DIR          keep each run's JSON report and server logs in DIR
#   --only SERVER   run one server only
#   --somaxconn N   set net.core.somaxconn to N for the run (restored on exit);
#                   without it no system setting is changed
#
# Needs: go, ffmpeg (libmp3lame), icecast2, curl, jq. Run it as root (icecast2
# drops to nobody:nogroup) or as a user that may bind 127.0.0.1 ports.
set -euo pipefail

duration=60
ramp=500
outdir=""
only=""
somaxconn=""
counts=()
while (($#)); do
	case "$1" in
	-d) duration="$2"; shift 2 ;;
	-r) ramp="$2"; shift 2 ;;
	-o) outdir="$2"; shift 2 ;;
	--only) only="$2"; shift 2 ;;
	--somaxconn) somaxconn="$2"; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown flag $1 (try --help)" >&2; exit 2 ;;
	*) counts+=("$1"); shift ;;
	esac
done
((${#counts[@]})) || counts=(1000 5000 10000)
servers=(onair icecast)
[[ -n $only ]] && servers=("$only")

for tool in go ffmpeg icecast2 curl jq; do
	command -v "$tool" >/dev/null || { echo "compare-icecast: $tool not found (apt-get install ${tool/go/golang})" >&2; exit 2; }
done

repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/compare-icecast.XXXXXX)
chmod 755 "$tmp" # icecast2, once it is nobody, writes its logs under it
[[ -n $outdir ]] && mkdir -p "$outdir"
log() { printf 'compare-icecast: %s\n' "$*" >&2; }

# Everything started is killed on exit, whatever the exit.
pids=()
old_somaxconn=""
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	if [[ -n $old_somaxconn ]]; then
		sysctl -q -w net.core.somaxconn="$old_somaxconn" || true
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

# Every listener, server socket and source is a descriptor.
ulimit -n "$(ulimit -Hn)"
max_n=$(printf '%s\n' "${counts[@]}" | sort -n | tail -1)
if (($(ulimit -n) < max_n + 100)); then
	log "warning: open-file limit $(ulimit -n) is below $((max_n + 100)); raise the hard limit (limits.conf, systemd LimitNOFILE)"
fi
if [[ -n $somaxconn ]]; then
	old_somaxconn=$(cat /proc/sys/net/core/somaxconn)
	sysctl -q -w net.core.somaxconn="$somaxconn"
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
	echo "compare-icecast: no free port" >&2
	return 1
}

wait_http() { # URL: until the server answers
	for _ in $(seq 100); do
		curl -s -o /dev/null -m 1 "$1" && return 0
		sleep 0.1
	done
	log "no answer from $1"
	return 1
}

wait_stream() { # URL: until the mount streams audio
	local code
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$1" || true)
		[[ $code == 200 ]] && return 0
		sleep 0.2
	done
	log "no stream at $1"
	return 1
}

source_pw=hackme-source
admin_pw=hackme-admin

start_onair() { # PORT DIR -> pid in $server_pid
	local port=$1 dir=$2
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
mounts:
  - path: /live
EOF
	"$tmp/onair" -config "$dir/onair.yaml" >"$dir/server.log" 2>&1 &
	server_pid=$!
	pids+=("$server_pid")
}

start_icecast() { # PORT DIR CLIENTS -> pid in $server_pid
	local port=$1 dir=$2 clients=$3
	mkdir -p "$dir/log"
	chown -R nobody:nogroup "$dir/log" 2>/dev/null || chmod 777 "$dir/log"
	local owner="<changeowner><user>nobody</user><group>nogroup</group></changeowner>"
	((EUID == 0)) || owner=""
	cat >"$dir/icecast.xml" <<EOF
<icecast>
  <location>loopback</location>
  <admin>nobody@localhost</admin>
  <limits>
    <clients>$clients</clients>
    <sources>4</sources>
    <queue-size>524288</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout>
    <burst-on-connect>1</burst-on-connect>
    <burst-size>65536</burst-size>
  </limits>
  <authentication>
    <source-password>$source_pw</source-password>
    <relay-password>$source_pw</relay-password>
    <admin-user>admin</admin-user>
    <admin-password>$admin_pw</admin-password>
  </authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket>
    <port>$port</port>
    <bind-address>127.0.0.1</bind-address>
  </listen-socket>
  <fileserve>1</fileserve>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>$dir/log</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot>
    <pidfile>$dir/log/icecast.pid</pidfile>
  </paths>
  <logging>
    <accesslog>access.log</accesslog>
    <errorlog>error.log</errorlog>
    <loglevel>2</loglevel>
  </logging>
  <security>
    <chroot>0</chroot>
    $owner
  </security>
</icecast>
EOF
	icecast2 -c "$dir/icecast.xml" >"$dir/server.log" 2>&1 &
	server_pid=$!
	pids+=("$server_pid")
}

# run_one SERVER N: one measured run; appends a table row to $rows.
rows=""
run_one() {
	local server=$1 n=$2 port dir base report src_pid titles_pid load_pid rc
	port=$(free_port)
	dir="$tmp/$server-$n"
	mkdir -p "$dir"
	base="http://127.0.0.1:$port"
	case $server in
	onair) start_onair "$port" "$dir" ;;
	icecast) start_icecast "$port" "$dir" "$((n + 100))" ;;
	*) log "unknown server $server"; return 1 ;;
	esac
	wait_http "$base/status-json.xsl"
	ffmpeg -nostdin -hide_banner -loglevel error -re \
		-f lavfi -i "sine=frequency=440:sample_rate=44100" -ac 2 \
		-c:a libmp3lame -b:a 128k -content_type audio/mpeg \
		-f mp3 "icecast://source:$source_pw@127.0.0.1:$port/live" >"$dir/source.log" 2>&1 &
	src_pid=$!
	pids+=("$src_pid")
	wait_stream "$base/live"
	# A title change every 10 s, the same on both servers.
	(
		trap 'kill "${sp:-}" 2>/dev/null; exit 0' TERM
		i=0
		while :; do
			i=$((i + 1))
			curl -s -o /dev/null -m 5 -u "admin:$admin_pw" \
				"$base/admin/metadata?mount=/live&mode=updinfo&song=Tone+$i+-+440+Hz" || true
			sleep 10 &
			sp=$!
			wait "$sp"
		done
	) &
	titles_pid=$!
	pids+=("$titles_pid")
	sleep 5 # the burst buffer fills; idle memory settles

	report="$dir/report.json"
	log "$server, $n listeners: ramp at $ramp/s, then ${duration}s steady (server pid $server_pid)"
	rc=0
	# In the background, so that a signal is handled at once (bash runs
	# traps only between foreground commands). Exit code 1 is a finding
	# (misframed listeners), not a failure to run.
	"$tmp/onair-load" -url "$base/live" -n "$n" -ramp "$ramp" -duration "${duration}s" \
		-stream-rate 16000 -pid "$server_pid" -json >"$report" 2>"$dir/load.log" &
	load_pid=$!
	pids+=("$load_pid")
	wait "$load_pid" || rc=$?
	stop "$load_pid"
	if ((rc == 2)); then
		log "onair-load failed:"; cat "$dir/load.log" >&2
		stop "$titles_pid" "$src_pid" "$server_pid"
		return 1
	fi
	kill -0 "$server_pid" 2>/dev/null || log "warning: $server exited during the run"
	stop "$titles_pid" "$src_pid" "$server_pid"
	if [[ -n $outdir ]]; then
		cp "$report" "$outdir/$server-$n.json"
		cp "$dir/load.log" "$outdir/$server-$n.load.log"
		cp "$dir/server.log" "$outdir/$server-$n.server.log" 2>/dev/null || true
		[[ -f $dir/log/error.log ]] && cp "$dir/log/error.log" "$outdir/$server-$n.error.log"
	fi
	rows+=$(jq -r --arg s "$server" '
		def f(x; d): if x == null then "–" else (x * pow(10; d) | round / pow(10; d) | tostring) end;
		def reasons(m): if (m | length) == 0 then "" else " (" + (m | to_entries | map("\(.key) \(.value)") | join(", ")) + ")" end;
		"| \($s) | \(.listeners) | \(.connects.succeeded)/\(.connects.attempted)\(reasons(.connects.reasons)) | \(.held.steady_end) | \(.drops.total)\(reasons(.drops.reasons)) | \(.slow) | \(.framing.errors) / \(.framing.unsynced) | \(f(.times.first_audio.p50_ms; 1)) / \(f(.times.first_audio.p99_ms; 1)) / \(f(.times.first_audio.max_ms; 0)) | \(f(.lag.p99_ms; 0)) | \(f(.throughput.per_listener.p1; 0)) | \(f(.server.cpu_percent; 1)) | \(f(.server.cpu_seconds_per_listener_hour; 4)) | \(f(.server.rss_idle_kib / 1024; 1)) → \(f(.server.rss_load_kib / 1024; 1)) | \(f(.server.rss_per_listener_kib; 2)) | \(f(.tool.cpu_seconds / (.steady_ms / 1000) * 100; 1)) |"
	' "$report")$'\n'
	sleep 2
}

log "somaxconn $(cat /proc/sys/net/core/somaxconn), tcp_max_syn_backlog $(cat /proc/sys/net/ipv4/tcp_max_syn_backlog), open files $(ulimit -n), $(nproc) CPUs"
for n in "${counts[@]}"; do
	for s in "${servers[@]}"; do
		run_one "$s" "$n"
	done
done

cat <<EOF

Steady window ${duration} s per run after a ramp at ${ramp} connections/s; $(nproc) CPUs; somaxconn $(cat /proc/sys/net/core/somaxconn).

| server | N | connected | held at end | drops | slow | ICY framing errors / starts not on a frame | first audio p50 / p99 / max (ms) | worst lag p99 (ms) | per-listener B/s p1 | server CPU % | CPU-s per listener-hour | RSS idle → loaded (MiB) | KiB per listener | load tool CPU % |
|---|---:|---|---:|---|---:|---:|---|---:|---:|---:|---:|---|---:|---:|
${rows%$'\n'}
EOF
