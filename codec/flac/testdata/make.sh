#!/bin/sh
# Makes the fixtures the fuzz targets start from (committed; run from this
# folder to make them again): a short stereo tone with noise, 16 bits,
# blocks of 576 so that it holds several frames, with a title and a
# picture-less comment block; and the same as Ogg FLAC.
set -e
src='aevalsrc=0.4*sin(2*PI*440*t)+0.05*random(0)|0.3*sin(2*PI*660*t):s=44100:d=0.08'
ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "$src" -sample_fmt s16 \
  -c:a flac -frame_size 576 -metadata artist=Tester -metadata title=Seed seed.flac
ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "$src" -sample_fmt s16 \
  -c:a flac -frame_size 576 -metadata title=Seed -f ogg seed.oga
