"""Vocabulary building, subsampling keep probabilities and the negative sampler."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import w2vcli.vocab as vocab_module
from w2vcli.errors import W2VError
from w2vcli.vocab import NegativeSampler, Vocab, keep_probabilities, read_vocab_file, vocab_text

SENTENCES = [["x", "y", "z", "y"], ["z", "w", "v"], ["q", "y"]]
# counts: y 3, z 2, x 1, w 1, v 1, q 1 ; first appearance: x y z w v q


# --- building ---------------------------------------------------------------------------------------------------


def test_counts_and_order_ties_in_first_appearance_order():
    vocab = Vocab.build(SENTENCES, min_count=1)
    assert vocab.words == ["y", "z", "x", "w", "v", "q"]
    assert vocab.counts.tolist() == [3, 2, 1, 1, 1, 1]
    assert vocab.counts.dtype == np.int64
    assert vocab.corpus_tokens == 9
    assert vocab.corpus_types == 6
    assert vocab.total == 9
    assert len(vocab) == 6
    assert vocab.word2ind == {"y": 0, "z": 1, "x": 2, "w": 3, "v": 4, "q": 5}


def test_ties_follow_first_appearance_not_alphabet():
    vocab = Vocab.build([["b", "a", "d", "c"], ["c", "a"]], min_count=1)
    assert vocab.words == ["a", "c", "b", "d"]  # a:2, c:2 (a seen first), then b:1, d:1 (b seen first)


def test_min_count_drops_rare_words_but_corpus_stats_are_before_filtering():
    vocab = Vocab.build(SENTENCES, min_count=2)
    assert vocab.words == ["y", "z"]
    assert vocab.counts.tolist() == [3, 2]
    assert vocab.total == 5
    assert vocab.corpus_tokens == 9
    assert vocab.corpus_types == 6


def test_max_vocab_keeps_the_most_frequent():
    vocab = Vocab.build(SENTENCES, min_count=1, max_vocab=3)
    assert vocab.words == ["y", "z", "x"]
    assert vocab.total == 6
    both = Vocab.build(SENTENCES, min_count=2, max_vocab=10)
    assert both.words == ["y", "z"]


def test_build_accepts_a_generator_once():
    vocab = Vocab.build((s for s in SENTENCES), min_count=1)
    assert vocab.total == 9


def test_no_word_reaches_min_count_is_an_error_mentioning_the_option():
    with pytest.raises(W2VError) as err:
        Vocab.build(SENTENCES, min_count=4)
    message = str(err.value)
    assert "--min-count" in message
    assert "'y'" in message and "3 times" in message


def test_empty_corpus_is_an_error():
    with pytest.raises(W2VError, match="no words"):
        Vocab.build([[], []], min_count=1)


# --- subsampling ------------------------------------------------------------------------------------------------

COUNTS = np.array([100, 10, 1])  # N = 111


def test_keep_probabilities_mikolov_hand_computed():
    t = 0.01
    keep = keep_probabilities(COUNTS, t, "mikolov")
    # f = count / 111: 100 -> (sqrt(90.09) + 1) * t/f = 10.4916 * 0.0111 = 0.11646
    #                   10 -> (sqrt(9.009) + 1) * 0.111 = 0.44416 ; 1 -> 2.16 capped at 1
    assert keep == pytest.approx([0.116457, 0.444168, 1.0], rel=1e-5)
    for count, p in zip(COUNTS, keep):
        f = count / 111
        assert p == pytest.approx(min(1.0, (math.sqrt(f / t) + 1) * t / f), rel=1e-12)


def test_keep_probabilities_assignment_hand_computed():
    t = 0.01
    keep = keep_probabilities(COUNTS, t, "assignment")
    # sqrt(t * N / count): sqrt(1.11 / 100) = 0.105357, sqrt(1.11 / 10) = 0.333167, sqrt(1.11) > 1 -> 1
    assert keep == pytest.approx([0.1053565, 0.3331666, 1.0], rel=1e-6)
    for count, p in zip(COUNTS, keep):
        assert p == pytest.approx(min(1.0, math.sqrt(t * 111 / count)), rel=1e-12)


def test_keep_probabilities_default_rule_is_mikolov():
    assert keep_probabilities(COUNTS, 0.01).tolist() == keep_probabilities(COUNTS, 0.01, "mikolov").tolist()


@pytest.mark.parametrize("rule", ["mikolov", "assignment"])
def test_sample_zero_keeps_everything(rule):
    keep = keep_probabilities(COUNTS, 0.0, rule)
    assert keep.shape == (3,)
    assert keep.tolist() == [1.0, 1.0, 1.0]


def test_unknown_sample_rule_is_an_error():
    with pytest.raises(W2VError, match="rule"):
        keep_probabilities(COUNTS, 1e-3, "other")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=30), st.floats(1e-6, 1e-1))
def test_keep_probabilities_properties(counts, t):
    counts = np.array(counts)
    mik = keep_probabilities(counts, t, "mikolov")
    asg = keep_probabilities(counts, t, "assignment")
    for keep in (mik, asg):
        assert np.all(keep > 0) and np.all(keep <= 1.0)
        order = np.argsort(counts, kind="stable")
        assert np.all(np.diff(keep[order]) <= 1e-12)  # more frequent -> kept less (or equally) often
    assert np.all(mik >= asg - 1e-12)  # (sqrt(x) + 1)/x >= 1/sqrt(x)


# --- negative sampling ------------------------------------------------------------------------------------------

SAMPLER_COUNTS = np.array([500, 200, 120, 60, 30, 10, 5, 1])


def test_sampler_probabilities_are_count_to_the_075():
    sampler = NegativeSampler(SAMPLER_COUNTS)
    expected = SAMPLER_COUNTS**0.75 / (SAMPLER_COUNTS**0.75).sum()
    np.testing.assert_allclose(sampler.probs, expected, rtol=1e-12)
    np.testing.assert_allclose(NegativeSampler(SAMPLER_COUNTS, exponent=1.0).probs, SAMPLER_COUNTS / 926)


@pytest.mark.parametrize("outside", [7, 0, 3])
def test_sampler_empirical_frequencies(outside):
    """~200k draws match count^0.75 / sum, conditioned on not being the outside word."""
    sampler = NegativeSampler(SAMPLER_COUNTS)
    rng = np.random.default_rng(123)
    draws = sampler.sample(rng, outside, 200_000)
    assert draws.shape == (200_000,)
    freq = np.bincount(draws, minlength=len(SAMPLER_COUNTS)) / draws.size
    p = SAMPLER_COUNTS**0.75 / (SAMPLER_COUNTS**0.75).sum()
    expected = p.copy()
    expected[outside] = 0.0
    expected /= expected.sum()
    assert freq[outside] == 0.0
    assert 0.5 * np.abs(freq - expected).sum() < 0.01  # total variation
    big = expected > 0.05
    np.testing.assert_allclose(freq[big], expected[big], rtol=0.03)


def test_sampler_unconditional_frequencies_over_random_outside_words():
    """Outside words drawn from the corpus: overall negatives follow the mixture of conditionals."""
    sampler = NegativeSampler(SAMPLER_COUNTS)
    rng = np.random.default_rng(7)
    outside = rng.integers(0, len(SAMPLER_COUNTS), size=20_000)
    draws = sampler.sample(rng, outside, 10)
    assert draws.shape == (20_000, 10)
    p = sampler.probs
    cond = np.tile(p, (len(p), 1))
    np.fill_diagonal(cond, 0.0)
    cond /= cond.sum(axis=1, keepdims=True)
    expected = (np.bincount(outside, minlength=len(p))[:, None] * cond).sum(axis=0) / len(outside)
    freq = np.bincount(draws.ravel(), minlength=len(p)) / draws.size
    assert 0.5 * np.abs(freq - expected).sum() < 0.01


def test_sampler_never_returns_the_outside_word_scalar_and_array():
    sampler = NegativeSampler(SAMPLER_COUNTS)
    rng = np.random.default_rng(0)
    for o in range(len(SAMPLER_COUNTS)):
        draws = sampler.sample(rng, o, 500)
        assert not np.any(draws == o)
        assert draws.min() >= 0 and draws.max() < len(SAMPLER_COUNTS)
    outside = rng.integers(0, len(SAMPLER_COUNTS), size=2000)
    draws = sampler.sample(rng, outside, 15)
    assert draws.shape == (2000, 15)
    assert not np.any(draws == outside[:, None])


def test_sampler_with_a_dominant_word():
    counts = np.array([10**5, 10, 10, 10])
    sampler = NegativeSampler(counts)
    assert sampler.probs[0] > 0.9
    rng = np.random.default_rng(5)
    draws = sampler.sample(rng, 0, 30_000)
    assert not np.any(draws == 0)
    freq = np.bincount(draws, minlength=4)[1:] / draws.size
    np.testing.assert_allclose(freq, [1 / 3] * 3, atol=0.015)
    outside = np.zeros(1000, dtype=np.int64)
    outside[::2] = 2
    draws = sampler.sample(rng, outside, 20)
    assert draws.shape == (1000, 20)
    assert not np.any(draws == outside[:, None])
    # with word 1 outside, most draws are the dominant word 0 and none are 1
    draws = sampler.sample(rng, np.int64(1), 10_000)
    assert not np.any(draws == 1)
    assert np.mean(draws == 0) > 0.9


def test_sampler_two_words_always_returns_the_other():
    sampler = NegativeSampler(np.array([1000, 1]))
    rng = np.random.default_rng(1)
    assert sampler.sample(rng, 0, 50).tolist() == [1] * 50
    assert sampler.sample(rng, 1, 50).tolist() == [0] * 50
    assert sampler.sample(rng, np.array([0, 1, 0]), 4).tolist() == [[1] * 4, [0] * 4, [1] * 4]


def test_sampler_shapes():
    sampler = NegativeSampler(SAMPLER_COUNTS)
    rng = np.random.default_rng(2)
    assert sampler.sample(rng, 3, 10).shape == (10,)
    assert sampler.sample(rng, np.array([1, 2, 3, 4, 5]), 10).shape == (5, 10)
    assert sampler.sample(rng, np.array([1]), 1).shape == (1, 1)
    assert np.issubdtype(sampler.sample(rng, 3, 10).dtype, np.integer)


def test_sampler_same_seed_same_draws():
    sampler = NegativeSampler(SAMPLER_COUNTS)
    outside = np.array([0, 1, 2, 3, 0, 0])
    a = sampler.sample(np.random.default_rng(42), outside, 25)
    b = sampler.sample(np.random.default_rng(42), outside, 25)
    c = sampler.sample(np.random.default_rng(43), outside, 25)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("counts", [[], [5]])
def test_sampler_needs_two_words(counts):
    with pytest.raises(W2VError, match="at least 2"):
        NegativeSampler(np.array(counts))


def test_max_vocab_bounds_memory_while_counting_and_reports_pruning(monkeypatch):
    """300,000 distinct once-seen tokens plus a few frequent words: counting never holds more than the limit
    (max_vocab + PRUNE_SLACK types, the slack lowered here to 100,000), the frequent words survive with exact
    counts, and pruning is reported."""
    monkeypatch.setattr(vocab_module, "PRUNE_SLACK", 100_000)
    frequent = ["alpha", "beta", "gamma"]

    def sentences():
        for i in range(300_000):
            yield [f"rare{i}", frequent[i % 3]]

    vocab = Vocab.build(sentences(), min_count=1, max_vocab=3)
    assert vocab.words == frequent
    assert vocab.counts.tolist() == [100_000, 100_000, 100_000]
    assert vocab.corpus_tokens == 600_000
    assert vocab.pruned_types >= 200_000
    assert vocab.corpus_types <= 100_003


def test_pruning_every_word_away_is_the_max_vocab_error(monkeypatch):
    """5 distinct once-seen words with max_vocab 1 and a slack of 2: the one sentence holds more than 3, pruning
    drops every word (count <= 1), and nothing comes after. The error names --max-vocab (scan.count_corpus's)."""
    monkeypatch.setattr(vocab_module, "PRUNE_SLACK", 2)
    with pytest.raises(W2VError) as err:
        Vocab.build([["a", "b"], ["c", "d", "e"]], min_count=1, max_vocab=1)
    assert str(err.value) == ("every word was dropped while counting (--max-vocab 1 holds the 3 most frequent at "
                              "most, dropping the rarest): raise --max-vocab")
    assert Vocab.build([["a", "b"], ["c", "d", "e"], ["a"]], min_count=1, max_vocab=1).words == ["a"]  # one after


def test_no_pruning_without_max_vocab():
    vocab = Vocab.build([[f"w{i}" for i in range(1000)]], min_count=1)
    assert vocab.pruned_types == 0 and vocab.corpus_types == 1000


# --- the vocabulary file ----------------------------------------------------------------------------------------


def test_vocab_text_is_word2vecs_save_vocab_layout():
    assert vocab_text(Vocab.build(SENTENCES, min_count=1)) == "y 3\nz 2\nx 1\nw 1\nv 1\nq 1\n"


@settings(max_examples=40, deadline=None)
@given(
    sentences=st.lists(st.lists(st.sampled_from(list("abcdefgh") + ["é", "x_y"]), min_size=1, max_size=6),
                       min_size=1, max_size=12),
    min_count=st.integers(0, 3),
    max_vocab=st.one_of(st.none(), st.integers(2, 5)),
)
def test_read_back_with_the_same_limits_is_the_built_vocabulary(tmp_path_factory, sentences, min_count, max_vocab):
    """A vocabulary written with every counted word, read back with min_count and max_vocab, equals the one
    counting builds with them (ties included): the limits apply to a read vocabulary as to a counted one."""
    try:
        built = Vocab.build(sentences, min_count, max_vocab)
    except W2VError:
        return  # no word reaches min_count: reading refuses too (another test)
    path = tmp_path_factory.mktemp("v") / "vocab.txt"
    path.write_text(vocab_text(Vocab.build(sentences, min_count=0)), encoding="utf-8")
    read = read_vocab_file(path, min_count, max_vocab)
    assert read.words == built.words
    assert read.counts.tolist() == built.counts.tolist()
