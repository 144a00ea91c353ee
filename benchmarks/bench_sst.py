"""Benchmark: the classic assignment's run on SST (configs/sst.yaml) through the real CLI, timed as a whole.

Usage: python benchmarks/bench_sst.py [--corpus PATH] [--out DIR]
Prints wall time of the whole `w2v train` process, steps/s, the final running loss and whether it is inside
the expected band (9.3-9.9) and the 300 s budget; exits 1 when either fails.
"""
import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "stanfordSentimentTreebank" / "datasetSentences.txt"
LOSS_BAND = (9.3, 9.9)
BUDGET_SECONDS = 300


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--out", default=None, help="output folder (default: a temporary one)")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-sst-")) / "run"
    command = [sys.executable, "-m", "w2vcli", "train", "--config", str(ROOT / "configs" / "sst.yaml"),
               "--corpus", args.corpus, "--out", str(out), "--quiet"]
    print("$", " ".join(command))
    started = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - started
    with open(out / "loss.csv") as handle:
        rows = list(csv.DictReader(handle))
    steps, loss = int(rows[-1]["step"]), float(rows[-1]["loss"])
    in_band = LOSS_BAND[0] <= loss <= LOSS_BAND[1]
    print(f"wall time {wall:.1f} s (budget {BUDGET_SECONDS} s); {steps / wall:,.0f} steps/s over {steps:,} steps")
    print(f"final running loss {loss:.4f} (band {LOSS_BAND[0]}-{LOSS_BAND[1]}: {'inside' if in_band else 'OUTSIDE'})")
    sys.exit(0 if in_band and wall <= BUDGET_SECONDS else 1)


if __name__ == "__main__":
    main()
