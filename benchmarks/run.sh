#!/usr/bin/env bash
# Reproduces every figure in benchmarks/results/ with one command, from the repository root:
#
#   benchmarks/run.sh            # build, JMH suite, cold start, platform simulation, report (~20 min on 2 cores)
#   benchmarks/run.sh --quick    # the same, short: a smoke pass (~5 min), figures not to be quoted
#
# Steps: builds benchmarks/target/benchmarks.jar (./mvnw -q -pl benchmarks -am -DskipTests package),
# runs the JMH suite (everything but the cold start, with JMH's -prof gc for allocation per operation)
# -> results/jmh.json, the cold-start benchmark
# (single-shot, one fork per sample) -> results/jmh-coldstart.json, the platform simulation ->
# results/simulation.{json,md,svg}, the gRPC idle-reset check -> results/grpc-idle-reset-check.md,
# and the report -> results/summary.md and results/per-invocation.svg.
# Everything is logged to results/run.log; results/run-info.txt records the machine and the load.
#
# Options:
#   --quick             short JMH iterations, 3 cold-start forks, a short simulation
#   --no-build          use the jar as it is
#   --skip-jmh          keep results/jmh.json and jmh-coldstart.json, rerun the rest
#   --skip-simulation   keep results/simulation.json, rerun the rest
#   anything else       passed to the main JMH run, e.g.  benchmarks/run.sh --no-build -- -p scheme=https PerInvocation
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
jar="$here/target/benchmarks.jar"
results="$here/results"

invocation="benchmarks/run.sh $*"
quick=0
build=1
jmh=1
simulation=1
jmh_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    --skip-jmh) jmh=0 ;;
    --skip-simulation) simulation=0 ;;
    --) shift; jmh_args+=("$@"); break ;;
    *) jmh_args+=("$1") ;;
  esac
  shift
done

mkdir -p "$results"
log="$results/run.log"
: > "$log"
say() { echo "$@" | tee -a "$log"; }
run() { say "+ $*"; "$@" 2>&1 | tee -a "$log"; }

if [ "$build" = 1 ]; then
  run "$root/mvnw" -q -f "$root/pom.xml" -pl benchmarks -am -DskipTests package
fi
if [ ! -f "$jar" ]; then
  say "missing $jar: run ./mvnw -pl benchmarks -am -DskipTests package first"
  exit 1
fi

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "command: $invocation"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$( [ -n "$(git -C "$root" status --porcelain -- '*.java' 2>/dev/null)" ] && echo ' (with uncommitted changes)')"
  echo "cores (nproc): $(nproc 2>/dev/null || sysctl -n hw.ncpu)"
  echo "cpu: $( (grep -m1 'model name' /proc/cpuinfo 2>/dev/null || sysctl -n machdep.cpu.brand_string 2>/dev/null) | sed 's/.*: //')"
  echo "memory: $( (grep -m1 MemTotal /proc/meminfo 2>/dev/null || true) | sed 's/MemTotal: *//')"
  echo "jdk: $(java -version 2>&1 | head -n 2 | tr '\n' ' ')"
  echo "os: $(uname -sr)"
  echo "quick: $quick"
  echo "load at start: $(cat /proc/loadavg 2>/dev/null || uptime)"
} > "$results/run-info.txt"
cat "$results/run-info.txt" | tee -a "$log"

start=$(date +%s)
if [ "$jmh" = 1 ]; then
  quick_jmh=()
  cold_forks=()
  if [ "$quick" = 1 ]; then
    quick_jmh=(-f 1 -wi 1 -i 2 -w 1s -r 1s)
    cold_forks=(-f 3)
  fi
  # Everything but the cold start, whose single-shot settings (no warmup, one operation per fork)
  # must not be overridden by the options above. -prof gc: gc.alloc.rate.norm, bytes allocated per op.
  run java -jar "$jar" -e ColdStart -prof gc "${quick_jmh[@]+"${quick_jmh[@]}"}" "${jmh_args[@]+"${jmh_args[@]}"}" \
      -rf json -rff "$results/jmh.json"
  echo "load after the JMH suite: $(cat /proc/loadavg 2>/dev/null || uptime)" >> "$results/run-info.txt"
  run java -jar "$jar" ColdStart "${cold_forks[@]+"${cold_forks[@]}"}" -rf json -rff "$results/jmh-coldstart.json"
fi
if [ "$simulation" = 1 ]; then
  sim_args=(--out "$results")
  if [ "$quick" = 1 ]; then
    sim_args+=(--quick)
  fi
  run java -cp "$jar" dev.fnclients.examples.PlatformSimulation "${sim_args[@]}"
  # FnClients' gRPC idle reset alone, many frozen gaps under silent drop: a missed reset stalls 30 s.
  run java -cp "$jar" dev.fnclients.examples.PlatformSimulation "${sim_args[@]}" \
      --grpc-idle-reset-check "$([ "$quick" = 1 ] && echo 5 || echo 40)"
fi
{
  echo "load at end: $(cat /proc/loadavg 2>/dev/null || uptime)"
  echo "duration: $(( $(date +%s) - start )) s (without the build)"
} >> "$results/run-info.txt"
reports=()
for f in jmh.json jmh-coldstart.json; do
  if [ -f "$results/$f" ]; then
    reports+=("$results/$f")
  fi
done
run java -cp "$jar" dev.fnclients.benchmarks.Report "${reports[@]}" "$results"
say "Done: $results/summary.md, per-invocation.svg, simulation.md, simulation.svg"
