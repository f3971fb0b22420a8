# Shared by benches/quality and benches/compare: sourced, not run.
# The caller sets ROOT, OUT (logs), CORPORA, VENV, GEN (generator), PY (its interpreter) and
# defines log MESSAGE (progress to stderr).
# shellcheck shell=bash

# bench_venv: creates $VENV with numpy, wordfreq and the MinHash-LSH peers unless it imports them.
bench_venv() {
  if ! "$VENV/bin/python" -c 'import numpy, wordfreq, datasketch, rensa, gaoya' 2>/dev/null; then
    log "setting up $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy wordfreq datasketch rensa gaoya >&2
  fi
}

# bench_reprint PATH: builds PATH with cargo when it is the default release binary and missing;
# any other PATH must be an executable.
bench_reprint() {
  [ -x "$1" ] && return 0
  if [ "$1" = "$ROOT/target/release/reprint" ]; then
    log "building reprint (cargo build --release)"
    (cd "$ROOT" && cargo build --release >&2)
  else
    echo "no executable at $1" >&2; exit 2
  fi
}

# bench_corpus N SEED: sets CORPUS and GOLD to $CORPORA/c{N}_s{SEED}.jsonl (+ .gold.jsonl),
# generating them with $GEN (vocab wordfreq pinned) unless both are already there.
bench_corpus() {
  local n=$1 seed=$2 part
  CORPUS=$CORPORA/c${n}_s${seed}.jsonl GOLD=$CORPORA/c${n}_s${seed}.gold.jsonl
  [ -s "$CORPUS" ] && [ -s "$GOLD" ] && return 0
  log "generating $CORPUS"
  part=$CORPORA/c${n}_s${seed}.part  # write aside, then move: no half-written cache
  "$PY" "$GEN" --n "$n" --seed "$seed" --vocab wordfreq --out "$part.jsonl" \
    --gold "$part.gold.jsonl" --meta "$part.meta.json" 2> "$OUT/gen_c${n}_s${seed}.log"
  mv "$part.meta.json" "${CORPUS%.jsonl}.meta.json"
  mv "$part.gold.jsonl" "$GOLD"
  mv "$part.jsonl" "$CORPUS"
}

# timed NAME STDOUT CMD...: runs CMD > STDOUT (stderr to $OUT/NAME.stderr) under /usr/bin/time -v;
# sets WALL (s), RSS (peak, MB) and CPU (user + system s). Returns 1 when CMD fails.
timed() {
  local name=$1 stdout=$2; shift 2
  local tlog=$OUT/$name.time
  if ! /usr/bin/time -v -o "$tlog" "$@" > "$stdout" 2> "$OUT/$name.stderr"; then
    log "$name failed; see $OUT/$name.stderr"; return 1
  fi
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0
           for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$tlog")
  RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tlog")
  CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$tlog")
}
