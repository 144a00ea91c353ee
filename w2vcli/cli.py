"""The `w2v` command line: a Click group whose subcommands parse options, call the library and report."""
from __future__ import annotations

import gc
import json
import sys
import warnings
from pathlib import Path

import click

from w2vcli import __version__


class W2VGroup(click.Group):
    """Turns every failure into Click's one-line `Error: ...` and an exit code; `w2v --debug` shows tracebacks.

    W2VError: its own code (1 data, 2 usage, 130/143 interrupted); an OS error (disk full, permission denied): 1;
    Ctrl-C outside training: 130; anything else is a bug, reported in one line with the --debug hint.
    """

    def invoke(self, ctx):
        from w2vcli.errors import W2VError

        try:
            result = super().invoke(ctx)
            gc.freeze()  # done: the interpreter's last collection would walk numba's objects (0.3 s at exit)
            return result
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except W2VError as err:
            raise _failure(str(err), err.exit_code) from None
        except Exception as err:  # the last line of defence: never a traceback unless asked for
            if ctx.params.get("debug"):
                raise
            if isinstance(err, OSError):
                where = f"{err.filename}: " if err.filename else ""
                raise _failure(f"{where}{err.strerror or err}", 1) from None
            if isinstance(err, MemoryError):
                raise _failure("out of memory; try a smaller --dim or --max-vocab", 1) from None
            raise _failure(f"unexpected {type(err).__name__}: {err} (run `w2v --debug ...` for the traceback)",
                           1) from None
        except KeyboardInterrupt:
            if ctx.params.get("debug"):
                raise
            raise _failure("interrupted", 130) from None


def _failure(message: str, exit_code: int) -> click.ClickException:
    failure = click.ClickException(message)
    failure.exit_code = exit_code
    return failure


