"""Benchmark: `w2v phrases` against gensim 4.4's Phrases on GCIDE, each a whole process; are the phrases the same?

Usage: python benchmarks/bench_phrases.py [--corpus PATH] [--min-count 5] [--threshold 10] [--scoring default]
                                          [--repeats 1] [--work DIR]

w2v: `w2v phrases CORPUS --out W2V_OUT` (reading, counting, scoring, rewriting, the atomic write).
gensim: this script as a child (--gensim-child): Phrases(LineSentence(CORPUS), same settings), freeze(), then
each sentence through the frozen model's analyze_sentence, written one a line (gensim's recommended use),
collecting the phrases joined and their scores (find_phrases's result) into a JSON file. LineSentence reads
GCIDE (lowercase ASCII, no blank lines) into the same sentences as w2v's Corpus; the identical outputs show it.
Both alternate --repeats times; wall = median, CPU (user + system) and peak RSS from wait4. Then w2v's phrases
and scores (phrase_pass in this process, untimed) against gensim's: set equality and the largest score difference,
and the two rewritten corpora compared byte for byte.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GCIDE = Path("/work/shared/corpora/gcide/gcide.txt")


def gensim_child(corpus: Path, out: Path, found_json: Path, min_count: int, threshold: float, scoring: str) -> None:
    """The gensim side, in its own process: count, freeze, rewrite; the phrases found and phase times to JSON."""
    from gensim.models.phrases import Phrases
    from gensim.models.word2vec import LineSentence

    started = time.perf_counter()
    model = Phrases(LineSentence(str(corpus)), min_count=min_count, threshold=threshold, scoring=scoring)
    counted = time.perf_counter()
    frozen = model.freeze()
    frozen_at = time.perf_counter()
    found = {}
    with open(out, "w", encoding="utf-8") as handle:
        for sentence in LineSentence(str(corpus)):
            tokens = []
            for token, score in frozen.analyze_sentence(sentence):
                tokens.append(token)
                if score is not None:
                    found[token] = score
            handle.write(" ".join(tokens) + "\n")
    written = time.perf_counter()
    found_json.write_text(json.dumps({
        "phrases": found, "len_vocab": len(model.vocab),
        "phases": {"count": counted - started, "freeze": frozen_at - counted, "rewrite": written - frozen_at},
    }))


def run_one(command: list[str]) -> tuple[float, float, float, str]:
    """(wall s, CPU s (user + system), peak RSS MB, stdout) of a child process: its own rusage, from wait4."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stdout = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    if child.returncode:
        sys.exit(f"{' '.join(command)} failed (exit {child.returncode}); run it by hand to see why")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=GCIDE)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=10.0)
    parser.add_argument("--scoring", default="default", choices=["default", "npmi"])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/w2vcli-bench-phrases"))
    parser.add_argument("--gensim-child", nargs=3, metavar=("CORPUS", "OUT", "JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gensim_child:
        corpus, out, found_json = map(Path, args.gensim_child)
        gensim_child(corpus, out, found_json, args.min_count, args.threshold, args.scoring)
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    w2v_out, gensim_out, found_json = (args.work / name for name in ("w2v.txt", "gensim.txt", "gensim.json"))
    settings = ["--min-count", str(args.min_count), "--threshold", str(args.threshold), "--scoring", args.scoring]
    w2v_command = [sys.executable, "-m", "w2vcli", "phrases", str(args.corpus), "--out", str(w2v_out), *settings]
    gensim_command = [sys.executable, __file__, *settings, "--gensim-child", str(args.corpus), str(gensim_out),
                      str(found_json)]
    print(f"{args.corpus} ({args.corpus.stat().st_size / 2**20:.0f} MB), {' '.join(settings)}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    runs = {"w2v": [], "gensim": []}
    for _ in range(args.repeats):
        runs["w2v"].append(run_one(w2v_command))
        runs["gensim"].append(run_one(gensim_command))
    summary_line = runs["w2v"][-1][3].strip()
    theirs = json.loads(found_json.read_text())

    sys.path.insert(0, str(ROOT))
    from w2vcli.corpus import Corpus
    from w2vcli.phrases import PhraseSettings, phrase_pass

    mine = phrase_pass(Corpus(args.corpus), io.BytesIO(),
                       PhraseSettings(args.min_count, args.threshold, args.scoring))
    same_set = set(mine.phrases) == set(theirs["phrases"])
    common = set(mine.phrases) & set(theirs["phrases"])
    largest = max((abs(mine.phrases[p] - theirs["phrases"][p]) for p in common), default=0.0)
    same_text = w2v_out.read_bytes() == gensim_out.read_bytes()

    print(f"each a whole process, {args.repeats} run(s), wall = median:")
    print("          wall s   CPU s  peak MB   phrases")
    walls = {}
    for name, rows in runs.items():
        walls[name] = statistics.median(r[0] for r in rows)
        count = len(mine.phrases) if name == "w2v" else len(theirs["phrases"])
        print(f"  {name:<7} {walls[name]:>6.1f} {statistics.median(r[1] for r in rows):>7.1f} "
              f"{max(r[2] for r in rows):>8.0f} {count:>9,}")
    print(f"  w2v said: {summary_line}")
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in theirs["phases"].items())
    print(f"  gensim's phases (last run): {phases}")
    print(f"  speed: gensim wall / w2v wall = {walls['gensim'] / walls['w2v']:.1f}x")
    print(f"  same phrase types: {same_set} ({len(mine.phrases):,} w2v, {len(theirs['phrases']):,} gensim); "
          f"largest score difference: {largest:g}; same len_vocab: {mine.len_vocab == theirs['len_vocab']} "
          f"({mine.len_vocab:,}); same rewritten text: {same_text}")
    return 0 if same_set and largest == 0 and same_text else 1


if __name__ == "__main__":
    sys.exit(main())
