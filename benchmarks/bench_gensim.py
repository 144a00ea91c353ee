"""Benchmark: `w2v train` against gensim 4.4's fastest mode (Word2Vec with corpus_file), five jobs, whole processes.

Usage: python benchmarks/bench_gensim.py [--jobs sg1,sg2,cbow2,hs2,zipf] [--seeds 3] [--epochs N] [--threads N]
                                         [--zipf-tokens 30000000] [--out-json FILE] [--keep]

Jobs (window 5, min_count 5, sample 1e-3 throughout; negative 5 but in hs2; --epochs and --threads override every
job's):
  sg1    GCIDE (../shared/corpora/gcide/gcide.txt), skip-gram, d 100, 5 epochs, 1 thread   (gensim sg=1, workers=1)
  sg2    the same with 2 threads                                                           (workers=2)
  cbow2  GCIDE, CBOW, lr 0.05, d 100, 5 epochs, 2 threads                   (sg=0, alpha=0.05, cbow_mean=1)
  hs2    sg2 with hierarchical softmax instead of negative sampling   (w2v --loss hs; gensim hs=1, negative=0)
  zipf   30M tokens drawn with p(rank r) ∝ 1/r from 400,000 pseudo-words, sentences of 5-29 words (bench_scale's
         generator, written once to $W2V_DATA/bench or ~/.cache/w2vcli/bench), skip-gram, d 300, 1 epoch, 2 threads
Each seed runs w2v, then gensim (alternating, so both see the same machine), each its own process:
  w2v     python -m w2vcli train --engine fast --corpus C --out DIR --model M --dim D --epochs E --threads T
          --window 5 --negative 5 --min-count 5 --sample 0.001 --seed S --lr LR [--save bin if train has it]
          (hs2: --loss hs --negative 0)
          without --quiet, its stderr (log, tqdm bar, the `phases: count .. s, encode .. s, train .. s, outputs .. s`
          line) captured to a file and parsed;
  gensim  python benchmarks/gensim_train.py C VECTORS.bin ... [--hs] (build_vocab, train, save_word2vec_format
          binary).
Reported per job: wall time (median over seeds; the lead is gensim's median / w2v's median), peak memory (largest
over seeds), w2v's phases (median over seeds; '-' when its log has no phases line), gensim's (vocab, train, save),
SimLex-999 Spearman of both .bin files by `w2v evaluate --pairs ../shared/eval/simlex999.txt --json` (the same
code for both), the mean over seeds; the GCIDE jobs run --seeds seeds, zipf one (SimLex means nothing there: '-').
Peak memory is os.wait4's ru_maxrss of the process: on Linux the largest of its own peak and that of any child it
waited for (a child's alone, not the sum of both). It also counts the peak of the process that spawned it (exec
keeps the larger), so this script resets its own peak (/proc/self/clear_refs) before each run and keeps itself
small (~20 MB: corpora are written and vectors evaluated in other processes).
Targets, ok/MISS per job: lead >= 3.0 (hs2: 1.5); SimLex mean at most 0.005 (hs2: 0.02) below gensim's (GCIDE);
peak <= 1.5x gensim's (GCIDE), 1.1x (zipf); counting and encoding each >= 20M raw corpus tokens/s (w2v's log:
tokens; phases: seconds).
Ends with markdown tables for benchmarks/README.md. Runs go to DATA/runs-*, deleted unless --keep. Exit 1 on a MISS.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
GCIDE = ROOT.parent / "shared" / "corpora" / "gcide" / "gcide.txt"
SIMLEX = ROOT.parent / "shared" / "eval" / "simlex999.txt"
LEAD_TARGET, SIMLEX_SLACK, TOKENS_PER_S_TARGET = 3.0, 0.005, 20e6
W2V = [sys.executable, "-m", "w2vcli"]


@dataclass
class Job:
    name: str
    corpus: str  # "gcide" or "zipf"
    model: str  # "skipgram" or "cbow"
    dim: int
    epochs: int
    threads: int
    lr: float  # both tools' starting learning rate (w2v's and gensim's defaults: 0.025 skip-gram, 0.05 CBOW)
    peak_target: float  # w2v's peak <= this x gensim's
    loss: str = "neg"  # "neg" (negative 5) or "hs" (hierarchical softmax, no negatives)
    lead_target: float = LEAD_TARGET  # gensim's wall / w2v's >= this
    simlex_slack: float = SIMLEX_SLACK  # w2v's SimLex >= gensim's - this

    def describe(self) -> str:
        loss = ", hierarchical softmax" if self.loss == "hs" else ""
        return (f"{self.corpus} {self.model}{loss}, d {self.dim}, {self.epochs} epochs, {self.threads} threads, "
                f"lr {self.lr}")


JOBS = {
    "sg1": Job("sg1", "gcide", "skipgram", 100, 5, 1, 0.025, 1.5),
    "sg2": Job("sg2", "gcide", "skipgram", 100, 5, 2, 0.025, 1.5),
    "cbow2": Job("cbow2", "gcide", "cbow", 100, 5, 2, 0.05, 1.5),
    "hs2": Job("hs2", "gcide", "skipgram", 100, 5, 2, 0.025, 1.5, loss="hs", lead_target=1.5, simlex_slack=0.02),
    "zipf": Job("zipf", "zipf", "skipgram", 300, 1, 2, 0.025, 1.1),
}


def reset_peak() -> None:
    """Set this process's peak RSS to its current RSS (a child's ru_maxrss starts from its parent's at exec)."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def run_process(command: list[str], log_stem: Path) -> tuple[float, int, str, str]:
    """(wall seconds, peak RSS MB, stdout, stderr) of one whole process; its output goes to log_stem.out/.err."""
    reset_peak()
    with open(f"{log_stem}.out", "w+") as out, open(f"{log_stem}.err", "w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        tail = "\n".join(stderr.replace("\r", "\n").strip().splitlines()[-15:])
        raise SystemExit(f"failed ({process.returncode}): {shlex.join(command)}\n{tail}")
    return wall, usage.ru_maxrss // 1024, stdout, stderr


def parse_phases(log: str) -> dict | None:
    """w2v train's last `phases:` line as {name: seconds}, None without one.
    >>> parse_phases("...\\rphases: count 0.21 s, encode 0.19 s, train 12.34 s, outputs 0.80 s\\n")
    {'count': 0.21, 'encode': 0.19, 'train': 12.34, 'outputs': 0.8}
    """
    lines = [line for line in re.split(r"[\r\n]", log) if line.startswith("phases:")]
    if not lines:
        return None
    return {name: float(seconds) for name, seconds in re.findall(r"(\w+) ([\d.]+) s\b", lines[-1])}


def parse_log_count(log: str, pattern: str) -> int | None:
    """The first number matched by pattern's group in w2v's log, e.g. r"([\\d,]+) tokens" -> 4135693."""
    found = re.search(pattern, log)
    return int(found.group(1).replace(",", "")) if found else None


def w2v_has_save() -> bool:
    help_text = subprocess.run([*W2V, "train", "--help"], check=True, capture_output=True, text=True).stdout
    return "--save" in help_text


def run_w2v(job: Job, corpus: Path, seed: int, out: Path, save_bin: bool) -> dict:
    negative = ["--loss", "hs", "--negative", "0"] if job.loss == "hs" else ["--negative", "5"]
    command = [*W2V, "train", "--engine", "fast", "--corpus", str(corpus), "--out", str(out), "--model", job.model,
               "--dim", str(job.dim), "--epochs", str(job.epochs), "--threads", str(job.threads), "--window", "5",
               *negative, "--min-count", "5", "--sample", "0.001", "--seed", str(seed), "--lr", str(job.lr)]
    command += ["--save", "bin"] if save_bin else []
    wall, peak, _, log = run_process(command, out.with_name(out.name + "-log"))
    return {"wall": wall, "peak_mb": peak, "phases": parse_phases(log), "vectors": str(out / "vectors.bin"),
            "tokens": parse_log_count(log, r"corpus .*?: ([\d,]+) tokens"),
            "words": parse_log_count(log, r"vocabulary ([\d,]+) words"), "command": shlex.join(command)}


def run_gensim(job: Job, corpus: Path, seed: int, vectors: Path) -> dict:
    command = [sys.executable, str(BENCH / "gensim_train.py"), str(corpus), str(vectors), "--model", job.model,
               "--dim", str(job.dim), "--epochs", str(job.epochs), "--threads", str(job.threads), "--lr", str(job.lr),
               "--seed", str(seed)] + (["--hs"] if job.loss == "hs" else [])
    wall, peak, stdout, _ = run_process(command, vectors.with_suffix(""))
    own = json.loads(stdout.strip().splitlines()[-1])
    return {"wall": wall, "peak_mb": peak, "phases": {k: own[k] for k in ("import", "vocab", "train", "save")},
            "vectors": str(vectors), "tokens": own["tokens"], "words": own["words"], "command": shlex.join(command)}


def simlex(vectors: str, pairs: Path) -> float:
    result = subprocess.run([*W2V, "evaluate", vectors, "--pairs", str(pairs), "--json"], check=True,
                            capture_output=True, text=True)
    return float(json.loads(result.stdout)["pairs"]["spearman"])


def zipf_corpus(data: Path, tokens: int, vocab_size: int) -> Path:
    """The Zipf corpus (bench_scale.write_zipf_text, seed 0), written by another process the first time."""
    path = data / f"zipf-{tokens}-{vocab_size}.txt"
    if not path.exists():
        started = time.perf_counter()
        code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
                "from bench_scale import write_zipf_text; "
                "write_zipf_text(Path(sys.argv[2]), 0, int(sys.argv[3]), seed=0, tokens=int(sys.argv[4]), "
                "lengths=(5, 29))")
        subprocess.run([sys.executable, "-c", code, str(BENCH), str(path), str(vocab_size), str(tokens)], check=True)
        print(f"wrote {path} ({path.stat().st_size / 2**20:,.0f} MB, {time.perf_counter() - started:.0f} s)")
    return path


