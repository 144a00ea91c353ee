"""Benchmark: `w2v train --engine fast` against gensim's Word2Vec, whole processes, on the GCIDE corpus.

Usage: python benchmarks/bench_fast.py [--threads 1,2] [--repeats 1] [--corpus PATH] [--pairs PATH] [--phases]

For each thread count T, alternately (w2v first, then gensim, `--repeats` times), each in its own process:
  w2v     python -m w2vcli train --engine fast --threads T --corpus CORPUS --out DIR --quiet --seed 1
          (defaults: skip-gram, 5 negatives, dim 100, window 5, min_count 5, sample 1e-3, 5 epochs; it also writes
          vectors.bin, model.npz, loss.csv/png, pca.png and a checkpoint per epoch)
  gensim  Word2Vec(corpus_file=CORPUS, sg=1, negative=5, vector_size=100, window=5, min_count=5, sample=1e-3,
          epochs=5, workers=T), then wv.save_word2vec_format(text)
and prints wall time, raw corpus words per second of wall (tokens × epochs / wall), peak RSS (os.wait4's
rusage of that one child), and SimLex-999 Spearman: `w2v evaluate VECTORS --pairs PAIRS --json` for both
vector files, and gensim's own evaluate_word_pairs for its model. Then the issue's targets: w2v wall <=
gensim wall / 1.2 (aim / 2), Spearman at most 0.02 below gensim's, peak RSS <= 1.5 × gensim's.
--phases also runs w2v once per thread count through benchmarks/phases.py: seconds, RSS and each phase's own
peak (imports, counting, encoding, engine, training, outputs). Exits 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "gcide" / "gcide.txt"
DEFAULT_PAIRS = ROOT.parent / "shared" / "eval" / "simlex999.txt"
EPOCHS = 5

GENSIM_CHILD = r"""
import json, sys, time
started = time.perf_counter()
from gensim.models import Word2Vec
corpus, threads, out, pairs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
imported = time.perf_counter()
model = Word2Vec(corpus_file=corpus, sg=1, negative=5, vector_size=100, window=5, min_count=5, sample=1e-3,
                 epochs=EPOCHS, workers=threads, seed=1)
trained = time.perf_counter()
model.wv.save_word2vec_format(out)
saved = time.perf_counter()
spearman = float(model.wv.evaluate_word_pairs(pairs)[1][0])
print(json.dumps({"import": imported - started, "build+train": trained - imported, "save": saved - trained,
                  "spearman_own": spearman, "vocab": len(model.wv)}))
""".replace("EPOCHS", str(EPOCHS))

def run_child(command: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stdout) of one child process; stderr passes through."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{stdout}")
    return wall, usage.ru_maxrss // 1024, stdout


def w2v_spearman(vectors: Path, pairs: Path) -> float:
    result = subprocess.run([sys.executable, "-m", "w2vcli", "evaluate", str(vectors), "--pairs", str(pairs),
                             "--json"], check=True, capture_output=True, text=True)
    return float(json.loads(result.stdout)["pairs"]["spearman"])


def count_tokens(corpus: Path) -> int:
    with open(corpus, "rb") as handle:
        return sum(len(line.split()) for line in handle)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--phases", action="store_true", help="also time w2v's phases in one in-process run")
    parser.add_argument("--out", type=Path, default=None, help="folder for the runs (default: a temporary one)")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="bench-fast-"))
    folder.mkdir(parents=True, exist_ok=True)
    words = count_tokens(args.corpus) * EPOCHS
    print(f"corpus {args.corpus}: {words // EPOCHS:,} tokens; {EPOCHS} epochs = {words:,} raw words; runs in {folder}")
    # a small run first (bundled corpus, 1 epoch), so that no timed run pays numba's first compilation
    subprocess.run([sys.executable, "-m", "w2vcli", "train", "--engine", "fast", "--threads", "1", "--epochs", "1",
                    "--out", str(folder / "warm-up"), "--quiet"], check=True, stdout=subprocess.DEVNULL)
    failures = []
    for threads in [int(t) for t in args.threads.split(",")]:
        rows = {"w2v": [], "gensim": []}
        for repeat in range(args.repeats):
            out = folder / f"w2v-t{threads}-{repeat}"
            command = [sys.executable, "-m", "w2vcli", "train", "--engine", "fast", "--threads", str(threads),
                       "--corpus", str(args.corpus), "--out", str(out), "--quiet", "--seed", "1"]
            print("$", " ".join(command), flush=True)
            wall, peak, stdout = run_child(command)
            print("  " + stdout.strip().split(";")[0], flush=True)
            rows["w2v"].append((wall, peak, w2v_spearman(out / "vectors.txt", args.pairs), None))
            vectors = folder / f"gensim-t{threads}-{repeat}.txt"
            command = [sys.executable, "-c", GENSIM_CHILD, str(args.corpus), str(threads), str(vectors),
                       str(args.pairs)]
            print(f"$ python -c GENSIM_CHILD {args.corpus} {threads} {vectors} {args.pairs}", flush=True)
            wall, peak, stdout = run_child(command)
            own = json.loads(stdout.strip().splitlines()[-1])
            print(f"  gensim: build+train {own['build+train']:.1f} s, save {own['save']:.1f} s", flush=True)
            rows["gensim"].append((wall, peak, w2v_spearman(vectors, args.pairs), own["spearman_own"]))
        print(f"\nthreads {threads} (median of {args.repeats}):")
        print(f"  {'':8} {'wall s':>7} {'words/s':>10} {'peak MB':>8} {'spearman':>9} {'(gensim eval)':>14}")
        summary = {}
        for name, runs in rows.items():
            wall = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            spearman = statistics.median(r[2] for r in runs)
            own = "" if runs[0][3] is None else f"{statistics.median(r[3] for r in runs):.4f}"
            summary[name] = (wall, peak, spearman)
            print(f"  {name:8} {wall:7.1f} {words / wall:10,.0f} {peak:8d} {spearman:9.4f} {own:>14}")
        (w_wall, w_peak, w_rho), (g_wall, g_peak, g_rho) = summary["w2v"], summary["gensim"]
        checks = [
            (f"speed: gensim wall / w2v wall = {g_wall / w_wall:.2f} (target >= 1.2, aim 2)", g_wall / w_wall >= 1.2),
            (f"quality: spearman w2v - gensim = {w_rho - g_rho:+.4f} (target >= -0.02)", w_rho - g_rho >= -0.02),
            (f"memory: peak w2v / gensim = {w_peak / g_peak:.2f} (target <= 1.5)", w_peak / g_peak <= 1.5),
        ]
        for text, ok in checks:
            print(f"  {'ok  ' if ok else 'MISS'} {text}")
            if not ok:
                failures.append(f"threads {threads}: {text}")
        print(flush=True)
    if args.phases:
        for threads in [int(t) for t in args.threads.split(",")]:
            print(f"w2v phases, threads {threads} (in one process):", flush=True)
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "phases.py"), str(args.corpus),
                            str(folder / f"phases-t{threads}"), "--threads", str(threads), "--epochs", str(EPOCHS)],
                           check=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
