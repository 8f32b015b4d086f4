#!/usr/bin/env bash
# bench-go.sh OUT [TREE]: the Go benchmarks docs/BENCHMARKS.md quotes, for
# the tree at TREE (default: this one), COUNT times each (default 3), into
# OUT. Trees from before the codec layer (frames/, mixer/decode/layer3,
# mixer/resample, mixer/encoder, the library in playlist/) are known too,
# so that a change can be measured side by side with what came before:
#
#   git worktree add /tmp/before <rev>
#   for i in 1 2; do scripts/bench-go.sh /tmp/b$i.txt /tmp/before; scripts/bench-go.sh /tmp/a$i.txt; done
#   cat /tmp/b?.txt >/tmp/b.txt; cat /tmp/a?.txt >/tmp/a.txt
#   benchstat -ignore pkg /tmp/b.txt /tmp/a.txt
#
# (benchstat: go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da)
set -euo pipefail
out=$(realpath -m "$1")
cd "${2:-$(dirname "$0")/..}"
count=${COUNT:-3}
if [ -d codec ]; then
	frames="./codec/frames/ ./codec/mpeg/"
	decode="./mixer/decode/ ./codec/layer3/ ./dsp/resample/ ./codec/mp3enc/"
	library="./library/ ./playlist/"
else
	frames="./frames/"
	decode="./mixer/decode/ ./mixer/decode/layer3/ ./mixer/resample/ ./mixer/encoder/"
	library="./playlist/"
fi
bench() { go test -run '^$' -benchmem -count "$count" "$@" >>"$out"; }
: >"$out"
bench -bench . $frames ./icy/
bench -bench ICYCompose ./broadcast/
bench -bench 'WriterPass|ListenerMemory' -benchtime 2000x ./broadcast/
bench -bench 'Chain|MixLimit' -benchtime 3000x ./mixer/
bench -bench . $decode
bench -bench 'Pick|Probe|Rescan' $library
