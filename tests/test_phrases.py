"""`w2v phrases` (w2vcli/phrases.py) against gensim 4.4's Phrases on the same sentences: the same phrases with the
same scores (exactly), the same rewritten text, the same len_vocab; the compiled path against the Python one
(also when pruning); and bad input through the command line."""
from __future__ import annotations

import io
import os
import random
from pathlib import Path

import numpy as np
import pytest
from gensim.models.phrases import Phrases
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import make_runner

import w2vcli.phrases as phrases_module
from w2vcli.cli import main
from w2vcli.corpus import SST_HEADER, Corpus
from w2vcli.errors import W2VError
from w2vcli.phrases import PhraseSettings, count_pairs, phrase_corpus, phrase_pass, score_pairs

PLANTED = ["new york", "new york city", "san francisco", "ice cream", "hot dog stand", "of the", "in the"]


def planted_corpus(path: Path, sentences: int = 2500, seed: int = 0, odd: bool = False) -> Path:
    """Random sentences over 303 Zipf-weighted words, each with a planted collocation (PLANTED) half the time;
    odd: some tokens hold the delimiter, so that words and joined pairs share strings (`new_york`)."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(300)] + ["the", "of", "in"]
    weights = [1 / (rank + 1) for rank in range(len(words))]
    extra = ["new_york", "york_city", "new_york_city", "x", "y", "x_", "_y", "x__y", "x___y", "new__york"]
    extra = extra if odd else []
    lines = []
    for _ in range(sentences):
        tokens = rng.choices(words, weights, k=rng.randint(1, 14))
        if rng.random() < 0.5:
            at = rng.randint(0, len(tokens))
            tokens[at:at] = rng.choice(PLANTED).split()
        if extra and rng.random() < 0.3:
            tokens.insert(rng.randint(0, len(tokens)), rng.choice(extra))
        lines.append(" ".join(tokens))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def gensim_pass(sentences: list[list[str]], config: PhraseSettings):
    """(phrases found with their scores, the rewritten sentences as bytes, len_vocab) by gensim's Phrases."""
    model = Phrases(sentences, min_count=config.min_count, threshold=config.threshold, scoring=config.scoring,
                    delimiter=config.delimiter)
    rewritten = [model[sentence] for sentence in sentences]
    text = "".join(" ".join(sentence) + "\n" for sentence in rewritten).encode("utf-8")
    return model.find_phrases(sentences), text, len(model.vocab), rewritten, model


def ours(corpus: Corpus, config: PhraseSettings, compiled: bool):
    handle = io.BytesIO()
    result = phrase_pass(corpus, handle, config, compiled)
    return result.phrases, handle.getvalue(), result.len_vocab


SETTINGS = [PhraseSettings(5, 10.0), PhraseSettings(5, 2.0), PhraseSettings(3, 0.3, "npmi"),
            PhraseSettings(1, -0.2, "npmi")]


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
@pytest.mark.parametrize("config", SETTINGS, ids=lambda c: f"{c.scoring}-{c.min_count}-{c.threshold}")
def test_same_phrases_scores_and_text_as_gensim(tmp_path, config, compiled):
    corpus = Corpus(planted_corpus(tmp_path / "c.txt"))
    found, text, len_vocab, _, _ = gensim_pass(list(corpus), config)
    assert len(found) >= 5  # planted pairs at least
    assert ours(corpus, config, compiled) == (found, text, len_vocab)  # dict equality: scores to the bit


def test_planted_phrases_are_found_and_joined_left_to_right(tmp_path):
    corpus = Corpus(planted_corpus(tmp_path / "c.txt"))
    found, text, _ = ours(corpus, PhraseSettings(5, 10.0), compiled=True)
    assert {"new_york", "san_francisco", "ice_cream", "hot_dog"} <= set(found)
    counts = count_pairs(corpus)
    scored = score_pairs(counts, PhraseSettings(5, 10.0))
    york, city = counts.words.index("york"), counts.words.index("city")
    assert (york << 32) | city in scored.keys  # york city scores above the threshold, but ...
    assert "york_city" not in found and "new_york city" in text.decode()  # a b c with both pairs phrases: a_b c


def test_all_pairs_above_threshold_as_gensims_export_phrases(tmp_path):
    corpus = Corpus(planted_corpus(tmp_path / "c.txt", seed=1))
    config = PhraseSettings(5, 4.0)
    counts = count_pairs(corpus)
    scored = score_pairs(counts, config)
    exported = {counts.words[k >> 32] + "_" + counts.words[k & 0xFFFFFFFF]: s
                for k, s in zip(scored.keys.tolist(), scored.scores.tolist())}
    model = Phrases(list(corpus), min_count=5, threshold=4.0)
    assert exported == model.export_phrases()
    assert len(exported) > len(phrase_pass(corpus, io.BytesIO(), config).phrases)  # some never get joined


