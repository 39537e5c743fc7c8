#!/usr/bin/env bash
# Makes Apache Kafka's jars available to the test clusters (libs/testing startKafkaBroker):
# resolves scripts/kafka/pom.xml with `mvn dependency:copy-dependencies` into
# node_modules/.cache/meridian-kafka/<version>/libs on first use (like ensure-chromium.sh does for
# Chromium), then prints that directory. Needs Java >= 17 and Maven; reaches Maven Central once.
# Progress goes to stderr; stdout carries only the path.
set -euo pipefail
VERSION="${1:-${MERIDIAN_TEST_KAFKA_VERSION:-4.1.1}}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="$ROOT/node_modules/.cache/meridian-kafka/$VERSION"
if [ -f "$CACHE/complete" ]; then echo "$CACHE/libs"; exit 0; fi
command -v java >/dev/null || { echo "[ensure-kafka] java is missing (Apache Kafka $VERSION needs Java >= 17)" >&2; exit 3; }
command -v mvn >/dev/null || { echo "[ensure-kafka] mvn is missing (it resolves Apache Kafka's jars from Maven Central)" >&2; exit 3; }
mkdir -p "$CACHE"
# Parallel test workers: one resolves, the others wait for it.
exec 9>"$CACHE.lock"
flock 9
if [ -f "$CACHE/complete" ]; then echo "$CACHE/libs"; exit 0; fi
echo "[ensure-kafka] resolving org.apache.kafka:kafka_2.13:$VERSION with Maven into $CACHE/libs …" >&2
rm -rf "$CACHE/libs.tmp"
mvn -q -B -f "$HERE/pom.xml" -Dkafka.version="$VERSION" dependency:copy-dependencies -DoutputDirectory="$CACHE/libs.tmp" >&2
rm -rf "$CACHE/libs"
mv "$CACHE/libs.tmp" "$CACHE/libs"
echo "$VERSION" >"$CACHE/complete"
echo "[ensure-kafka] $(ls "$CACHE/libs" | wc -l) jars in $CACHE/libs" >&2
echo "$CACHE/libs"
