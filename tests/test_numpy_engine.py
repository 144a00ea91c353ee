"""Tests of the NumPy engine: one SGD step equals the core's single-example math, window_pairs, schedules."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vcli import core
from w2vcli.config import TrainConfig
from w2vcli.encoded import EncodedCorpus
from w2vcli.engines.base import linear_decay, word2vec_init
from w2vcli.engines.numpy_engine import NumpyEngine, apply_gradient, window_pairs
from w2vcli.vocab import Vocab, huffman_tree

V, D, K = 7, 4, 3  # vocabulary size, dimension, negatives of the hand-built problem
WORDS = [f"w{i}" for i in range(V)]
WORD2IND = {w: i for i, w in enumerate(WORDS)}
COUNTS = np.array([40, 30, 20, 12, 9, 6, 5], dtype=np.int64)


def clone_rng(rng: np.random.Generator) -> np.random.Generator:
    copy = np.random.default_rng()
    copy.bit_generator.state = rng.bit_generator.state
    return copy


def make_engine(model: str, loss: str, tokens=None, offsets=None, **options) -> NumpyEngine:
    vocab = Vocab(WORDS, COUNTS.copy(), int(COUNTS.sum()), V)
    if tokens is None:
        tokens, offsets = np.arange(V, dtype=np.int32), np.array([0, V])
    corpus = EncodedCorpus(np.asarray(tokens, dtype=np.int32), np.asarray(offsets, dtype=np.int64))
    config = TrainConfig(engine="numpy", model=model, loss=loss, dim=D, negative=K, quiet=True, **options)
    return NumpyEngine(config, vocab, corpus)


# A hand-built batch of 5 windows; window 2 has no context word (left out of the mean), words repeat both
# across windows and within a window (w1 twice in window 3), and a context word equals its center (window 4).
CENTER_WORDS = np.array([0, 3, 5, 1, 2])  # (B,)
WINDOW_ID = np.array([0, 0, 0, 1, 3, 3, 3, 3, 4, 4])  # (P,) sorted, as window_pairs returns them
CONTEXT_WORDS = np.array([1, 2, 6, 4, 1, 0, 1, 6, 2, 3])  # (P,)
USED_WINDOWS = [0, 1, 3, 4]


def windows_of_batch():
    """[(center index, [context indices in pair order], [pair numbers])] for windows with context."""
    out = []
    for w in USED_WINDOWS:
        pairs = np.flatnonzero(WINDOW_ID == w)
        out.append((int(CENTER_WORDS[w]), [int(c) for c in CONTEXT_WORDS[pairs]], list(pairs)))
    return out


def reference_step(model, loss, center_vectors, outside_vectors, negatives, lr):
    """SGD step built from core.skipgram / core.cbow, summed over windows, divided by the windows, times lr."""
    total_loss = 0.0
    grad_c = np.zeros_like(center_vectors)
    grad_u = np.zeros_like(outside_vectors)
    windows = windows_of_batch()
    for n, (center, contexts, pairs) in enumerate(windows):
        if loss == "neg":
            # skip-gram predicts each context word (negatives per pair); CBOW predicts the center (per window)
            rows = iter(negatives[pairs] if model == "skipgram" else negatives[[n]])

            def loss_and_gradient(vec, idx, outside, rows=rows):
                return core.neg_sampling_loss_and_gradient(vec, idx, outside, next(rows))
        elif loss == "hs":
            loss_and_gradient = core.hs_with_tree(huffman_tree(COUNTS))
        else:
            loss_and_gradient = core.naive_softmax_loss_and_gradient
        function = core.skipgram if model == "skipgram" else core.cbow
        window_loss, gc, gu = function(
            WORDS[center], [WORDS[c] for c in contexts], WORD2IND, center_vectors, outside_vectors,
            loss_and_gradient,
        )
        total_loss += window_loss
        grad_c += gc
        grad_u += gu
    n = len(windows)
    return total_loss / n, center_vectors - lr * grad_c / n, outside_vectors - lr * grad_u / n


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["neg", "softmax", "hs"])
def test_sgd_step_equals_core_single_example_step(model, loss):
    engine = make_engine(model, loss)
    data = np.random.default_rng(42)
    center0, outside0 = data.normal(size=(V, D)), data.normal(size=(V, D))
    state = engine.init_state(seed=7)
    state.center_vectors, state.outside_vectors = center0.copy(), outside0.copy()
    lr = 0.25

    before = clone_rng(state.rng)
    negatives = None
    if loss == "neg":
        predicted = CONTEXT_WORDS if model == "skipgram" else CENTER_WORDS[USED_WINDOWS]
        negatives = engine.sampler.sample(before, predicted, K)  # the draws the engine will make
        assert negatives.shape == (len(predicted), K)
        assert not (negatives == predicted[:, None]).any()

    step_loss, num_windows = engine.sgd_step(state, CENTER_WORDS, WINDOW_ID, CONTEXT_WORDS, lr)

    want_loss, want_center, want_outside = reference_step(model, loss, center0, outside0, negatives, lr)
    assert num_windows == 4
    assert isinstance(step_loss, float)
    assert step_loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(state.center_vectors, want_center, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state.outside_vectors, want_outside, rtol=1e-12, atol=1e-14)
    # the step really moved things, and the engine drew exactly the negatives reproduced above
    assert not np.allclose(state.center_vectors, center0)
    assert not np.allclose(state.outside_vectors, outside0)
    assert state.rng.bit_generator.state == before.bit_generator.state


def test_hs_engine_builds_the_vocabularys_tree_and_moves_only_path_rows():
    engine = make_engine("skipgram", "hs")
    tree = huffman_tree(COUNTS)
    for built, want in zip(engine.tree, tree, strict=True):
        np.testing.assert_array_equal(built, want)
    assert engine.sampler is None  # no negatives: --negative is ignored
    state = engine.init_state(seed=3)
    state.outside_vectors = np.random.default_rng(0).normal(size=(V, D))
    outside0 = state.outside_vectors.copy()
    engine.sgd_step(state, CENTER_WORDS, WINDOW_ID, CONTEXT_WORDS, 0.1)
    changed = np.flatnonzero((state.outside_vectors != outside0).any(axis=1))
    on_paths = {int(n) for w in CONTEXT_WORDS for n in tree.points[w, :tree.lengths[w]]}
    assert changed.tolist() == sorted(on_paths)  # the inner nodes on the context words' paths
    assert V - 1 not in on_paths  # V - 1 inner nodes: the outside matrix's last row is never used


def test_sgd_step_rows_not_in_batch_are_untouched_with_negative_sampling():
    engine = make_engine("skipgram", "neg")
    state = engine.init_state(seed=3)
    data = np.random.default_rng(0)
    state.center_vectors, state.outside_vectors = data.normal(size=(V, D)), data.normal(size=(V, D))
    center0 = state.center_vectors.copy()
    engine.sgd_step(state, CENTER_WORDS, WINDOW_ID, CONTEXT_WORDS, 0.1)
    changed = np.flatnonzero((state.center_vectors != center0).any(axis=1))
    # skip-gram only moves the centers of windows with context (window 2's center, w5, has none)
    assert changed.tolist() == sorted({int(CENTER_WORDS[w]) for w in USED_WINDOWS})


def test_sgd_step_with_no_pairs_is_a_no_op():
    engine = make_engine("cbow", "neg")
    state = engine.init_state(seed=3)
    center0, rng_state = state.center_vectors.copy(), state.rng.bit_generator.state
    empty = np.zeros(0, dtype=np.int64)
    assert engine.sgd_step(state, np.array([1, 2]), empty, empty, 0.5) == (0.0, 0)
    assert np.array_equal(state.center_vectors, center0)
    assert state.rng.bit_generator.state == rng_state


def test_init_state_is_word2vec_initialisation_and_seeded():
    engine = make_engine("skipgram", "neg")
    a, b, c = engine.init_state(5), engine.init_state(5), engine.init_state(6)
    assert a.center_vectors.shape == (V, D) and a.outside_vectors.shape == (V, D)
    assert np.all(np.abs(a.center_vectors) < 0.5 / D)
    assert np.all(a.outside_vectors == 0.0)
    assert a.step == 0 and a.words_done == 0 and a.running_loss is None
    assert np.array_equal(a.center_vectors, b.center_vectors)
    assert not np.array_equal(a.center_vectors, c.center_vectors)


def test_init_state_and_epochs_lr_are_the_shared_rules_of_engines_base():
    engine = make_engine("skipgram", "neg", batch_size=2, epochs=3, lr=0.2, min_lr=0.02)
    state, want = engine.init_state(11), word2vec_init(np.random.default_rng(11), V, D)
    assert state.center_vectors.dtype == np.float64
    assert np.array_equal(state.center_vectors, want.center_vectors)
    assert np.array_equal(state.outside_vectors, want.outside_vectors)
    assert state.rng.bit_generator.state == want.rng.bit_generator.state  # the same draws follow
    rates = [engine.learning_rate(s) for s in range(engine.total_steps)]
    assert rates == [linear_decay(0.2, 0.02, s / engine.total_steps) for s in range(engine.total_steps)]


def test_apply_gradient_moves_only_the_gradient_rows_and_adds_repeats():
    matrix = np.ones((4, 2))
    apply_gradient(matrix, core.RowGradient(np.array([2, 0, 2]), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])),
                   0.5)
    assert matrix.tolist() == [[-0.5, -1.0], [1.0, 1.0], [-2.0, -3.0], [1.0, 1.0]]  # row 2: 1 - 0.5 · (1 + 5)
    apply_gradient(matrix, core.RowGradient(None, np.full((4, 2), 2.0)), 0.25)  # every row
    assert matrix.tolist() == [[-1.0, -1.5], [0.5, 0.5], [-2.5, -3.5], [0.5, 0.5]]


# ----------------------------------------------------------------------------------------------- window_pairs


def expected_pairs(positions, start, end, shrink):
    window_ids, contexts = [], []
    for b, pos in enumerate(positions):
        for ctx in range(pos - shrink[b], pos + shrink[b] + 1):
            if ctx != pos and start[pos] <= ctx < end[pos]:
                window_ids.append(b)
                contexts.append(ctx)
    return window_ids, contexts


def sentence_bounds(lengths):
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    sentence = np.repeat(np.arange(len(lengths)), lengths)
    return offsets[sentence], offsets[sentence + 1]  # start (n,), end (n,)


def test_window_pairs_hand_checked():
    # sentences [0 1 2] [3 4 5 6 7] [8]
    start, end = sentence_bounds([3, 5, 1])
    positions = np.array([1, 5, 8, 3])
    rng = np.random.default_rng(0)
    shrink = clone_rng(rng).integers(1, 3, size=4)
    window_id, context = window_pairs(rng, positions, start, end, window=2)
    want = {
        0: [p for p in (-1, 0, 2, 3) if abs(p - 1) <= shrink[0] and 0 <= p < 3],
        1: [p for p in (3, 4, 6, 7) if abs(p - 5) <= shrink[1]],
        2: [],  # a one-word sentence has no context
        3: [p for p in (1, 2, 4, 5) if abs(p - 3) <= shrink[3] and 3 <= p < 8],
    }
    assert window_id.tolist() == [b for b in range(4) for _ in want[b]]
    assert context.tolist() == [p for b in range(4) for p in want[b]]
    assert 2 not in window_id.tolist()


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 9), min_size=1, max_size=6),
    window=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_window_pairs_properties(lengths, window, seed, data):
    start, end = sentence_bounds(lengths)
    n = int(sum(lengths))
    positions = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=12)), dtype=np.int64)
    rng = np.random.default_rng(seed)
    shrink = clone_rng(rng).integers(1, window + 1, size=len(positions))
    window_id, context = window_pairs(rng, positions, start, end, window)
    center = positions[window_id]
    assert np.all(context != center)  # never the center
    assert np.all((context >= start[center]) & (context < end[center]))  # never across a sentence bound
    assert np.all(np.abs(context - center) <= shrink[window_id])  # the shrunk window
    assert np.all(np.abs(context - center) <= window)
    assert np.all(np.diff(window_id) >= 0)  # window order
    same = np.diff(window_id) == 0
    assert np.all(np.diff(context)[same] > 0)  # left to right within a window
    want_ids, want_ctx = expected_pairs(positions, start, end, shrink)
    assert window_id.tolist() == want_ids and context.tolist() == want_ctx  # and nothing is missing


# -------------------------------------------------------------------------------------------------- schedules


def corpus_of(lengths, vocab_size=V, seed=0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, vocab_size, size=int(sum(lengths)))
    return tokens, np.concatenate([[0], np.cumsum(lengths)])


def test_total_steps_epochs_and_iterations():
    tokens, offsets = corpus_of([5, 6, 7, 5])  # 23 tokens
    engine = make_engine("skipgram", "neg", tokens, offsets, batch_size=5, epochs=3)
    assert engine.steps_per_pass == 5  # ceil(23 / 5)
    assert engine.total_steps == 15
    engine = make_engine("skipgram", "neg", tokens, offsets, batch_size=23, epochs=2)
    assert engine.total_steps == 2
    engine = make_engine("skipgram", "neg", tokens, offsets, batch_size=100, epochs=4)
    assert engine.total_steps == 4  # at least one step per pass
    engine = make_engine("skipgram", "neg", tokens, offsets, batch_size=5, epochs=3, iterations=7)
    assert engine.total_steps == 7  # iterations overrides epochs


def test_iterations_schedule_halves_every_anneal_every_steps():
    tokens, offsets = corpus_of([5, 6, 7])
    engine = make_engine("skipgram", "neg", tokens, offsets, lr=0.4, iterations=50, anneal_every=10)
    assert engine.learning_rate(0) == 0.4
    assert engine.learning_rate(9) == 0.4
    assert engine.learning_rate(10) == 0.2
    assert engine.learning_rate(19) == 0.2
    assert engine.learning_rate(20) == 0.1
    assert engine.learning_rate(49) == pytest.approx(0.4 / 16)


def test_iterations_run_reports_the_halving_lr():
    tokens, offsets = corpus_of([5, 6, 7])
    engine = make_engine("cbow", "neg", tokens, offsets, lr=0.4, iterations=7, anneal_every=2, batch_size=4,
                         sample=0.0)
    state = engine.init_state(1)
    reports = list(engine.run(state))
    assert [r.step for r in reports] == list(range(1, 8))
    assert [r.lr for r in reports] == [0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05]
    assert all(r.words == 4 for r in reports)  # every sampled window comes from a sentence of >= 2 words
    assert state.step == 7 and state.words_done == 28
    assert all(math.isfinite(r.loss) and r.loss > 0 for r in reports)


def test_epochs_schedule_decays_linearly_to_min_lr():
    tokens, offsets = corpus_of([5, 6, 7, 5])
    engine = make_engine("skipgram", "neg", tokens, offsets, lr=0.5, min_lr=0.01, batch_size=5, epochs=4)
    total = engine.total_steps
    assert total == 20
    assert engine.learning_rate(0) == 0.5
    assert engine.learning_rate(total) == pytest.approx(0.01, abs=1e-15)
    assert engine.learning_rate(total // 2) == pytest.approx(0.255)
    rates = np.array([engine.learning_rate(s) for s in range(total + 1)])
    np.testing.assert_allclose(np.diff(rates), -(0.5 - 0.01) / total, rtol=1e-9)
    # the default min_lr is lr / 1e4
    engine = make_engine("skipgram", "neg", tokens, offsets, lr=0.5, batch_size=5, epochs=4)
    assert engine.learning_rate(engine.total_steps) == pytest.approx(0.5e-4)


def test_epochs_run_visits_every_token_once_per_epoch_without_subsampling():
    tokens, offsets = corpus_of([5, 6, 7, 5, 2])  # 25 tokens, every sentence has >= 2 words
    engine = make_engine("skipgram", "softmax", tokens, offsets, batch_size=4, epochs=2, sample=0.0, lr=0.1)
    state = engine.init_state(2)
    reports = list(engine.run(state))
    assert len(reports) == engine.total_steps == 14
    assert [r.words for r in reports[:7]] == [4, 4, 4, 4, 4, 4, 1]
    assert sum(r.words for r in reports) == 50 == state.words_done
    assert [r.lr for r in reports] == [engine.learning_rate(s) for s in range(14)]
    assert all(b.lr < a.lr for a, b in zip(reports, reports[1:]))


def patterned_corpus(num_sentences=60, length=12, seed=0):
    """Sentences that count up from a random word mod V: each word's neighbours are predictable."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, V, size=num_sentences)
    tokens = (starts[:, None] + np.arange(length)) % V  # (S, length)
    return tokens.ravel(), np.arange(0, num_sentences * length + 1, length)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("schedule", [dict(epochs=8), dict(iterations=120, anneal_every=60)],
                         ids=["epochs", "iterations"])
