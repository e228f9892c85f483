#!/usr/bin/env bash
# Installs Apache Kafka from Maven Central into the kmesos tools dir, laid out
# as a distribution the executor runs (`kafka-VERSION/libs/*.jar`) and packed
# as the archive the scheduler serves to agents: kafka-VERSION.tgz, with
# current.tgz linked to it (where `kmesos dev` and the tests look).
# The broker's logging backend (log4j2 behind slf4j) is added here; its
# configuration is rendered by the executor at launch. kafka-tools (the
# performance tools `client` blocks run) is in the official archive's libs/
# too, so it is added as well.
# Installs Java 17 and Maven first if they are missing.
# Idempotent: does nothing when the pinned version is already packed.
set -euo pipefail
KAFKA_VERSION=4.1.1
SCALA_VERSION=2.13
LOG4J_VERSION=2.24.3
TOOLS_DIR=${KMESOS_TOOLS:-$HOME/.cache/kmesos/tools}
dist_dir="$TOOLS_DIR/kafka"
archive="$dist_dir/kafka-$KAFKA_VERSION.tgz"
# Brokers run on the JVM; Maven is needed only to resolve the jars.
command -v java >/dev/null 2>&1 || "$(dirname "$0")/install-debs.sh" openjdk-17-jre-headless
# What the archive holds; an archive packed with another list is packed again.
CONTENTS="kafka_$SCALA_VERSION kafka-tools log4j-core log4j-slf4j-impl"
if [ -s "$archive" ] && [ "$(cat "$archive.done" 2>/dev/null)" = "$CONTENTS" ] && [ -L "$dist_dir/current.tgz" ]; then
  echo "Apache Kafka $KAFKA_VERSION already packed at $archive"
  exit 0
fi
command -v mvn >/dev/null 2>&1 || "$(dirname "$0")/install-debs.sh" maven

echo "Resolving Apache Kafka $KAFKA_VERSION and its runtime dependencies from Maven Central..."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A throwaway project whose only purpose is its dependency list.
cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kmesos.tools</groupId>
  <artifactId>kafka-distribution</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$SCALA_VERSION</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
home="$work/kafka-$KAFKA_VERSION"
mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$home/libs"
ls "$home/libs/kafka_$SCALA_VERSION-$KAFKA_VERSION.jar" "$home/libs/kafka-tools-$KAFKA_VERSION.jar" >/dev/null

mkdir -p "$dist_dir"
tar -czf "$archive.tmp" -C "$work" "kafka-$KAFKA_VERSION"
mv "$archive.tmp" "$archive"
echo "$CONTENTS" > "$archive.done"
ln -sfn "kafka-$KAFKA_VERSION.tgz" "$dist_dir/current.tgz"
echo "Apache Kafka $KAFKA_VERSION packed: $archive"