def warm_up(jobs: list[Job], corpora: dict, runs: Path) -> None:
    """Compile numba's kernels (bundled corpus, 1 epoch) and read the corpora and gensim into the page cache."""
    for model, threads, loss in sorted({(job.model, job.threads, job.loss) for job in jobs}):
        subprocess.run([*W2V, "train", "--engine", "fast", "--model", model, "--threads", str(threads), "--loss",
                        loss, "--epochs", "1", "--out", str(runs / f"warm-up-{model}-{threads}-{loss}"), "--quiet"],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-c", "import gensim.models"], check=True)
    for path in corpora.values():
        with open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass


def median_phases(runs: list[dict]) -> dict | None:
    if any(run["phases"] is None for run in runs):
        return None
    return {name: statistics.median(run["phases"][name] for run in runs) for name in runs[0]["phases"]}


def summarize(job: Job, runs: list[dict]) -> dict:
    """Medians of times, largest peaks, mean SimLex, and the targets as [(name, ok, shown)]."""
    tools = {}
    for tool in ("w2v", "gensim"):
        rows = [run[tool] for run in runs]
        rhos = [row["simlex"] for row in rows if row.get("simlex") is not None]
        tools[tool] = {"wall": statistics.median(row["wall"] for row in rows),
                       "peak_mb": max(row["peak_mb"] for row in rows), "phases": median_phases(rows),
                       "simlex": statistics.mean(rhos) if rhos else None, "tokens": rows[0]["tokens"],
                       "words": rows[0]["words"]}
    w2v, gensim = tools["w2v"], tools["gensim"]
    lead, peak_ratio = gensim["wall"] / w2v["wall"], w2v["peak_mb"] / gensim["peak_mb"]
    targets = [("lead", lead >= job.lead_target, f"{lead:.2f}x")]
    if w2v["simlex"] is not None:
        gap = w2v["simlex"] - gensim["simlex"]
        targets.append(("simlex", gap >= -job.simlex_slack, f"{gap:+.4f}"))
    targets.append(("peak", peak_ratio <= job.peak_target, f"{peak_ratio:.2f}x"))
    rates = {}
    for phase in ("count", "encode"):
        seconds = (w2v["phases"] or {}).get(phase)
        rates[phase] = w2v["tokens"] / seconds / 1e6 if seconds and w2v["tokens"] else None
        shown = "-" if rates[phase] is None else f"{rates[phase]:.1f}M/s"
        targets.append((phase, rates[phase] is not None and rates[phase] * 1e6 >= TOKENS_PER_S_TARGET, shown))
    return {"w2v": w2v, "gensim": gensim, "lead": lead, "peak_ratio": peak_ratio, "rates_m": rates,
            "targets": targets}


def target_texts(job: Job) -> dict:
    return {"lead": f"lead: gensim / w2v (target >= {job.lead_target})",
            "simlex": f"SimLex: w2v - gensim, mean of seeds (target >= -{job.simlex_slack})",
            "peak": f"peak: w2v / gensim (target <= {job.peak_target})",
            "count": f"counting: raw tokens / s (target >= {TOKENS_PER_S_TARGET / 1e6:.0f}M)",
            "encode": f"encoding: raw tokens / s (target >= {TOKENS_PER_S_TARGET / 1e6:.0f}M)"}


def fmt_phases(phases: dict | None, names: tuple) -> str:
    return "-" if phases is None else " / ".join(f"{phases[n]:.2f}" if n in phases else "-" for n in names)


W2V_PHASES, GENSIM_PHASES = ("count", "encode", "train", "outputs"), ("vocab", "train", "save")


def print_job(job: Job, runs: list[dict], summary: dict) -> None:
    seeds = len(runs)
    print(f"\n{job.name}: {job.describe()}; wall: median of {seeds} seed(s), peak: largest, SimLex: mean")
    print(f"  {'':7} {'wall s':>7} {'peak MB':>8} {'SimLex':>7}  words    tokens       phases s")
    for tool, names in (("w2v", W2V_PHASES), ("gensim", GENSIM_PHASES)):
        row = summary[tool]
        rho = "-" if row["simlex"] is None else f"{row['simlex']:.4f}"
        print(f"  {tool:7} {row['wall']:7.1f} {row['peak_mb']:8d} {rho:>7}  {row['words'] or 0:<8,} "
              f"{row['tokens'] or 0:<12,} {' / '.join(names)}: {fmt_phases(row['phases'], names)}")
    texts = target_texts(job)
    for name, ok, shown in summary["targets"]:
        print(f"  {'ok  ' if ok else 'MISS'} {texts[name]}: {shown}")
    sys.stdout.flush()


def markdown(jobs: list[Job], summaries: dict, command: str) -> str:
    lines = [f"`{command}`, {datetime.date.today().isoformat()}, commit {git_commit()}:", "",
             "| job | w2v s | gensim s | lead | peak MB w2v / gensim | w2v s: count / encode / train / outputs | "
             "count / encode M tokens/s | gensim s: vocab / train / save | SimLex w2v / gensim |",
             "|---|---|---|---|---|---|---|---|---|"]
    for job in jobs:
        s = summaries[job.name]
        w2v, gensim = s["w2v"], s["gensim"]
        rates = " / ".join("-" if s["rates_m"][p] is None else f"{s['rates_m'][p]:.1f}" for p in ("count", "encode"))
        rho = "-" if w2v["simlex"] is None else f"{w2v['simlex']:.4f} / {gensim['simlex']:.4f}"
        lines.append(f"| {job.name}: {job.describe()} | {w2v['wall']:.1f} | {gensim['wall']:.1f} | "
                     f"{s['lead']:.2f}x | {w2v['peak_mb']} / {gensim['peak_mb']} ({s['peak_ratio']:.2f}x) | "
                     f"{fmt_phases(w2v['phases'], W2V_PHASES)} | {rates} | "
                     f"{fmt_phases(gensim['phases'], GENSIM_PHASES)} | {rho} |")
    lines += ["", f"| job | lead >= {LEAD_TARGET}x | SimLex >= gensim - {SIMLEX_SLACK} | peak <= target x gensim | "
              f"counting >= {TOKENS_PER_S_TARGET / 1e6:.0f}M tokens/s | encoding >= same |",
              "|---|---|---|---|---|---|"]
    for job in jobs:
        cells = {name: f"{'ok' if ok else 'MISS'} {shown}" for name, ok, shown in summaries[job.name]["targets"]}
        cells["peak"] += f" (<= {job.peak_target})"
        if job.lead_target != LEAD_TARGET:
            cells["lead"] += f" (>= {job.lead_target})"
        if job.simlex_slack != SIMLEX_SLACK and "simlex" in cells:
            cells["simlex"] += f" (>= -{job.simlex_slack})"
        lines.append(f"| {job.name} | " + " | ".join(cells.get(n, "-") for n in ("lead", "simlex", "peak", "count",
                                                                                 "encode")) + " |")
    return "\n".join(lines)


def git_commit() -> str:
    def git(*args):
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)

    commit = git("rev-parse", "--short", "HEAD").stdout.strip() or "unknown"
    return commit + (" + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no").stdout else "")


