"""Run `w2v train` in this process with a clock and a memory reading at each phase's end.

Usage: python benchmarks/phases.py CORPUS OUT [--engine fast] [--threads 1] [--epochs 5] [--max-vocab N] [--dim 100]
                                   [--model skipgram]
                                   [--count-only] [--json]

Phases: imports; reading and counting the corpus (vocabulary building); importing the engine (numba);
encoding the corpus (for the fast engine, to OUT/.encoded-PID); engine set-up; training (including
checkpoints); the final checkpoint; the outputs. For each: seconds, resident memory at its end, and its own
peak (Linux's VmHWM, reset at the phase's start by writing 5 to /proc/self/clear_refs, so a phase's peak is
not hidden by an earlier one). The process's overall peak is the largest of them. --count-only stops after
counting (the vocabulary); --json prints one JSON object at the end instead of the table.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

started = time.perf_counter()


def memory_mb() -> tuple[int, int]:
    """(resident MB now, peak MB since the last reset)."""
    with open("/proc/self/status") as handle:
        status = dict(line.split(":", 1) for line in handle)
    return int(status["VmRSS"].split()[0]) // 1024, int(status["VmHWM"].split()[0]) // 1024


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


class Phases:
    def __init__(self, quiet: bool):
        self.rows, self.last, self.quiet = [], started, quiet

    def end(self, name: str) -> None:
        now = time.perf_counter()
        rss, peak = memory_mb()
        self.rows.append({"phase": name, "seconds": round(now - self.last, 3), "rss_mb": rss, "peak_mb": peak})
        if not self.quiet:
            print(f"  {name:<30} {now - self.last:8.2f} s   rss {rss:5d} MB   peak {peak:5d} MB", flush=True)
        self.last = now
        reset_peak()

    def wrap(self, module, attribute: str, name: str, before: str | None = None) -> None:
        """Make module.attribute end phase `name` when it returns (and end phase `before` when it is called)."""
        function = getattr(module, attribute)

        def timed(*args, **kwargs):
            if before:
                self.end(before)
            result = function(*args, **kwargs)
            self.end(name)
            return result

        setattr(module, attribute, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--engine", default="fast")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--max-vocab", type=int, default=None)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--model", default="skipgram")
    parser.add_argument("--count-only", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    phases = Phases(quiet=args.json)
    import w2vcli.train as train_module
    from w2vcli.config import TrainConfig

    phases.end("python + w2vcli imports")
    phases.wrap(train_module, "load_corpus", "read and count corpus")
    phases.wrap(train_module, "find_engine", "engine import (numba)")
    phases.wrap(train_module, "encode_corpus", "encode corpus")
    phases.wrap(train_module, "make_engine", "engine set-up")
    phases.wrap(train_module, "run_steps", "training (with checkpoints)", before="init vectors, config.yaml")
    phases.wrap(train_module, "train_loop", "final checkpoint")
    phases.wrap(train_module, "write_outputs", "outputs")
    config = TrainConfig(corpus=args.corpus, engine=args.engine, threads=args.threads, epochs=args.epochs,
                         max_vocab=args.max_vocab, dim=args.dim, model=args.model, seed=1, quiet=True)
    if args.count_only:
        _, vocab = train_module.load_corpus(config, log=lambda message: None)
        words_trained = 0
    else:
        result = train_module.train(config, args.out, log=lambda message: None)
        vocab, words_trained = result.vocab, result.state.words_done
    total = time.perf_counter() - started
    summary = {"phases": phases.rows, "seconds": round(total, 3), "peak_mb": max(r["peak_mb"] for r in phases.rows),
               "vocab": len(vocab), "tokens": vocab.corpus_tokens, "kept_tokens": vocab.total,
               "types": vocab.corpus_types, "pruned_types": vocab.pruned_types, "words_trained": words_trained}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"  total {total:.2f} s, peak {summary['peak_mb']} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
