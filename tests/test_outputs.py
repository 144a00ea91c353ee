"""Tests of w2vcli.outputs: the files `save` chooses are the files written, model.npz is the final checkpoint
(linked, bit for bit, surviving rotation), the PNGs come from a child process whose failure is one W2VError."""
from __future__ import annotations

import errno
import json
import os
import re
import signal
import sys

import matplotlib.image
import numpy as np
import pytest
from reference import read_binary_vectors, read_text_vectors, same_bits

import w2vcli.outputs as outputs
from w2vcli.checkpoint import KEEP, save_checkpoint
from w2vcli.config import TrainConfig
from w2vcli.engines.base import TrainState
from w2vcli.errors import W2VError
from w2vcli.outputs import HISTORY_COLUMNS, start_drawing, write_outputs
from w2vcli.vectors import WordVectors
from w2vcli.vocab import Vocab

WORDS = ["the", "king", "queen", "man", "woman", "café", "日本", "tea", "coffee", "rain"]
RUN_FILES = ["checkpoints", "explore.html", "loss.csv", "model.npz"]  # and loss.png, pca.png when drawn


def make_run(dim: int = 6, dtype=np.float32, seed: int = 0):
    """(vocab, state at step 75, history (4, 5)) of a made-up run."""
    rng = np.random.default_rng(seed)
    vocab = Vocab(WORDS, np.arange(len(WORDS), 0, -1, dtype=np.int64) * 10, corpus_tokens=550, corpus_types=10)
    center = rng.standard_normal((len(WORDS), dim)).astype(dtype)  # (V, d)
    outside = rng.standard_normal((len(WORDS), dim)).astype(dtype)  # (V, d)
    state = TrainState(center, outside, step=75, rng=rng, words_done=550, running_loss=3.25)
    history = np.array([[25, 4.1, 4.0, 0.02, 200], [50, 3.7, 3.5, 0.01, 400], [75, 3.25, 3.1, 0.001, 550],
                        [80, 3.2, 3.0, 1e-4, 560]], dtype=np.float64)  # (4, 5)
    return vocab, state, history


def final_checkpoint(folder, vocab, state, history):
    """The run's last checkpoint with the arrays model.npz needs: save_checkpoint's file, plus words and counts
    (which checkpoint.save_checkpoint is to add itself)."""
    path = save_checkpoint(folder, state, history, {"dim": state.center_vectors.shape[1]}, "fingerprint")
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    arrays.update(words=np.array(vocab.words), counts=vocab.counts)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


class NoDrawing:
    """Stands in for the drawing child where a test is not about the PNGs (a child takes ~1 s to start)."""

    inputs = None  # nothing handed over yet

    def draw(self, out_dir, vocab, state, history, config):
        pass

    def wait(self):
        pass

    def stop(self):
        pass


def run_outputs(out, save="bin", pictures=False, explore=True, **run):
    """write_outputs of a made-up run into out; the PNGs drawn only when pictures is true."""
    vocab, state, history = make_run(**run)
    checkpoint = final_checkpoint(out / "checkpoints", vocab, state, history)
    write_outputs(out, vocab, state, history, TrainConfig(save=save, explore=explore), checkpoint,
                  drawing=None if pictures else NoDrawing())
    return vocab, state, history, checkpoint


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith("."))


# -- the vector files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("save, files", [("bin", ["vectors.bin"]), ("txt", ["vectors.txt"]),
                                         ("txt,bin", ["vectors.bin", "vectors.txt"])])
def test_the_formats_chosen_are_the_files_written(tmp_path, save, files):
    vocab, state, _, _ = run_outputs(tmp_path, save)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(RUN_FILES + files)
    for name in files:
        reader = read_binary_vectors if name.endswith(".bin") else read_text_vectors
        words, vectors = reader(tmp_path / name)
        assert words == WORDS and same_bits(vectors, state.center_vectors), name
    assert leftovers(tmp_path) == []


def test_a_vector_file_not_chosen_is_not_left_from_an_earlier_run(tmp_path):
    (tmp_path / "vectors.txt").write_text("1 1\nstale 0.5\n", encoding="utf-8")
    run_outputs(tmp_path, "bin")
    assert not (tmp_path / "vectors.txt").exists() and (tmp_path / "vectors.bin").is_file()