def test_hs_run_loss_falls(model, schedule):
    """A seeded run on a patterned corpus with window 1: the loss starts at about the mean path length times ln 2
    a predicted word (the outside vectors start at 0: every branch 1/2; skip-gram predicts the two neighbours) and
    falls well below it (to skip-gram's floor of 2 ln 2 a window: either neighbour; CBOW's is 0); the same seed
    gives the same losses."""
    tokens, offsets = patterned_corpus()
    options = dict(batch_size=48, window=1, sample=0.0, lr=1.0, **schedule)

    def losses():
        engine = make_engine(model, "hs", tokens, offsets, **options)
        return [r.loss for r in engine.run(engine.init_state(5))]

    first = losses()
    tree = huffman_tree(COUNTS)
    mean_depth = tree.lengths[tokens].mean()  # of the predicted words: every token, in the long run
    assert first[0] == pytest.approx(mean_depth * math.log(2) * (2 if model == "skipgram" else 1), rel=0.1)
    assert np.mean(first[-10:]) < 0.6 * np.mean(first[:10])
    assert all(math.isfinite(x) for x in first)
    assert losses() == first


@pytest.mark.parametrize("negative", [5, 0])
def test_train_with_hs_writes_full_size_matrices_and_says_negative_is_ignored(tmp_path, negative):
    """`w2v train --engine numpy --loss hs` end to end: V - 1 inner nodes use rows 0..V-2 of the outside matrix,
    so model.npz keeps its (V, d) shape and row V-1 keeps its initial zeros; a set negative is said to be
    ignored."""
    from w2vcli.train import train

    tokens, offsets = patterned_corpus(num_sentences=40)
    lines = [" ".join(WORDS[t] for t in tokens[a:b]) for a, b in zip(offsets, offsets[1:])]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(lines) + "\n")
    config = TrainConfig(engine="numpy", loss="hs", corpus=str(corpus), dim=D, epochs=2, negative=negative,
                         min_count=1, checkpoint_every=0, quiet=True, save="txt", explore=False)
    messages = []
    result = train(config, tmp_path / "out", log=messages.append)
    ignored = [m for m in messages if m.startswith("negative is ignored with loss hs")]
    assert ignored == ([f"negative is ignored with loss hs (negative {negative}): hierarchical softmax alone, "
                        "as gensim's hs=1, negative=0"] if negative else [])
    model = np.load(tmp_path / "out" / "model.npz")
    num_words = len(result.vocab)
    assert num_words == V
    assert model["center_vectors"].shape == model["outside_vectors"].shape == (V, D)
    assert np.all(model["outside_vectors"][V - 1] == 0)
    assert np.all(np.abs(model["outside_vectors"][: V - 1]).sum(axis=1) > 0)  # every inner node trained
    history = result.history[:, 1]  # running loss
    assert history[-1] < history[0]


