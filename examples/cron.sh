#!/bin/sh
# Daily waste snapshot from cron, e.g.:
#   15 6 * * *  /opt/cloudwaste/cron.sh >>/var/log/cloudwaste.log 2>&1
# Exit codes 0 (ok) and 3 (gate breached) are normal; 4 (incomplete with --strict), 5 (no credentials)
# and 1/2 (errors) deserve an alert. A breached gate (3) outranks an incomplete scan (4): read
# scan.status in the JSON when 3 is returned.
set -u
out=/var/lib/cloudwaste
mkdir -p "$out"
AWS_PROFILE=finops-readonly cloudwaste scan aws -r all --quiet --strict \
  --format json --output "$out/waste-$(date +%F).json" --export "$out/waste-latest.csv"
rc=$?
case $rc in
  0|3) exit 0 ;;
  *) echo "cloudwaste failed with exit $rc" >&2; exit $rc ;;
esac
