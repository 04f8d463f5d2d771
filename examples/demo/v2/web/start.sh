#!/bin/sh
# A hand-over service: once this container serves, it tells the agent (through the
# balena lock directory) that the old container can go.
mkdir -p /www && echo "web v2" > /www/index.html
httpd -p 8081 -h /www
touch /tmp/balena/handover-complete
trap 'exit 0' TERM
while true; do sleep 3600 & wait $!; done
