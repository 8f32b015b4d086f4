#!/usr/bin/env bash
# compare-liquidsoap.sh: OnAir's AutoDJ and Debian's liquidsoap doing the
# same job, one after the other on the same machine: play the same folder
# of MP3 files shuffled with a 3 s crossfade, encode MP3 at 128 kbps and
# send it to a local mount. For each it samples the process's CPU
# (utime+stime from /proc/PID/stat) over a steady window after a warm-up,
# and its resident memory (VmRSS at the end, VmHWM the peak), and prints a
# Markdown table: CPU-seconds per hour of audio and MiB resident.
#
# OnAir's station writes to its own /stream (the whole server, one process,
# is measured). liquidsoap's output.icecast sends to a second, unmeasured
# OnAir with no station. Both encode with LAME at the same quality (-q):
# OnAir's mp3_quality and liquidsoap's %mp3(internal_quality=…).
#
# Usage: scripts/compare-liquidsoap.sh [-d SECONDS] [-w WARMUP] [-n TRACKS] [-q QUALITY]
#            [-r FILTER] [-e 'VAR=V …']… [-L] [-o DIR]
#   -d SECONDS   steady window per run (default 120)
#   -w WARMUP    seconds before the window starts (default 10)
#   -n TRACKS    tracks of 40 s made for the folder (default 8; half at 48 kHz)
#   -q QUALITY   LAME quality 0..9 for both (default 2, liquidsoap's own default)
#   -r FILTER    OnAir's resampler: best (default) or fast
#   -e 'VAR=V …' run OnAir once more with these environment variables (for
#                GOGC and GOMEMLIMIT); repeat for more runs, each a row
#   -L           OnAir only: leave liquidsoap out
#   -o DIR       keep logs in DIR
#
# Needs: go, ffmpeg (libmp3lame), curl, and liquidsoap unless -L.
set -euo pipefail

duration=120
warmup=10
ntracks=8
quality=2
resampler=best
envs=()
liquidsoap=1
outdir=""
while (($#)); do
	case "$1" in
	-d) duration="$2"; shift 2 ;;
	-w) warmup="$2"; shift 2 ;;
	-n) ntracks="$2"; shift 2 ;;
	-q) quality="$2"; shift 2 ;;
	-r) resampler="$2"; shift 2 ;;
	-e) envs+=("$2"); shift 2 ;;
	-L) liquidsoap=0; shift ;;
	-o) outdir="$2"; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
done
[[ $quality =~ ^[0-9]$ ]] || { echo "compare-liquidsoap: -q must be 0..9, not $quality" >&2; exit 2; }
[[ $resampler == best || $resampler == fast ]] || { echo "compare-liquidsoap: -r must be best or fast, not $resampler" >&2; exit 2; }
tools=(go ffmpeg curl)
((liquidsoap)) && tools+=(liquidsoap)
for tool in "${tools[@]}"; do
	command -v "$tool" >/dev/null || { echo "compare-liquidsoap: $tool not found (apt-get install ${tool/go/golang})" >&2; exit 2; }
done

repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/compare-liquidsoap.XXXXXX)
[[ -n $outdir ]] && mkdir -p "$outdir"
log() { printf 'compare-liquidsoap: %s\n' "$*" >&2; }
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	[[ -n $outdir ]] && cp "$tmp"/*.log "$outdir"/ 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 10000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "compare-liquidsoap: no free port" >&2
	return 1
}

wait_stream() { # URL: until it answers 200 with audio
	for _ in $(seq 150); do
		[[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "$1" || true) == 200 ]] && return 0
		sleep 0.2
	done
	log "no stream at $1"
	return 1
}

# cpu_ticks PID: utime+stime in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

log "building onair"
(cd "$repo" && go build -o "$tmp/onair" ./cmd/onair)

log "making $ntracks tracks of 40 s"
mkdir -p "$tmp/music"
for i in $(seq "$ntracks"); do
	rate=44100
	((i % 2 == 0)) && rate=48000
	f1=$((200 + 97 * i)); f2=$((1000 + 131 * i))
	ffmpeg -v error -f lavfi -i "anoisesrc=color=pink:amplitude=0.15:duration=40:sample_rate=$rate" \
		-f lavfi -i "sine=frequency=$f1:duration=40:sample_rate=$rate" \
		-f lavfi -i "sine=frequency=$f2:duration=40:sample_rate=$rate" \
		-filter_complex "[0][1][2]amix=inputs=3:normalize=0,volume=1.5,aformat=channel_layouts=stereo" \
		-c:a libmp3lame -b:a 192k -metadata artist="Test Artist $i" -metadata title="Track $i" \
		-y "$tmp/music/track$i.mp3"
done

ticks=$(getconf CLK_TCK)
rows=""

# measure NAME PID: sample CPU and memory over the steady window.
measure() {
	local name=$1 pid=$2 c0 c1 secs
	sleep "$warmup"
	c0=$(cpu_ticks "$pid")
	sleep "$duration"
	c1=$(cpu_ticks "$pid")
	secs=$(awk -v a="$c0" -v b="$c1" -v t="$ticks" 'BEGIN {print (b - a) / t}')
	rows+=$(awk -v n="$name" -v s="$secs" -v d="$duration" -v rss="$(kib "$pid" VmRSS)" -v hwm="$(kib "$pid" VmHWM)" \
		'BEGIN {printf "| %s | %.2f | %.1f | %.1f | %.1f |\n", n, 100 * s / d, s * 3600 / d, rss / 1024, hwm / 1024}')
	rows+=$'\n'
}

# --- OnAir: its own station on /stream, once as is and once per -e.
# run_onair N ENV: run and measure OnAir with ENV ("VAR=V …") added.
run_onair() {
	local n=$1 env=$2 port pid name=onair
	[[ -n $env ]] && name="onair $env"
	port=$(free_port)
	cat >"$tmp/onair$n.yaml" <<YAML
listen: "127.0.0.1:$port"
data_dir: "$tmp/onair-data$n"
source_password: "compare-src"
admin_password: "compare-adm"
stations:
  - id: main
    mount: /stream
    live_mount: /live
    crossfade_ms: 3000
    mp3_quality: $quality
    resampler: $resampler
    media_dirs: ["$tmp/music"]
YAML
	# $env is split into words on purpose: one VAR=V per word.
	# shellcheck disable=SC2086
	env $env "$tmp/onair" -config "$tmp/onair$n.yaml" >"$tmp/onair$n.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	wait_stream "http://127.0.0.1:$port/stream"
	log "$name: measuring pid $pid for ${warmup}+${duration} s"
	measure "$name" "$pid"
	kill "$pid"; wait "$pid" 2>/dev/null || true
}
run_onair 0 ""
for i in "${!envs[@]}"; do
	run_onair $((i + 1)) "${envs[$i]}"
done

# --- liquidsoap into a second OnAir (not measured).
if ((liquidsoap)); then
	sport=$(free_port)
	cat >"$tmp/sink.yaml" <<YAML
listen: "127.0.0.1:$sport"
data_dir: "$tmp/sink-data"
source_password: "compare-src"
admin_password: "compare-adm"
stations: []
mounts:
  - path: /live
YAML
	"$tmp/onair" -config "$tmp/sink.yaml" >"$tmp/sink.log" 2>&1 &
	pids+=("$!")
	cat >"$tmp/radio.liq" <<LIQ
settings.init.allow_root.set(true)
settings.log.stdout.set(true)
settings.log.file.set(false)
s = playlist(mode="randomize", reload_mode="watch", "$tmp/music")
s = crossfade(duration=3., s)
s = mksafe(s)
output.icecast(%mp3(bitrate=128, samplerate=44100, stereo=true, internal_quality=$quality), host="127.0.0.1", port=$sport,
  password="compare-src", mount="/live", name="liquidsoap", s)
LIQ
	liquidsoap "$tmp/radio.liq" >"$tmp/liquidsoap.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	wait_stream "http://127.0.0.1:$sport/live"
	log "liquidsoap: measuring pid $pid for ${warmup}+${duration} s"
	measure liquidsoap "$pid"
fi

echo
echo "Steady window ${duration} s after ${warmup} s; $ntracks tracks of 40 s (MP3 192 kbps, half 44.1 kHz, half 48 kHz), 3 s crossfade, MP3 128 kbps out at LAME quality $quality, OnAir's resampler $resampler; $(nproc) CPUs."
echo
echo "| program | CPU % of a core | CPU-s per hour of audio | RSS at end (MiB) | peak RSS (MiB) |"
echo "|---|---:|---:|---:|---:|"
printf '%s' "$rows"
