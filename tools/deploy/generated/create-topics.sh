#!/bin/sh
# Generated from libs/contracts by tools/deploy/topics.ts: do not edit by hand.
# Creates pushmail's topics with their partitions and configuration (single broker: one replica).
set -eu
bootstrap="${KAFKA_BOOTSTRAP:-kafka:9092}"
bin="${KAFKA_BIN:-/opt/kafka/bin}"

# create_topic NAME PARTITIONS CONFIG: created when missing, with CONFIG (name=value,...) set either way.
create_topic() {
  echo "topic $1"
  topic=$1 partitions=$2 configs=$3
  set --
  saved_ifs=$IFS
  IFS=,
  for entry in $configs; do set -- "$@" --config "$entry"; done
  IFS=$saved_ifs
  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor 1 "$@"
  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics \
    --entity-name "$topic" --add-config "$configs"
}

create_topic pushmail.mail.arrived.v1 6 cleanup.policy=delete,retention.ms=604800000,max.message.bytes=50331648,min.insync.replicas=1
create_topic pushmail.mailbox.changed.v1 6 cleanup.policy=delete,retention.ms=259200000
create_topic pushmail.mail.submitted.v2 6 cleanup.policy=delete,retention.ms=604800000,max.message.bytes=50331648,min.insync.replicas=1
create_topic pushmail.mail.delivery-status.v1 6 cleanup.policy=delete,retention.ms=604800000
create_topic pushmail.account.v1 3 cleanup.policy=compact,min.compaction.lag.ms=0,segment.ms=86400000
create_topic pushmail.device-credentials.v1 3 cleanup.policy=compact,min.compaction.lag.ms=0,segment.ms=86400000
create_topic pushmail.device.event.v1 3 cleanup.policy=delete,retention.ms=2592000000
create_topic pushmail.device.trail.v1 3 cleanup.policy=delete,retention.ms=604800000
create_topic pushmail.dead-letter.v1 3 cleanup.policy=delete,retention.ms=2592000000,max.message.bytes=67108864
