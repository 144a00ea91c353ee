"""The `w2v` command line: a Click group whose subcommands parse options, call the library and report."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from w2vcli import __version__


class W2VGroup(click.Group):
    """Turns the library's W2VError into Click's one-line `Error: ...` and the error's exit code."""

    def invoke(self, ctx):
        from w2vcli.errors import W2VError

        try:
            return super().invoke(ctx)
        except W2VError as err:
            failure = click.ClickException(str(err))
            failure.exit_code = err.exit_code
            raise failure from None


@click.group(cls=W2VGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="w2v")
def main():
    """Train word2vec embeddings from raw text, check the math, and look at what they learned."""


def config_options(command):
    """One option per TrainConfig key (--min-count for min_count), default None so that a config file can
    supply it; the help text is the key's own."""
    from w2vcli.config import FIELDS, field_help, field_type

    for name in reversed(list(FIELDS)):
        base, _ = field_type(name)
        flag = "--" + name.replace("_", "-")
        default = FIELDS[name].default
        help_text = f"{field_help(name)}  [default: {'none' if default is None else default}]"
        if base is bool:
            decorator = click.option(f"{flag}/--no-{flag[2:]}", name, default=None, help=help_text)
        else:
            click_type = click.Choice(base) if isinstance(base, tuple) else {int: click.INT, float: click.FLOAT}.get(
                base, click.STRING
            )
            decorator = click.option(flag, name, type=click_type, default=None, help=help_text)
        command = decorator(command)
    return command


@main.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="YAML file of training options.")
@click.option("--out", "out_dir", type=click.Path(), help="Output folder  [default: a new folder under runs/]")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its latest checkpoint.")
@config_options
def train(config_file, out_dir, resume, **options):
    """Train word vectors on a corpus and write them, with plots and checkpoints, to --out.

    With no options it trains on the bundled corpus (corpora/toy.txt). Every option can also be set in a YAML
    file given with --config (see configs/); the command line wins over the file, the file over the defaults.
    OUT gets vectors.txt, vectors.bin, model.npz, config.yaml, loss.csv, loss.png, pca.png and checkpoints/.
    Ctrl-C saves a checkpoint; `w2v train --out OUT --resume` continues from it.
    """
    from w2vcli.config import read_config_file, resolve_config
    from w2vcli.errors import ConfigError
    from w2vcli.train import stored_config
    from w2vcli.train import train as run_training

    if resume:
        if out_dir is None:
            raise ConfigError("--resume needs --out, the folder of the run to continue")
        config = stored_config(Path(out_dir))
        given = {k: v for k, v in options.items() if v is not None and k != "quiet"}
        changed = [k for k, v in given.items() if getattr(config, k) != v] + (["config"] if config_file else [])
        if changed:
            raise ConfigError(f"--resume continues the stored run; drop --{changed[0].replace('_', '-')}")
        if options["quiet"] is not None:
            config.quiet = options["quiet"]
    else:
        config = resolve_config(read_config_file(config_file) if config_file else {}, options)
    log = (lambda message: None) if config.quiet else (lambda message: click.echo(message, err=True))
    result = run_training(config, out_dir, resume=resume, log=log)
    final = result.state.running_loss
    click.echo(
        f"trained {result.state.step:,} steps in {result.seconds:.1f} s, final loss {final:.4f}; "
        f"wrote {result.out_dir}/ (vectors.txt, vectors.bin, model.npz, config.yaml, loss.csv, loss.png, pca.png)"
    )


@main.group()
def download():
    """Download a corpus into the data folder ($W2V_DATA, default ~/.cache/w2vcli)."""


@download.command("sst")
@click.option("--dest", type=click.Path(file_okay=False), help="Data folder  [default: $W2V_DATA or ~/.cache/w2vcli]")
@click.option("--url", default=None, help="Where to fetch the zip from  [default: the Stanford address]")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def download_sst_command(dest, url, quiet):
    """The Stanford Sentiment Treebank (datasetSentences.txt, checked by SHA-256); then `--corpus sst` finds it."""
    from w2vcli.download import SST_URL, download_sst

    path = download_sst(Path(dest) if dest else None, url or SST_URL, progress=not quiet)
    click.echo(f"SST is at {path}")


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


for _name in ("embed", "plot-pca"):
    _not_built(_name)
