#!/usr/bin/env sh
# Runs the FnClients benchmarks and writes results/jmh.json, results/summary.md and
# results/per-invocation.svg. Build the jar first, from the repository root:
#   ./mvnw -pl benchmarks -am package -DskipTests
# Extra arguments go to JMH, e.g. a quick pass:
#   benchmarks/run.sh -f 1 -wi 1 -i 2 -w 1s -r 1s
# or one benchmark:  benchmarks/run.sh WarmOverhead
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jar="$here/target/benchmarks.jar"
results="$here/results"
if [ ! -f "$jar" ]; then
  echo "missing $jar: run ./mvnw -pl benchmarks -am package -DskipTests first" >&2
  exit 1
fi
mkdir -p "$results"
java -jar "$jar" "$@" -rf json -rff "$results/jmh.json"
java -cp "$jar" dev.fnclients.benchmarks.Report "$results/jmh.json" "$results"