# -- model.npz: the final checkpoint ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])  # the fast engine's and the NumPy engine's state
def test_model_npz_is_the_final_checkpoint_and_loads_back_bit_for_bit(tmp_path, dtype):
    vocab, state, history, checkpoint = run_outputs(tmp_path, dtype=dtype)
    model = tmp_path / "model.npz"
    assert os.path.samefile(model, checkpoint)  # a second name, no copy
    with np.load(model, allow_pickle=False) as data:
        assert np.array_equal(data["center_vectors"], state.center_vectors)
        assert np.array_equal(data["outside_vectors"], state.outside_vectors)
        assert data["center_vectors"].dtype == dtype
        assert data["words"].tolist() == WORDS
        assert np.array_equal(data["counts"], vocab.counts)
        assert np.array_equal(data["history"], history)
    for matrix, want in [("center", state.center_vectors), ("outside", state.outside_vectors)]:
        loaded = WordVectors.load(model, matrix=matrix)
        assert loaded.words == WORDS and same_bits(loaded.vectors, want.astype(np.float32)), matrix
    summed = WordVectors.load(model, matrix="sum").vectors  # the sum of the float32 matrices, as before
    assert same_bits(summed, state.center_vectors.astype(np.float32) + state.outside_vectors.astype(np.float32))


def test_model_npz_survives_checkpoint_rotation(tmp_path):
    vocab, state, history, checkpoint = run_outputs(tmp_path)
    before = (tmp_path / "model.npz").read_bytes()
    for step in range(state.step + 1, state.step + 1 + KEEP):  # newer checkpoints push the final one out
        state.step = step
        save_checkpoint(tmp_path / "checkpoints", state, history, {}, "fingerprint")
    assert not checkpoint.exists()
    assert (tmp_path / "model.npz").read_bytes() == before
    assert os.stat(tmp_path / "model.npz").st_nlink == 1
    assert WordVectors.load(tmp_path / "model.npz").words == WORDS


def test_model_npz_is_a_copy_where_linking_fails(tmp_path, monkeypatch):
    def cannot_link(source, target):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(outputs.os, "link", cannot_link)
    _, _, _, checkpoint = run_outputs(tmp_path)
    model = tmp_path / "model.npz"
    assert not os.path.samefile(model, checkpoint)
    assert model.read_bytes() == checkpoint.read_bytes()
    assert leftovers(tmp_path) == []


def test_an_older_model_npz_is_replaced(tmp_path):
    (tmp_path / "model.npz").write_bytes(b"an older run's model")
    _, _, _, checkpoint = run_outputs(tmp_path)
    assert os.path.samefile(tmp_path / "model.npz", checkpoint)
    assert leftovers(tmp_path) == []


def test_writing_the_outputs_twice_keeps_the_link(tmp_path):
    vocab, state, history, checkpoint = run_outputs(tmp_path)
    write_outputs(tmp_path, vocab, state, history, TrainConfig(), checkpoint, drawing=NoDrawing())
    assert os.path.samefile(tmp_path / "model.npz", checkpoint)
    assert leftovers(tmp_path) == []


def test_a_checkpoint_without_words_cannot_be_model_npz(tmp_path):
    vocab, state, history = make_run()
    checkpoint = save_checkpoint(tmp_path / "checkpoints", state, history, {}, "fingerprint")  # no words, counts
    with pytest.raises(W2VError, match=r"final checkpoint .*step-000000075.npz lacks words, counts"):
        write_outputs(tmp_path, vocab, state, history, TrainConfig(), checkpoint)
    assert not (tmp_path / "model.npz").exists()
    with pytest.raises(W2VError, match="a checkpoint without its words"):
        WordVectors.load(checkpoint)


# -- loss.csv and the PNGs ----------------------------------------------------------------------------------------


def test_loss_csv_rows(tmp_path):
    run_outputs(tmp_path)
    assert (tmp_path / "loss.csv").read_text(encoding="utf-8").splitlines() == [
        ",".join(HISTORY_COLUMNS),
        "25,4.100000,4.000000,0.02,200",
        "50,3.700000,3.500000,0.01,400",
        "75,3.250000,3.100000,0.001,550",
        "80,3.200000,3.000000,0.0001,560",
    ]