@pytest.mark.parametrize("schedule", [dict(epochs=3), dict(iterations=30, anneal_every=10)],
                         ids=["epochs", "iterations"])
def test_hs_run_resumed_from_a_copied_state_equals_the_uninterrupted_run(schedule):
    """A new engine (its tree built again from the counts) continues a copied mid-run state bit for bit: hierarchical
    softmax draws nothing from the generator, so the state is all a resume needs, as with the other losses."""
    tokens, offsets = patterned_corpus()
    options = dict(batch_size=48, window=2, lr=0.5, **schedule)
    engine = make_engine("skipgram", "hs", tokens, offsets, **options)
    whole = engine.init_state(9)
    whole_losses = [r.loss for r in engine.run(whole)]

    first = make_engine("skipgram", "hs", tokens, offsets, **options)
    part = first.init_state(9)
    for report in first.run(part):
        if report.step == 12:
            break
    copied = type(part)(part.center_vectors.copy(), part.outside_vectors.copy(), part.step, clone_rng(part.rng),
                        part.words_done)
    second = make_engine("skipgram", "hs", tokens, offsets, **options)
    resumed_losses = [r.loss for r in second.run(copied)]
    assert resumed_losses == whole_losses[12:]
    assert np.array_equal(copied.center_vectors, whole.center_vectors)
    assert np.array_equal(copied.outside_vectors, whole.outside_vectors)


def test_cli_hs_with_one_word_is_a_one_line_error(tmp_path):
    from click.testing import CliRunner

    from w2vcli.cli import main

    corpus = tmp_path / "one.txt"
    corpus.write_text("a a a a a a\na a a\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["train", "--corpus", str(corpus), "--engine", "numpy", "--loss", "hs",
                                       "--min-count", "1", "--out", str(out), "--quiet"])
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == (
        "Error: hierarchical softmax needs at least 2 words in the vocabulary")
    assert "Traceback" not in result.output
    assert not out.exists()  # what the run created is removed