def parse_args() -> argparse.Namespace:
    from w2vcli.download import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default=",".join(JOBS), help=f"comma-separated subset of {','.join(JOBS)}")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per GCIDE job (zipf runs one)")
    parser.add_argument("--epochs", type=int, default=None, help="override every job's epochs (quick checks)")
    parser.add_argument("--threads", type=int, default=None, help="override every job's threads")
    parser.add_argument("--zipf-tokens", type=int, default=30_000_000)
    parser.add_argument("--zipf-vocab", type=int, default=400_000)
    parser.add_argument("--corpus", type=Path, default=GCIDE, help="the GCIDE text")
    parser.add_argument("--pairs", type=Path, default=SIMLEX)
    parser.add_argument("--data", type=Path, default=data_dir() / "bench", help="Zipf corpus and runs")
    parser.add_argument("--out-json", type=Path, default=None, help="write every run and summary here")
    parser.add_argument("--keep", action="store_true", help="keep the runs' folders (vectors, logs)")
    args = parser.parse_args()
    unknown = [name for name in args.jobs.split(",") if name not in JOBS]
    if unknown or args.seeds < 1:
        parser.error(f"unknown job {unknown[0]} (choose from {','.join(JOBS)})" if unknown else "--seeds must be >= 1")
    return args


def main() -> None:
    args = parse_args()
    command = shlex.join(["python", "benchmarks/bench_gensim.py", *sys.argv[1:]])
    jobs = [JOBS[name] for name in args.jobs.split(",")]
    for job in jobs:
        job.epochs, job.threads = args.epochs or job.epochs, args.threads or job.threads
    args.data.mkdir(parents=True, exist_ok=True)
    corpora = {"gcide": args.corpus}
    if any(job.corpus == "zipf" for job in jobs):
        corpora["zipf"] = zipf_corpus(args.data, args.zipf_tokens, args.zipf_vocab)
    runs_dir = Path(tempfile.mkdtemp(prefix="runs-", dir=args.data))  # not a tmpfs: w2v encodes its corpus to OUT
    save_bin = w2v_has_save()
    saving = "has --save: passing --save bin" if save_bin else "has no --save (writes vectors.txt too)"
    print(f"{command}\nruns in {runs_dir}; w2v train {saving}", flush=True)
    warm_up(jobs, corpora, runs_dir)
    report, summaries = {"command": command, "date": datetime.date.today().isoformat(), "commit": git_commit(),
                         "jobs": {}}, {}
    for job in jobs:
        runs = []
        for seed in range(1, (args.seeds if job.corpus == "gcide" else 1) + 1):
            run, corpus = {}, corpora[job.corpus]
            run["w2v"] = run_w2v(job, corpus, seed, runs_dir / f"{job.name}-w2v-{seed}", save_bin)
            run["gensim"] = run_gensim(job, corpus, seed, runs_dir / f"{job.name}-gensim-{seed}.bin")
            for tool in ("w2v", "gensim"):
                row = run[tool]
                row["simlex"] = simlex(row["vectors"], args.pairs) if job.corpus == "gcide" else None
                rho = "-" if row["simlex"] is None else f"{row['simlex']:.4f}"
                print(f"  {job.name} seed {seed} {tool:6} {row['wall']:7.1f} s  peak {row['peak_mb']:5d} MB  "
                      f"SimLex {rho}  phases {row['phases']}", flush=True)
            if not args.keep:
                shutil.rmtree(run["w2v"]["vectors"].rsplit("/", 1)[0], ignore_errors=True)
                Path(run["gensim"]["vectors"]).unlink(missing_ok=True)
            runs.append(run)
        summaries[job.name] = summarize(job, runs)
        print_job(job, runs, summaries[job.name])
        report["jobs"][job.name] = {"settings": asdict(job), "runs": runs, "summary": summaries[job.name]}
    table = markdown(jobs, summaries, command)
    print("\n" + table)
    if args.out_json:
        args.out_json.write_text(json.dumps(report, indent=1) + "\n")
    if not args.keep:
        shutil.rmtree(runs_dir, ignore_errors=True)
    missed = [f"{job.name} {name}" for job in jobs for name, ok, _ in summaries[job.name]["targets"] if not ok]
    print(f"\n{len(missed)} target(s) missed{': ' + ', '.join(missed) if missed else ''}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
