"""A/B of kernel variants in one process: epochs of GCIDE trained by each variant in turn, one thread.

Usage: python benchmarks/ab_kernels.py [--model cbow] [--loss neg] [--rounds 3] VARIANT.py [VARIANT.py ...]

A variant is a copy of w2vcli/engines/fast_kernels.py (or hs_kernels.py with --loss hs) with one change. The
engine is built once (the corpus encoded in memory); each variant trains its own model from the same seed, and
the variants take turns, one epoch each, for --rounds rounds, so that the machine's drift (±20% over minutes
here) falls on all of them alike. Printed per variant: the fastest and the median epoch, and the summed loss
(equal losses: the variant computes the same updates). A whole-process comparison with gensim is
bench_gensim.py's job; this one tells whether a change to a kernel is worth making.

Copies are compiled without numba's on-disk cache (its index is keyed by file and line, and a copy loaded
under another name does not load back from it): expect ~10 s of compiling per variant before the rounds start.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GCIDE = ROOT.parent / "shared" / "corpora" / "gcide" / "gcide.txt"
NO_CACHE = "\nINLINE = {**INLINE, 'cache': False}\nJIT = {**JIT, 'cache': False}\n"


def load_variant(path: Path):
    """The module at path, its kernels compiled without the disk cache (NO_CACHE after its imports)."""
    text = path.read_text()
    anchor = "kernel_support.forget_stale_cache("
    if anchor not in text:
        raise SystemExit(f"{path}: not a copy of a kernels file (no {anchor!r} line)")
    name = f"ab_{path.stem}"
    staged = Path("/tmp") / f"{name}.py"
    staged.write_text(text.replace(anchor, NO_CACHE + anchor, 1))
    spec = importlib.util.spec_from_file_location(name, staged)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba resolves inlined functions through the module's name
    spec.loader.exec_module(module)
    return module


def use(engine, module) -> None:
    """Point the engine at a variant: of fast_kernels (train_segments) or of hs_kernels (train_segments_hs)."""
    if hasattr(module, "train_segments_hs"):
        engine.hs_kernels = module
    else:
        engine.kernels = module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", type=Path)
    parser.add_argument("--model", default="cbow", choices=["skipgram", "cbow"])
    parser.add_argument("--loss", default="neg", choices=["neg", "hs"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--corpus", type=Path, default=GCIDE)
    args = parser.parse_args()

    from w2vcli.config import TrainConfig
    from w2vcli.encoded import EncodedCorpus
    from w2vcli.engines.fast_engine import FastEngine
    from w2vcli.scan import encode_blocks_fast, load_kernels
    from w2vcli.train import load_corpus

    config = TrainConfig(corpus=str(args.corpus), model=args.model, loss=args.loss, dim=args.dim, epochs=args.rounds,
                         threads=1, window=5, negative=5, min_count=5, sample=1e-3, seed=1, engine="fast",
                         lr=0.05 if args.model == "cbow" else 0.025, checkpoint_every=0)
    load_kernels()
    corpus, vocab = load_corpus(config, log=lambda *a: None)
    engine = FastEngine(config, vocab, EncodedCorpus.from_blocks(encode_blocks_fast(corpus, vocab.words)))
    variants = [(path.name, load_variant(path), engine.init_state(1)) for path in args.variants]
    chunks = engine.chunks_per_epoch
    seconds = {name: [] for name, _, _ in variants}
    losses = dict.fromkeys(seconds, 0.0)
    for _, module, _ in variants:  # compile each, on a state of its own thrown away
        use(engine, module)
        engine.train_chunk(engine.init_state(1), 0)
    for epoch in range(args.rounds):
        for name, module, state in variants:
            use(engine, module)
            started = time.perf_counter()
            for chunk in range(chunks):
                losses[name] += engine.train_chunk(state, epoch * chunks + chunk)[0]
            seconds[name].append(time.perf_counter() - started)
    for name, times in seconds.items():
        times = sorted(times)
        print(f"{name:24s} fastest {times[0]:.3f} s, median {times[len(times) // 2]:.3f} s an epoch; "
              f"loss {losses[name]:.1f}")


if __name__ == "__main__":
    main()