@pytest.mark.parametrize("delimiter", ["_", "__"])
def test_tokens_holding_the_delimiter_share_strings_with_pairs_as_in_gensim(tmp_path, delimiter):
    corpus = Corpus(planted_corpus(tmp_path / "c.txt", seed=2, odd=True))
    config = PhraseSettings(1, 3.0, delimiter=delimiter)
    found, text, len_vocab, _, model = gensim_pass(list(corpus), config)
    counts = count_pairs(corpus)
    assert len_vocab < len(counts.words) + len(counts.pair_keys)  # some strings are shared
    assert ours(corpus, config, True) == (found, text, len_vocab)
    assert ours(corpus, config, False) == (found, text, len_vocab)


@pytest.mark.parametrize("config", [PhraseSettings(5, 10.0, passes=2), PhraseSettings(2, 0.2, "npmi", passes=3)],
                         ids=["default", "npmi"])
def test_more_passes_are_gensims_phrases_of_phrases(tmp_path, config):
    corpus = Corpus(planted_corpus(tmp_path / "c.txt", seed=3))
    result = phrase_corpus(corpus, tmp_path / "out.txt", config)
    sentences = list(corpus)
    for number in range(config.passes):
        found, _, len_vocab, sentences, _ = gensim_pass(sentences, config)
        assert result.passes[number].phrases == found
        assert result.passes[number].len_vocab == len_vocab
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "".join(" ".join(s) + "\n" for s in sentences)
    assert "new_york_city" in result.passes[1].phrases  # a phrase of a phrase
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", "out.txt"]  # the pass between deleted


def test_gcide_head_as_gensim(tmp_path):
    gcide = Path("/work/shared/corpora/gcide/gcide.txt")
    if not gcide.exists():
        pytest.skip("no GCIDE")
    with open(gcide, "rb") as handle:
        head = b"".join(handle.readline() for _ in range(20_000))
    (tmp_path / "gcide-head.txt").write_bytes(head)
    corpus = Corpus(tmp_path / "gcide-head.txt")
    found, text, len_vocab, _, _ = gensim_pass(list(corpus), PhraseSettings())
    assert len(found) > 100
    assert ours(corpus, PhraseSettings(), True) == (found, text, len_vocab)


def _sorted_counts(counts):
    order = np.argsort(counts.pair_keys)
    return (counts.words, counts.word_counts.tolist(), counts.pair_keys[order].tolist(),
            counts.pair_counts[order].tolist(), counts.tokens, counts.sentences, counts.pruned)


@pytest.mark.parametrize("max_vocab", [40, 300, 2000])
def test_compiled_prunes_as_python_does(tmp_path, max_vocab):
    corpus = Corpus(planted_corpus(tmp_path / "c.txt", sentences=1500, seed=4))
    compiled, python = count_pairs(corpus, max_vocab, compiled=True), count_pairs(corpus, max_vocab, compiled=False)
    assert _sorted_counts(compiled) == _sorted_counts(python)
    assert compiled.pruned > 0
    assert len(compiled.words) + len(compiled.pair_keys) <= max_vocab  # pruned after the last sentence too
    config = PhraseSettings(2, 1.0, max_vocab=max_vocab)
    assert ours(corpus, config, True) == ours(corpus, config, False)


def test_reads_what_train_reads_sst_unicode_case_and_long_lines(tmp_path):
    sst = tmp_path / "sst.txt"
    body = ["1\tNew York is BIG", "2\tCafé Crème in New York", "3\tthe café crème of new york"] * 30
    sst.write_text(SST_HEADER + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    long_line = tmp_path / "long.txt"
    long_line.write_text(" ".join(["new york"] * 12_000 + ["café"] * 3) + "\n", encoding="utf-8")
    for corpus in (Corpus(sst), Corpus(sst, lowercase=False), Corpus(long_line)):
        config = PhraseSettings(2, 0.5, "npmi")
        found, text, len_vocab, _, _ = gensim_pass(list(corpus), config)
        assert found
        assert ours(corpus, config, True) == ours(corpus, config, False) == (found, text, len_vocab)
    assert "café_crème" in ours(Corpus(sst), PhraseSettings(2, 0.5, "npmi"), True)[0]
    assert len(ours(Corpus(long_line), PhraseSettings(2, 0.5, "npmi"), True)[1].splitlines()) == 3  # cut at 10,000


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", "a_b", "b_c", "a_", "_b", "a__b", "É"]), min_size=1,
                         max_size=8), min_size=1, max_size=30),
       st.integers(1, 3), st.sampled_from([0.5, 2.0, 8.0]), st.sampled_from(["_", "__"]))
def test_random_corpora_as_gensim(sentences, min_count, threshold, delimiter):
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    path = folder / f"w2v-phrases-hypothesis-{os.getpid()}.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in sentences), encoding="utf-8")
    try:
        corpus = Corpus(path, lowercase=False)
        config = PhraseSettings(min_count, threshold, delimiter=delimiter)
        found, text, len_vocab, _, _ = gensim_pass(list(corpus), config)
        assert ours(corpus, config, True) == ours(corpus, config, False) == (found, text, len_vocab)
    finally:
        path.unlink()


