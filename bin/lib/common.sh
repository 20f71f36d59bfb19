# Shared by bin/electra, bin/spark-cluster, bin/spark-yarn and bin/bench: the project root, the
# build-when-sources-changed step, the JVM flags Spark and ND4J need on Java 17 and a jars/ folder as Spark's.
# Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STAMP="$ROOT/jobs/target/.electra-build-stamp"
CLASSPATH_FILE="$ROOT/jobs/target/runtime-classpath.txt"

needs_build() {
  [ -f "$STAMP" ] && [ -f "$CLASSPATH_FILE" ] || return 0
  [ -n "$(find "$ROOT/pom.xml" "$ROOT"/*/pom.xml "$ROOT"/*/src/main "$ROOT/conf" -newer "$STAMP" -type f -print -quit)" ]
}

# Builds the jars (tests skipped); the package phase also writes the jobs' class path, Spark included
# (runtime-classpath.txt). ELECTRA_NO_BUILD=1 skips this (the cluster tests, which run after package).
build_if_needed() {
  if [ -z "${ELECTRA_NO_BUILD:-}" ] && needs_build; then
    echo "electra: building (mvn package, tests skipped)..." >&2
    (cd "$ROOT" && mvn -q -B -DskipTests package >&2)
    touch "$STAMP"
  fi
}

fat_jar() {
  ls "$ROOT"/jobs/target/electra-jobs-*-spark.jar 2>/dev/null | head -n 1
}

# The JVM flags Spark needs on Java 17: one list, the pom's spark.opens (the tests' JVMs use the same).
OPENS="$(sed -n 's:.*<spark.opens>\(.*\)</spark.opens>.*:\1:p' "$ROOT/pom.xml")"
[ -n "$OPENS" ] || { echo "electra: no <spark.opens> in $ROOT/pom.xml" >&2; exit 1; }
# CoreNLP's tokenizer is one huge generated method that HotSpot leaves interpreted by default; compiled, sentence
# splitting runs 2x faster and scales with the cores (measured in docs/benchmarks.md).
HUGE_METHODS="-XX:-DontCompileHugeMethods"
# The fused float kernels of training (Java Vector API, an incubator module): 4-10x ND4J's element-wise calls.
VECTOR_API="--add-modules=jdk.incubator.vector"
# OpenBLAS's threads spin for a while after each GEMM before they sleep; on a machine with as many threads as cores
# they then hold the cores the fused kernels run on next (a small training step 12-17% slower, docs/benchmarks.md).
# 4 is OpenBLAS's shortest spin (2^4 cycles).
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"
# The physical cap counts the whole process (heap included): heap + off-heap + room for the JVM itself.
ND4J_LIMITS="-Dorg.bytedeco.javacpp.maxbytes=${ELECTRA_OFFHEAP:-3G} -Dorg.bytedeco.javacpp.maxphysicalbytes=${ELECTRA_PHYSICAL:-12G}"

# DIR/jars as a Spark distribution's jars/ folder: links to the jobs' class path less the project's own modules and
# the libraries only the application uses (ND4J and its native code, CoreNLP, ...), which travel in the fat jar. A
# standalone Worker builds executor class paths from it; on YARN it is spark.yarn.jars (local:DIR/jars/*).
APPLICATION_ONLY='/(org/nd4j|org/deeplearning4j|org/bytedeco|edu/stanford|dev/electra|info/picocli|com/typesafe/config)/|/electra-[a-z]+-[^/]*\.jar$|/target/classes$'
link_spark_jars() {
  local dir="$1"
  [ -f "$CLASSPATH_FILE" ] || { echo "electra: no $CLASSPATH_FILE: build with mvn -DskipTests package" >&2; return 1; }
  mkdir -p "$dir/jars"
  rm -f "$dir"/jars/*.jar
  tr ':' '\n' < "$CLASSPATH_FILE" | grep -Ev "$APPLICATION_ONLY" | while read -r jar; do
    [ -n "$jar" ] && ln -sf "$jar" "$dir/jars/"
  done
}
