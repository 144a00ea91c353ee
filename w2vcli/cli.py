"""The `w2v` command line: a Click group whose subcommands parse options, call the library and report."""
from __future__ import annotations

import json
import sys

import click

from w2vcli import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="w2v")
def main():
    """Train word2vec embeddings from raw text, check the math, and look at what they learned."""


@main.command()
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random test data.")
@click.option("--dim", type=click.IntRange(min=1), default=5, show_default=True, help="Vector dimension d.")
@click.option("--vocab-size", type=click.IntRange(min=2), default=10, show_default=True, help="Vocabulary size V.")
@click.option("--negatives", type=click.IntRange(min=1), default=10, show_default=True, help="Negatives K per pair.")
@click.option("--tol", type=click.FloatRange(min=0, min_open=True), default=1e-6, show_default=True,
              help="Largest relative error that passes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def gradcheck(seed, dim, vocab_size, negatives, tol, as_json):
    """Check every analytic gradient of the core against central finite differences.

    Runs on random float64 data: sigmoid's derivative, naive softmax and negative sampling (w.r.t. the center
    vector and all outside vectors, with repeated negatives), then skip-gram and CBOW with both losses
    (w.r.t. both matrices). Exits 0 only if every relative error is below --tol.
    """
    from w2vcli.gradcheck import results_as_dict, run_gradchecks

    results = run_gradchecks(seed=seed, dim=dim, vocab_size=vocab_size, negatives=negatives, tol=tol)
    if as_json:
        click.echo(json.dumps(results_as_dict(results, tol), indent=2))
    else:
        width = max(len(r.name) for r in results)
        click.echo(f"{'check':<{width}}  {'max rel error':>13}  result")
        for r in results:
            click.echo(f"{r.name:<{width}}  {r.max_rel_error:>13.2e}  {'pass' if r.passed else 'FAIL'}")
        failed = sum(not r.passed for r in results)
        click.echo(f"{len(results) - failed} passed, {failed} failed (tol {tol:g})")
    sys.exit(0 if all(r.passed for r in results) else 1)


def _not_built(name):
    @main.command(name=name, context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
                  help=f"({name}: not built yet.)", add_help_option=False)
    def stub():
        click.echo(f"Error: `w2v {name}` is not built yet.", err=True)
        sys.exit(2)

    return stub


for _name in ("train", "embed", "plot-pca"):
    _not_built(_name)