def test_the_pngs_and_the_explore_page_appear(tmp_path):
    run_outputs(tmp_path, pictures=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(RUN_FILES + ["loss.png", "pca.png", "vectors.bin"])
    assert matplotlib.image.imread(tmp_path / "loss.png").shape == (500, 800, 4)
    assert matplotlib.image.imread(tmp_path / "pca.png").shape == (600, 800, 4)


def test_the_child_gets_only_the_plotted_rows_and_its_inputs_are_removed(tmp_path):
    vocab, state, history = make_run()
    drawing = start_drawing()
    drawing.draw(tmp_path, vocab, state, history, TrainConfig())
    with np.load(drawing.inputs) as data:
        words = data["words"].tolist()  # the assignment's words that are in the vocabulary, in its order
        assert words == ["queen", "king", "man", "woman", "rain", "coffee", "tea"]
        assert np.array_equal(data["vectors"], state.center_vectors[[WORDS.index(w) for w in words]])
        assert str(data["pca_title"]) == f"PCA of {tmp_path / 'vectors.bin'}"
    drawing.wait()
    assert not drawing.inputs.exists()
    assert drawing.seconds > 0
    assert (tmp_path / "pca.png").is_file() and (tmp_path / "loss.png").is_file()


def test_the_explore_page_shows_the_most_frequent_words_and_their_neighbours(tmp_path, monkeypatch):
    monkeypatch.setattr("w2vcli.explore.DEFAULT_WORDS", 8)  # read by write_page: the first 8 of the 10 words
    vocab, state, history, _ = run_outputs(tmp_path, pictures=True)
    page = (tmp_path / "explore.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S).group(1))
    assert data["words"] == WORDS[:8]
    page_vectors = WordVectors(WORDS[:8], state.center_vectors[:8])
    for i, word in enumerate(WORDS[:8]):
        shown = [WORDS[j] for j in data["neighbours"][i * 7:(i + 1) * 7]]  # k = 7: every other word of the 8
        assert shown == [w for w, _ in page_vectors.most_similar([word], topn=10)]
    assert f"<title>PCA of {tmp_path / 'vectors.bin'}</title>" in page


def test_no_explore_writes_no_page_and_removes_an_older_one(tmp_path):
    (tmp_path / "explore.html").write_text("an earlier run's page", encoding="utf-8")
    vocab, state, history = make_run()
    checkpoint = final_checkpoint(tmp_path / "checkpoints", vocab, state, history)
    write_outputs(tmp_path, vocab, state, history, TrainConfig(explore=False), checkpoint)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(RUN_FILES) - {"explore.html"}
                                                                | {"loss.png", "pca.png", "vectors.bin"})


def test_a_failing_child_is_one_clear_error(tmp_path):
    with pytest.raises(W2VError) as info:
        run_outputs(tmp_path, pictures=True, explore=False, dim=1)  # PCA to 2-D is impossible: the child's error
    assert str(info.value) == ("drawing loss.png and pca.png failed: PCA to 2-D needs vectors of at least 2 "
                               "dimensions")
    assert (tmp_path / "vectors.bin").is_file() and (tmp_path / "model.npz").is_file()  # written meanwhile
    assert leftovers(tmp_path) == []


def test_a_crashing_child_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")  # exits 1, says nothing
    with pytest.raises(W2VError, match=r"^drawing loss.png and pca.png failed: exit code 1$"):
        run_outputs(tmp_path, pictures=True)


def test_a_killed_child_is_one_clear_error(tmp_path):
    vocab, state, history = make_run()
    drawing = start_drawing()
    os.kill(drawing.process.pid, signal.SIGKILL)
    drawing.draw(tmp_path, vocab, state, history, TrainConfig())  # finds the child gone: wait() says so
    with pytest.raises(W2VError, match=r"^drawing loss.png and pca.png failed: killed by signal 9$"):
        drawing.wait()
    assert not drawing.inputs.exists()


def test_a_failed_write_stops_the_child(tmp_path, monkeypatch):
    import w2vcli.vectors

    def full_disk(path, words, vectors):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(w2vcli.vectors, "save_word2vec_binary", full_disk)
    vocab, state, history = make_run()
    checkpoint = final_checkpoint(tmp_path / "checkpoints", vocab, state, history)
    drawing = start_drawing()
    with pytest.raises(OSError):
        write_outputs(tmp_path, vocab, state, history, TrainConfig(), checkpoint, drawing=drawing)
    assert drawing.process.poll() is not None and not drawing.inputs.exists()
    assert leftovers(tmp_path) == []  # a PNG being written when the child was stopped is removed


def test_a_child_never_handed_its_inputs_ends_quietly(tmp_path):
    drawing = start_drawing()
    drawing.stop()  # e.g. training failed: stdin closes, the child exits without drawing
    assert drawing.process.returncode in (0, -signal.SIGTERM, 128 + signal.SIGTERM)
    assert sorted(tmp_path.iterdir()) == []
