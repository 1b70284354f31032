#!/bin/sh
# Generated from libs/contracts by tools/deploy/topics.ts: do not edit by hand.
# Creates pushmail's topics with their partitions and configuration (single broker: one replica).
set -eu
bootstrap="${KAFKA_BOOTSTRAP:-kafka:9092}"
bin=/opt/kafka/bin

echo "topic pushmail.mail.arrived.v1"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic pushmail.mail.arrived.v1 --partitions 6 --replication-factor 1 \
  --config cleanup.policy=delete \
  --config retention.ms=604800000 \
  --config max.message.bytes=50331648 \
  --config min.insync.replicas=1
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name pushmail.mail.arrived.v1 \
  --add-config cleanup.policy=delete,retention.ms=604800000,max.message.bytes=50331648,min.insync.replicas=1

echo "topic pushmail.mailbox.changed.v1"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic pushmail.mailbox.changed.v1 --partitions 6 --replication-factor 1 \
  --config cleanup.policy=delete \
  --config retention.ms=259200000
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name pushmail.mailbox.changed.v1 \
  --add-config cleanup.policy=delete,retention.ms=259200000

echo "topic pushmail.mail.submitted.v1"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic pushmail.mail.submitted.v1 --partitions 6 --replication-factor 1 \
  --config cleanup.policy=delete \
  --config retention.ms=604800000 \
  --config max.message.bytes=50331648 \
  --config min.insync.replicas=1
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name pushmail.mail.submitted.v1 \
  --add-config cleanup.policy=delete,retention.ms=604800000,max.message.bytes=50331648,min.insync.replicas=1

echo "topic pushmail.mail.delivery-status.v1"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic pushmail.mail.delivery-status.v1 --partitions 6 --replication-factor 1 \
  --config cleanup.policy=delete \
  --config retention.ms=604800000
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name pushmail.mail.delivery-status.v1 \
  --add-config cleanup.policy=delete,retention.ms=604800000

echo "topic pushmail.account.v1"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic pushmail.account.v1 --partitions 3 --replication-factor 1 \
  --config cleanup.policy=compact \
  --config min.compaction.lag.ms=0 \
  --config segment.ms=86400000
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name pushmail.account.v1 \
  --add-config cleanup.policy=compact,min.compaction.lag.ms=0,segment.ms=86400000

echo "topic pushmail.device-credentials.v1"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic pushmail.device-credentials.v1 --partitions 3 --replication-factor 1 \
  --config cleanup.policy=compact \
  --config min.compaction.lag.ms=0 \
  --config segment.ms=86400000
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name pushmail.device-credentials.v1 \
  --add-config cleanup.policy=compact,min.compaction.lag.ms=0,segment.ms=86400000

echo "topic pushmail.device.event.v1"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic pushmail.device.event.v1 --partitions 3 --replication-factor 1 \
  --config cleanup.policy=delete \
  --config retention.ms=2592000000
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name pushmail.device.event.v1 \
  --add-config cleanup.policy=delete,retention.ms=2592000000

echo "topic pushmail.device.trail.v1"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic pushmail.device.trail.v1 --partitions 3 --replication-factor 1 \
  --config cleanup.policy=delete \
  --config retention.ms=604800000
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name pushmail.device.trail.v1 \
  --add-config cleanup.policy=delete,retention.ms=604800000

echo "topic pushmail.dead-letter.v1"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic pushmail.dead-letter.v1 --partitions 3 --replication-factor 1 \
  --config cleanup.policy=delete \
  --config retention.ms=2592000000 \
  --config max.message.bytes=67108864
"$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name pushmail.dead-letter.v1 \
  --add-config cleanup.policy=delete,retention.ms=2592000000,max.message.bytes=67108864
