#!/bin/sh
# Data that must survive updates goes to the named volume, never the container filesystem.
echo "api $RELEASE (with the v2 start script) started at $(date -u +%FT%TZ)" >> /data/history.txt
trap 'exit 0' TERM
while true; do sleep 3600 & wait $!; done
