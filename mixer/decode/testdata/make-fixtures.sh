#!/usr/bin/env bash
# Makes the decoder's test fixtures for listening by hand: the same tones,
# encoders and tags that the Go tests generate into t.TempDir() with
# ffmpeg (fixtures_test.go and the tests' tables). The tests do NOT run
# this script and nothing here is committed output.
#
#   testdata/make-fixtures.sh [outdir]   (default: ./decode-fixtures)
#
# Needs ffmpeg with libmp3lame and libvorbis (apt-get install ffmpeg).
set -euo pipefail
out=${1:-decode-fixtures}
mkdir -p "$out"
cd "$out"

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
# tone RATE SECONDS FREQ... : aevalsrc source, one sine at 0.5 per channel
tone() {
  local rate=$1 secs=$2; shift 2
  local exprs=()
  for f in "$@"; do exprs+=("0.5*sin(2*PI*$f*t)"); done
  local IFS='|'
  echo "aevalsrc=${exprs[*]}:s=$rate:d=$secs"
}
cbr=(-c:a libmp3lame -b:a 128k -f mp3)
vbr=(-c:a libmp3lame -q:a 4 -f mp3)
vorbis=(-c:a libvorbis -q:a 5 -f ogg)

# Tones: left and right at different frequencies, 2 s.
ff -f lavfi -i "$(tone 44100 2 440 660)" "${cbr[@]}" cbr128.mp3
ff -f lavfi -i "$(tone 44100 2 550 880)" "${vbr[@]}" vbr-q4.mp3
ff -f lavfi -i "$(tone 48000 2 1000 1500)" "${cbr[@]}" -b:a 192k 48k.mp3
ff -f lavfi -i "$(tone 32000 2 700 350)" "${cbr[@]}" -b:a 96k 32k.mp3
ff -f lavfi -i "$(tone 22050 2 500 750)" "${cbr[@]}" -b:a 64k 22k-mpeg2.mp3
ff -f lavfi -i "$(tone 44100 2 440)" "${cbr[@]}" -b:a 64k mono.mp3
ff -f lavfi -i "$(tone 22050 2 300)" "${vbr[@]}" mono-vbr-22k.mp3
ff -f lavfi -i "$(tone 11025 2 300 450)" "${cbr[@]}" -b:a 32k 11k-mpeg25.mp3
ff -f lavfi -i "$(tone 8000 2 400)" "${cbr[@]}" -b:a 16k mono-8k-mpeg25.mp3
ff -f lavfi -i "$(tone 44100 2 440 660)" "${vorbis[@]}" vorbis.ogg
ff -f lavfi -i "$(tone 48000 2 1000)" "${vorbis[@]}" vorbis-mono-48k.ogg
ff -f lavfi -i "$(tone 44100 2 440 660)" "${cbr[@]}" -write_xing 0 no-info-tag.mp3
# 5.0 surround: 440 Hz front left, 660 Hz centre (the decoder's downmix
# puts the centre on both sides at -3 dB).
ff -f lavfi -i "aevalsrc=0.5*sin(2*PI*440*t)|0|0.5*sin(2*PI*660*t)|0|0:s=48000:d=2:c=5.0" "${vorbis[@]}" surround-5.0.ogg

# Gapless: a 1 s file must decode to exactly 44100 frames, the click at
# frame 10000.
ff -f lavfi -i "aevalsrc=if(eq(n\\,10000)\\,0.9\\,0):s=44100:d=1" "${cbr[@]}" click-1s.mp3
ff -f lavfi -i "$(tone 44100 1 440)" "${cbr[@]}" tone-1s.mp3

# Tags.
meta=(-metadata "artist=Björk & Ünïcode" -metadata "title=Jóga – live" -metadata album=Homogenic)
ff -f lavfi -i "$(tone 44100 1 440)" "${cbr[@]}" "${meta[@]}" -id3v2_version 3 tags-id3v23.mp3
ff -f lavfi -i "$(tone 44100 1 440)" "${cbr[@]}" "${meta[@]}" -id3v2_version 4 tags-id3v24.mp3
ff -f lavfi -i "$(tone 44100 1 440)" "${vorbis[@]}" "${meta[@]}" tags-vorbis.ogg
ff -f lavfi -i "$(tone 44100 1 440)" "${cbr[@]}" -id3v2_version 0 -map_metadata -1 "01 Untagged Song.mp3"
# ID3v1 only, Windows-1252: title "Café – Olé", artist "Sigur Rós".
ff -f lavfi -i "$(tone 44100 1 440)" "${cbr[@]}" -id3v2_version 0 -map_metadata -1 id3v1-cp1252.mp3
{
  printf 'TAG'
  printf 'Caf\xe9 \x96 Ol\xe9'; head -c $((30 - 10)) /dev/zero
  printf 'Sigur R\xf3s'; head -c $((30 - 9)) /dev/zero
  head -c 30 /dev/zero
  printf '1999'
  head -c 30 /dev/zero
  printf '\xff'
} >> id3v1-cp1252.mp3

# Broken files.
size=$(stat -c %s cbr128.mp3)
head -c $((size * 40 / 100)) cbr128.mp3 > truncated-40pct.mp3
head -c 65536 /dev/urandom > random-bytes.mp3
: > empty.mp3

ls -l