@click.group(cls=W2VGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="w2v")
@click.option("--debug", is_flag=True, help="Show Python tracebacks instead of one-line errors.")
def main(debug):
    """Train word2vec embeddings from raw text, check the math, and look at what they learned."""
    if not debug:  # the library's warnings (e.g. a torn checkpoint skipped) as one plain line each
        warnings.showwarning = lambda message, *args, **kwargs: click.echo(f"Warning: {message}", err=True)


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
    OUT gets vectors.bin (--save txt,bin adds vectors.txt), model.npz (the final checkpoint), config.yaml,
    loss.csv, loss.png, pca.png and checkpoints/.
    Ctrl-C saves a checkpoint; `w2v train --out OUT --resume` continues from it.
    """
    from w2vcli.checkpoint import resume_config
    from w2vcli.config import read_config_file, resolve_config
    from w2vcli.errors import ConfigError
    from w2vcli.rundir import output_names
    from w2vcli.train import train as train_word_vectors

    if resume:
        if out_dir is None:
            raise ConfigError("--resume needs --out, the folder of the run to continue")
        config, checkpoint = resume_config(Path(out_dir), options, config_file)  # the checkpoint is read once
    else:
        config, checkpoint = resolve_config(read_config_file(config_file) if config_file else {}, options), None
    log = (lambda message: None) if config.quiet else (lambda message: click.echo(message, err=True))
    result = train_word_vectors(config, out_dir, resume=checkpoint, log=log)
    final = result.state.running_loss
    shown = "n/a" if final is None else f"{final:.4f}"
    click.echo(
        f"trained {result.state.step:,} steps in {result.seconds:.1f} s, final loss {shown}; "
        f"wrote {result.out_dir}/ ({', '.join(output_names(config))})"
    )


@main.command()
@click.argument("corpus")
@click.option("--out", "out_path", required=True, type=click.Path(), help="The corpus with its phrases joined.")
@click.option("--min-count", type=int, default=5, show_default=True,
              help="Subtracted from a pair's count by default scoring; npmi ignores pairs rarer than this.")
@click.option("--threshold", type=float, default=10.0, show_default=True,
              help="A pair is a phrase when its score is above this (npmi: in (-1, 1]).")
@click.option("--scoring", type=click.Choice(["default", "npmi"]), default="default", show_default=True,
              help="default: word2phrase's formula as gensim normalises it; npmi: normalised PMI.")
@click.option("--delimiter", default="_", show_default=True, help="Joins a phrase's words.")
@click.option("--passes", type=int, default=1, show_default=True,
              help="Run it again on its own output, with the same settings, for phrases of 3-4 words.")
@click.option("--max-vocab", type=int, default=None,
              help="Hold at most this many words and pairs while counting, dropping the rarest  [default: no bound]")
@click.option("--format", "corpus_format", type=click.Choice(["auto", "text", "sst"]), default="auto",
              show_default=True, help="Corpus format, as for `w2v train`.")
@click.option("--lowercase/--no-lowercase", default=True, show_default=True, help="Lowercase every token.")
def phrases(corpus, out_path, min_count, threshold, scoring, delimiter, passes, max_vocab, corpus_format, lowercase):
    """Join collocations (new york → new_york) in CORPUS and write it to --out, ready for `w2v train --corpus`.

    CORPUS is what `w2v train --corpus` reads (a text file, a folder of .txt files, or `sst`). As gensim 4.4's
    Phrases (no connector words): count words and adjacent pairs, score each pair, and join a pair whose score is
    above --threshold, scanning each sentence left to right (a b c with both pairs phrases gives a_b c).
    default scoring: (count(a_b) - min_count) / (count(a) * count(b)) * L, L the number of distinct words and
    pairs; npmi: ln(p(a_b) / (p(a) p(b))) / -ln(p(a_b)). --passes 2 joins again on the first pass's output with
    the same settings (word2vec's demo-phrases.sh lowers the threshold for its second pass: for that, run
    `w2v phrases` twice). OUT has one sentence a line and is written atomically.

    \b
    Example:
      w2v phrases corpus.txt --out corpus-phrases.txt && w2v train --corpus corpus-phrases.txt
    """
    from w2vcli.corpus import Corpus, resolve_corpus
    from w2vcli.phrases import PhraseSettings, phrase_corpus, summary

    settings = PhraseSettings(min_count, threshold, scoring, delimiter, passes, max_vocab)
    settings.check()
    source = Corpus(resolve_corpus(corpus), format=corpus_format, lowercase=lowercase)
    click.echo(summary(phrase_corpus(source, out_path, settings)))


@main.group()
def download():
    """Download a corpus or a test set into the data folder ($W2V_DATA, default ~/.cache/w2vcli), checked first."""


@download.command("sst")
@click.option("--dest", type=click.Path(file_okay=False), help="Data folder  [default: $W2V_DATA or ~/.cache/w2vcli]")
@click.option("--url", default=None, help="Where to fetch the zip from  [default: the Stanford address]")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def download_sst_command(dest, url, quiet):
    """The Stanford Sentiment Treebank (datasetSentences.txt, checked by SHA-256); then `--corpus sst` finds it."""
    from w2vcli.download import SST_URL, download_sst

    path = download_sst(Path(dest) if dest else None, url or SST_URL, progress=not quiet)
    click.echo(f"SST is at {path}")


def download_options(command):
    """--dest, --url and --quiet, as `download sst` has them."""
    command = click.option("--quiet", is_flag=True, help="No progress bar.")(command)
    command = click.option("--url", default=None,
                           help="Where to fetch it from  [default: the address in its help]")(command)
    return click.option("--dest", type=click.Path(file_okay=False),
                        help="Data folder  [default: $W2V_DATA or ~/.cache/w2vcli]")(command)


def _download_dataset(name: str, dest, url, quiet) -> None:
    """`w2v download NAME` for a DATASETS entry: fetch, check, report where it is."""
    from w2vcli.download import DATASETS, download_dataset

    path = download_dataset(DATASETS[name], Path(dest) if dest else None, url, progress=not quiet)
    click.echo(f"{name} is at {path}")


@download.command("text8")
@download_options
def download_text8_command(dest, url, quiet):
    """text8, the C tool's demo corpus (17M words of Wikipedia, one line), from
    http://mattmahoney.net/dc/text8.zip.

    The zip must be 31,344,016 bytes, its one member text8 100,000,000 bytes with SHA-256 6e890197...51dca7;
    text8 lands in the data folder only when all three checked out, and `w2v train --corpus text8` finds it.
    Training reads its one line in sentences of at most 10,000 words, as gensim's Text8Corpus does, except that
    a sentence also ends at each ~1 MiB block the line is read in (some 40 more than gensim's 1,701; README).
    """
    _download_dataset("text8", dest, url, quiet)


@download.command("questions-words")
@download_options
def download_questions_words_command(dest, url, quiet):
    """questions-words.txt, the Google analogy set of the word2vec distribution (19,544 questions, 14
    sections), from the tmikolov/word2vec repository on GitHub (a commit's raw file).

    Checked by size (603,955 bytes) and SHA-256 (8c29b333...5b22a36, also that of gensim's test_data copy);
    then `w2v evaluate VECTORS --analogies questions-words` finds it.
    """
    _download_dataset("questions-words", dest, url, quiet)


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

    Runs on random float64 data: sigmoid's derivative, the three losses: naive softmax, negative sampling (with
    repeated negatives) and hierarchical softmax (over the Huffman tree of counts V..1) w.r.t. the center vector
    and all outside vectors, then skip-gram and CBOW with each of the three (w.r.t. both matrices). Exits 0 only
    if every relative error is below --tol.
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


MATRIX_OPTION = click.option(
    "--matrix", type=click.Choice(["center", "outside", "sum"]), default="center", show_default=True,
    help="Which vectors of a model.npz: center (v), outside (u) or their sum.",
)


def _stacked(*options):
    """One decorator applying several Click options, listed in the order --help shows them."""

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


VECTOR_OPTIONS = _stacked(  # every command that reads vectors; passed on to _load_vectors as keyword arguments
    MATRIX_OPTION,
    click.option("--limit", type=click.IntRange(min=1), default=None,
                 help="Read only the first N words of the file (the most frequent, in most files)."),
    click.option("--unicode-errors", type=click.Choice(["strict", "replace", "ignore"]), default="strict",
                 show_default=True, help="Words whose bytes are not UTF-8: an error, or read with U+FFFD for "
                                         "the bad bytes (replace), or without them (ignore)."),
    click.option("--center", is_flag=True, help="Subtract the mean vector from every vector first: undoes a "
                                                "direction all vectors share, which makes every cosine high."),
)


def _load_vectors(path, matrix="center", limit=None, unicode_errors="strict", center=False):
    """Read VECTORS with the options of VECTOR_OPTIONS; a space whose rows share one direction gets a warning
    on stderr suggesting --center."""
    from w2vcli.vectors import WordVectors

    vectors = WordVectors.load(path, matrix=matrix, limit=limit, unicode_errors=unicode_errors, center=center)
    warning = None if center else vectors.collapse_warning()
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    return vectors


@main.command()
@click.argument("vectors_path", metavar="VECTORS", type=click.Path())
@click.argument("words", nargs=-1)
@click.option("--neighbors", "-n", type=click.IntRange(min=1), help="Print each word's K nearest words.")
@click.option("--analogy", nargs=3, metavar="A B C", help='Best answers to "A is to B as C is to ?".')
@click.option("--topn", type=click.IntRange(min=1), default=5, show_default=True, help="Answers for --analogy.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Write the words' vectors in word2vec format (binary when FILE ends in .bin).")
@VECTOR_OPTIONS
def embed(vectors_path, words, neighbors, analogy, topn, as_json, out_path, **vector_options):
    """Look words up in VECTORS (word2vec text or binary, fastText .vec, GloVe, model.npz, a vector folder;
    optionally gzip, bz2 or xz compressed).

    Prints each WORD's vector; with --neighbors K its K nearest words by cosine instead; with --analogy A B C the
    words closest to B - A + C (3CosAdd, question words excluded).

    \b
    Examples:
      w2v embed runs/toy/vectors.txt cat dog
      w2v embed runs/toy/vectors.txt cat --neighbors 5
      w2v embed runs/toy/vectors.bin --analogy king queen man
    """
    from w2vcli.errors import ConfigError

    if not words and not analogy:
        raise ConfigError("give at least one WORD, or --analogy A B C")
    vectors = _load_vectors(vectors_path, **vector_options)
    for word in words:
        vectors.row(word)  # every unknown word is an error before anything prints
    result = {}
    if neighbors:
        result["neighbors"] = {w: vectors.most_similar([w], topn=neighbors) for w in words}
    elif words:
        result["vectors"] = {w: [float(str(v)) for v in vectors.vector(w)] for w in words}  # float32 digits
    if analogy:
        a, b, c = analogy
        result["analogy"] = {"question": [a, b, c], "answers": vectors.analogy(a, b, c, topn=topn)}
    if out_path and words:
        vectors.subset(list(dict.fromkeys(words))).save(out_path)
    if as_json:  # one section alone is printed bare: {"word": [...]}; several are keyed by section
        click.echo(json.dumps(next(iter(result.values())) if len(result) == 1 else result, ensure_ascii=False))
        return
    for word, vector in result.get("vectors", {}).items():
        click.echo(word + " " + " ".join(f"{v:.6f}" for v in vector))
    for word, pairs in result.get("neighbors", {}).items():
        click.echo(f"{word}:")
        for neighbour, cosine in pairs:
            click.echo(f"  {neighbour:<20} {cosine:.4f}")
    if "analogy" in result:
        a, b, c = analogy
        click.echo(f"{a} is to {b} as {c} is to:")
        for answer, cosine in result["analogy"]["answers"]:
            click.echo(f"  {answer:<20} {cosine:.4f}")
    if out_path and words:
        click.echo(f"wrote {len(set(words))} vectors to {out_path}", err=True)


@main.command("plot-pca")
@click.argument("vectors_path", metavar="VECTORS", type=click.Path())
@click.option("--words", "words_csv", help="Comma-separated words to plot.")
@click.option("--words-file", type=click.Path(dir_okay=False), help="File of words to plot, one per line.")
@click.option("--groups", "groups_file", type=click.Path(dir_okay=False),
              help="YAML mapping group -> list of words: one colour per group (its words are plotted too).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True, help="PNG file to write.")
@click.option("--method", type=click.Choice(["pca", "tsne"]), default="pca", show_default=True,
              help="pca (linear, axes show explained variance) or tsne (non-linear: distances between "
                   "clusters and cluster sizes mean nothing, and it changes with the seed and perplexity).")
@VECTOR_OPTIONS
def plot_pca(vectors_path, words_csv, words_file, groups_file, out_path, method, **vector_options):
    """Project chosen words' vectors to 2-D and write a labelled PNG (no display needed).

    Words come from --words, --words-file and --groups; by default the classic assignment's list (great, cool,
    ... coffee, tea) where those words are in the vocabulary, else the most frequent words. Unknown words are
    skipped with a warning; fewer than two known words is an error.

    \b
    Example:
      w2v plot-pca runs/toy/vectors.txt --groups corpora/toy_groups.yaml --out toy.png
    """
    from w2vcli.plot import choose_plot_words, plot_words_2d, read_groups, read_word_list

    vectors = _load_vectors(vectors_path, **vector_options)
    groups = read_groups(groups_file) if groups_file else None
    requested = []
    if words_csv:
        requested += [w.strip() for w in words_csv.split(",") if w.strip()]
    if words_file:
        requested += read_word_list(words_file)
    words, unknown = choose_plot_words(vectors.words, requested, groups)
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        click.echo(f"Warning: skipped {len(unknown)} word(s) not in the vocabulary: {shown}", err=True)
    plot_words_2d(words, vectors.subset(words).vectors, out_path, title=f"{method.upper()} of {vectors_path}",
                  groups=groups, method=method)
    click.echo(f"wrote {out_path} ({len(words)} words)")


@main.command()
@click.argument("vectors_path", metavar="VECTORS", type=click.Path())
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True, help="HTML file to write.")
@click.option("--words", "words_csv", help="Comma-separated words to show.")
@click.option("--words-file", type=click.Path(dir_okay=False), help="File of words to show, one per line.")
@click.option("--groups", "groups_file", type=click.Path(dir_okay=False),
              help="YAML mapping group -> list of words: one colour per group (its words are shown too).")
@click.option("--method", type=click.Choice(["pca", "tsne"]), default="pca", show_default=True,
              help="pca (linear) or tsne (non-linear: distances between clusters and cluster sizes mean "
                   "nothing; slow beyond a few thousand words).")
@VECTOR_OPTIONS
def explore(vectors_path, out_path, words_csv, words_file, groups_file, method, **vector_options):
    """Write one self-contained HTML page to look around VECTORS in a browser, offline: the words' 2-D
    projection coloured by group, a search box, and each word's 10 nearest words (cosine, among the page's
    words) listed when it is searched or clicked. PAGE.html#q=WORD opens with WORD searched.

    Words come from --words, --words-file and --groups; by default the first 5,000 words of the file (the most
    frequent, in most files), or all --limit N read. Unknown words are skipped with a warning; fewer than two
    known words is an error.

    \b
    Examples:
      w2v explore runs/toy/vectors.bin --groups corpora/toy_groups.yaml --out toy.html
      w2v explore GoogleNews-vectors-negative300.bin.gz --limit 5000 --out news.html
    """
    from w2vcli.errors import W2VError
    from w2vcli.explore import DEFAULT_WORDS, page_words, write_explore_page
    from w2vcli.plot import read_groups, read_word_list

    vectors = _load_vectors(vectors_path, **vector_options)
    groups = read_groups(groups_file) if groups_file else None
    requested = []
    if words_csv is not None:
        requested += [w.strip() for w in words_csv.split(",") if w.strip()]
    if words_file:
        requested += read_word_list(words_file)
    if (words_csv is not None or words_file or groups_file) and not requested and not any((groups or {}).values()):
        raise W2VError("the word list is empty: give words with --words, --words-file or --groups")
    most_frequent = vector_options.get("limit") or DEFAULT_WORDS
    words, unknown = page_words(vectors.words, requested, groups, most_frequent)
    if unknown and not words:
        raise W2VError(f"none of the {len(unknown)} word(s) asked for is in the vocabulary of {vectors_path}")
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        click.echo(f"Warning: skipped {len(unknown)} word(s) not in the vocabulary: {shown}", err=True)
    size = write_explore_page(out_path, vectors.subset(words), f"{method.upper()} of {vectors_path}", groups,
                              method)
    click.echo(f"wrote {out_path} ({len(words):,} words, {size / 1024:,.0f} KB)")


@main.command()
@click.argument("vectors_path", metavar="VECTORS", type=click.Path())
@click.option("--pairs", type=click.Path(dir_okay=False), help="Word-pair similarity file (word1 TAB word2 TAB score).")
@click.option("--analogies", type=click.Path(dir_okay=False),
              help="Analogy file (`: section`, then `a b c d`), or `questions-words` for the downloaded Google set.")
@click.option("--method", type=click.Choice(["add", "cosmul"]), default="add", show_default=True,
              help="Analogies by 3CosAdd (gensim's most_similar) or 3CosMul (gensim's most_similar_cosmul).")
@click.option("--restrict-vocab", type=click.IntRange(min=1), default=300000, show_default=True,
              help="Use only the first N (most frequent) words.")
@click.option("--dummy4unknown", is_flag=True,
              help="Keep pairs with an unknown word at similarity 0, and count such analogy questions wrong, "
                   "instead of skipping them (gensim's dummy4unknown).")
@click.option("--case-sensitive", is_flag=True, help="Compare words as written, not upper-cased.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@VECTOR_OPTIONS
def evaluate(vectors_path, pairs, analogies, method, restrict_vocab, dummy4unknown, case_sensitive, as_json,
             **vector_options):
    """Score VECTORS on word-pair similarity and/or analogies, with gensim's conventions.

    Pairs: Spearman and Pearson correlation of cosine with the human scores, and the percentage of pairs with
    an unknown word. Analogies: accuracy overall and per `: section`, then word2vec compute-accuracy's summary
    (total, semantic: the first five sections, syntactic: the rest; questions seen / total). --method cosmul
    answers b - a + c by argmax cos'(b,w)·cos'(c,w) / (cos'(a,w) + 1e-6), cos' = (1 + cos) / 2. Words are
    compared upper-cased (the first case variant wins) unless --case-sensitive; unknown words are skipped
    unless --dummy4unknown; malformed lines are skipped and counted.

    \b
    Examples:
      w2v evaluate runs/sst/vectors.bin --pairs simlex999.txt
      w2v download questions-words && w2v evaluate vectors.bin --analogies questions-words --method cosmul
    """
    from w2vcli.errors import ConfigError
    from w2vcli.evaluate import (
        compute_accuracy_summary,
        evaluate_word_analogies,
        evaluate_word_pairs,
        resolve_analogies,
    )

    if not pairs and not analogies:
        raise ConfigError("give --pairs FILE and/or --analogies FILE")
    analogies_path = resolve_analogies(analogies) if analogies else None
    vectors = _load_vectors(vectors_path, **vector_options)
    conventions = {"restrict_vocab": restrict_vocab, "dummy4unknown": dummy4unknown, "case_sensitive": case_sensitive}
    report = {}
    if pairs:
        report["pairs"] = evaluate_word_pairs(vectors, pairs, **conventions)
    if analogies:
        report["analogies"] = evaluate_word_analogies(vectors, analogies_path, method=method, **conventions)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    if pairs:
        r = report["pairs"]
        click.echo(f"pairs {pairs}: spearman {r['spearman']:.4f}  pearson {r['pearson']:.4f}  "
                   f"oov {r['oov_ratio']:.1f}%  ({r['pairs_used']} pairs used, {r['skipped_lines']} lines skipped)")
    if analogies:
        r = report["analogies"]
        name = {"add": "3CosAdd", "cosmul": "3CosMul"}[method]
        click.echo(f"analogies {analogies} ({name}): accuracy {r['accuracy']:.4f} ({r['correct']}/{r['total']}), "
                   f"oov {r['oov_ratio']:.1f}%")
        for section in r["sections"]:
            counts = f"({section['correct']}/{section['total']})"
            click.echo(f"  {section['section']:<30} {section['accuracy']:.4f} {counts}")
        for line in compute_accuracy_summary(r):
            click.echo(line)


@main.command("convert")
@click.argument("in_path", metavar="IN", type=click.Path())
@click.argument("out_path", metavar="OUT", type=click.Path())
@click.option("--to", "fmt", type=click.Choice(["text", "binary", "folder", "projector"]),
              help="Format of OUT  [default: from its name: .bin binary, .txt or .vec text, no suffix folder]")
@VECTOR_OPTIONS
def convert_command(in_path, out_path, fmt, **vector_options):
    """Write the vectors of IN (any format w2v reads) to OUT in another format.

    text and binary are word2vec's formats; folder writes OUT/vectors.npy and OUT/vocab.txt, which every w2v
    command memory-maps (opening is instant, whatever the size); projector writes OUT_tensor.tsv and
    OUT_metadata.tsv, as gensim's word2vec2tensor, for the Embedding Projector's "Load data"
    (projector.tensorflow.org). With --center, OUT holds the centred vectors.

    \b
    Examples:
      w2v convert glove.6B.300d.txt.gz glove300
      w2v convert runs/toy/vectors.bin runs/toy/vectors.txt
      w2v convert runs/toy/vectors.bin runs/toy/toy --to projector --limit 5000
    """
    from w2vcli.convert import convert

    vectors, fmt, written = convert(in_path, out_path, fmt, **vector_options)
    count, dim = vectors.vectors.shape
    click.echo(f"wrote {' and '.join(map(str, written))} ({fmt}, {count:,} words x {dim})")


@main.command()
@click.argument("vectors_path", metavar="VECTORS", type=click.Path())
@click.option("--topn", type=click.IntRange(min=1), default=10, show_default=True, help="Neighbours per query.")
@click.option("--json", "as_json", is_flag=True,
              help='One JSON object per query: {"query": ..., "neighbors": [[word, cosine], ...]} or '
                   '{"query": ..., "error": ...}.')
@VECTOR_OPTIONS
def query(vectors_path, topn, as_json, **vector_options):
    """Load VECTORS once, then answer each line of standard input with its nearest words by cosine.

    A line is a word, or words joined by + and - standing alone: `king - man + woman` gives the words closest
    to king - man + woman, as gensim's most_similar(positive=[king, woman], negative=[man]), the query words
    excluded. An unknown word or a malformed line is an error for that line only (stderr, or an "error" object
    with --json); blank lines are skipped. At a terminal it prompts `query> `; it ends at end of input (Ctrl-D)
    or quietly on Ctrl-C. Each answer is flushed at once, so another program can drive it through a pipe.

    \b
    Examples:
      w2v query runs/toy/vectors.bin
      printf 'cat\\nking - man + woman\\n' | w2v query runs/toy/vectors.bin --topn 3 --json
    """
    import os

    from w2vcli.query import answer

    vectors = _load_vectors(vectors_path, **vector_options)
    interactive = sys.stdin.isatty()
    try:
        for line in _query_lines(interactive):
            if not line.strip():
                continue
            result = answer(vectors, line, topn)
            if as_json:
                click.echo(json.dumps(result, ensure_ascii=False))
            elif "error" in result:
                click.echo(f"Error: {result['error']}", err=True)
            else:
                click.echo(f"{result['query']}:")
                for neighbour, cosine in result["neighbors"]:
                    click.echo(f"  {neighbour:<20} {cosine:.4f}")
            sys.stdout.flush()
    except KeyboardInterrupt:  # Ctrl-C ends the session: no message, the shell's prompt on a line of its own
        if interactive:
            click.echo(err=True)
        sys.exit(130)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, and keep Python's exit flush quiet too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


def _query_lines(interactive: bool):
    """Lines of standard input: at a terminal read by input() with a `query> ` prompt and line editing; from a
    pipe or file as bytes, decoded as UTF-8 (bytes that are not UTF-8 read as U+FFFD: an unknown word)."""
    import contextlib

    if not interactive:
        yield from (raw.decode("utf-8", errors="replace") for raw in iter(sys.stdin.buffer.readline, b""))
        return
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (input() then offers history and line editing)
    while True:
        try:
            yield input("query> ")
        except EOFError:  # Ctrl-D
            click.echo()
            return