def test_a_failed_run_leaves_nothing_and_keeps_the_old_output(tmp_path, monkeypatch):
    corpus = Corpus(planted_corpus(tmp_path / "c.txt", sentences=200))
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    real_rewrite, calls = phrases_module.rewrite, []

    def rewrite_then_fail(*args, **kwargs):
        written = real_rewrite(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise W2VError("disk full")
        return written

    monkeypatch.setattr(phrases_module, "rewrite", rewrite_then_fail)
    with pytest.raises(W2VError, match="disk full"):
        phrase_corpus(corpus, out, PhraseSettings(passes=2))
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", "out.txt"]


# --- the command line ---


def run(*args):
    result = make_runner().invoke(main, ["phrases", *map(str, args)])
    assert "Traceback" not in result.output + result.stderr
    return result


def test_cli_summary_and_output_that_train_reads(tmp_path):
    corpus = planted_corpus(tmp_path / "c.txt")
    result = run(corpus, "--out", tmp_path / "out.txt", "--passes", "2")
    assert result.exit_code == 0, result.stderr
    found, text, _, rewritten, _ = gensim_pass(list(Corpus(corpus)), PhraseSettings())
    again, _, _, rewritten, _ = gensim_pass(rewritten, PhraseSettings())
    tokens = sum(len(s) for s in Corpus(corpus))
    line = result.stdout.strip()
    assert line.startswith(f"found {len(found) + len(again):,} phrases (pass 1: {len(found)}, pass 2: {len(again)}), "
                           f"joined {tokens - sum(len(s) for s in rewritten):,} times: {tokens:,} → "
                           f"{sum(len(s) for s in rewritten):,} tokens in ")
    assert line.endswith(f" s; wrote {tmp_path / 'out.txt'}")
    assert list(Corpus(tmp_path / "out.txt")) == rewritten  # what `w2v train --corpus OUT` reads
    trained = make_runner().invoke(main, ["train", "--corpus", str(tmp_path / "out.txt"), "--out",
                                          str(tmp_path / "run"), "--engine", "numpy", "--iterations", "3",
                                          "--dim", "4", "--quiet"])
    assert trained.exit_code == 0, trained.stderr


def bad_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


BAD = {
    "missing corpus": (lambda d: [d / "nope.txt"], 1, "nope.txt"),
    "empty corpus": (lambda d: [bad_file(d, "empty.txt", b"")], 1, "no words"),
    "blank corpus": (lambda d: [bad_file(d, "blank.txt", b"\n  \n")], 1, "no words"),
    "not UTF-8": (lambda d: [bad_file(d, "latin1.txt", "new york\ncafé\n".encode("latin-1"))], 1, "latin1.txt:2"),
    "binary": (lambda d: [bad_file(d, "nul.txt", b"ab\0cd\n")], 1, "NUL"),
    "npmi threshold above 1": (lambda d: [d / "ok.txt", "--scoring", "npmi", "--threshold", "1.5"], 2, "(-1, 1]"),
    "npmi threshold -1": (lambda d: [d / "ok.txt", "--scoring", "npmi", "--threshold", "-1"], 2, "(-1, 1]"),
    "npmi default threshold": (lambda d: [d / "ok.txt", "--scoring", "npmi"], 2, "--threshold"),
    "default threshold 0": (lambda d: [d / "ok.txt", "--threshold", "0"], 2, "positive"),
    "threshold nan": (lambda d: [d / "ok.txt", "--threshold", "nan"], 2, "finite"),
    "passes 0": (lambda d: [d / "ok.txt", "--passes", "0"], 2, "--passes"),
    "min-count 0": (lambda d: [d / "ok.txt", "--min-count", "0"], 2, "--min-count"),
    "max-vocab 0": (lambda d: [d / "ok.txt", "--max-vocab", "0"], 2, "--max-vocab"),
    "space delimiter": (lambda d: [d / "ok.txt", "--delimiter", " "], 2, "--delimiter"),
    "empty delimiter": (lambda d: [d / "ok.txt", "--delimiter", ""], 2, "--delimiter"),
    "sst line without tab": (lambda d: [bad_file(d, "s.txt", f"{SST_HEADER}\n1\tok\nno tab\n".encode()), "--format",
                                        "sst"], 1, "s.txt:3"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_error_line(tmp_path, case):
    (tmp_path / "ok.txt").write_text("new york is big\n")
    make_args, exit_code, named = BAD[case]
    result = run(*make_args(tmp_path), "--out", tmp_path / "out.txt")
    assert result.exit_code == exit_code, (result.exit_code, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and named in errors[0], result.stderr
    assert not (tmp_path / "out.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize("out", ["folder", "corpus"])
def test_out_must_be_another_file(tmp_path, out):
    corpus = planted_corpus(tmp_path / "c.txt", sentences=50)
    target = {"folder": tmp_path, "corpus": corpus}[out]
    before = corpus.read_bytes()
    result = run(corpus, "--out", target)
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")][0].startswith(
        f"Error: --out {target} is ")
    assert corpus.read_bytes() == before
