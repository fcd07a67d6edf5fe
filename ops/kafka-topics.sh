#!/usr/bin/env bash
# Creates medclear's topics on a real Kafka cluster: for each region claims.<R>, settlements.<R>
# and dead-letters.<R>, replication factor 3, min.insync.replicas=2 (a write is acknowledged by
# two replicas; one broker may fail without losing an acknowledged claim).
#   ops/kafka-topics.sh BOOTSTRAP [PARTITIONS] [REGIONS...]
# Needs Apache Kafka's kafka-topics.sh on PATH (not a Debian package); with --dry-run it prints the
# commands instead. Security settings go in KAFKA_COMMAND_CONFIG (a client .properties file).
set -euo pipefail
dry_run=0
if [ "${1:-}" = "--dry-run" ]; then dry_run=1; shift; fi
bootstrap="${1:?usage: ops/kafka-topics.sh [--dry-run] BOOTSTRAP [PARTITIONS] [REGIONS...]}"
partitions="${2:-48}"
shift $(( $# >= 2 ? 2 : $# ))
regions=("$@")
if [ ${#regions[@]} -eq 0 ]; then
  regions=(110000 120000 130000 140000 150000 210000 220000 230000 310000 320000 330000 340000
           350000 360000 370000 410000 420000 430000 440000 450000 460000 500000 510000 520000
           530000 540000 610000 620000 630000 640000 650000)
fi
config=()
if [ -n "${KAFKA_COMMAND_CONFIG:-}" ]; then config=(--command-config "$KAFKA_COMMAND_CONFIG"); fi
for region in "${regions[@]}"; do
  for topic in "claims.$region" "settlements.$region" "dead-letters.$region"; do
    parts="$partitions"
    if [ "${topic%%.*}" = "dead-letters" ]; then parts=3; fi
    cmd=(kafka-topics.sh --bootstrap-server "$bootstrap" "${config[@]}" --create --if-not-exists
         --topic "$topic" --partitions "$parts" --replication-factor 3
         --config min.insync.replicas=2 --config retention.ms=604800000)
    if [ "$dry_run" = 1 ]; then echo "${cmd[*]}"; else "${cmd[@]}"; fi
  done
done
