"""plot.py: the PCA used for pictures equals scikit-learn's, the pictures are real PNGs, and no two labels overlap."""
from __future__ import annotations

import io
import itertools

import matplotlib.image
import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch
from sklearn.decomposition import PCA

from w2vcli.config import TrainConfig
from w2vcli.errors import W2VError
from w2vcli.plot import pca_2d, plot_words_2d, words_figure
from w2vcli.plot_words import default_plot_words
from w2vcli.train import train
from w2vcli.vectors import load_vectors


@pytest.mark.parametrize("n, d, seed", [(24, 100, 0), (5, 3, 1), (40, 10, 2), (3, 50, 3)])
def test_pca_2d_equals_scikit_learn(n, d, seed):
    vectors = np.random.default_rng(seed).normal(size=(n, d)) * np.linspace(3, 0.1, d)  # (n, d)
    points, ratio = pca_2d(vectors)
    reference = PCA(n_components=2, svd_solver="full")
    expected = reference.fit_transform(vectors)
    np.testing.assert_allclose(points, expected, atol=1e-10)
    np.testing.assert_allclose(ratio, reference.explained_variance_ratio_, atol=1e-12)


def test_pca_2d_of_two_words_is_a_line():
    points, ratio = pca_2d(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    assert points.shape == (2, 2) and np.allclose(points[:, 1], 0) and ratio[0] == pytest.approx(1.0)
    assert abs(points[0, 0]) == pytest.approx(np.sqrt(2))


def test_plot_words_2d_writes_a_labelled_png(tmp_path):
    words = ["cat", "dog", "tea", "coffee"]
    vectors = np.random.default_rng(0).normal(size=(4, 8))
    plot_words_2d(words, vectors, tmp_path / "p.png", title="t", groups={"pets": ["cat", "dog"]})
    image = matplotlib.image.imread(tmp_path / "p.png")
    assert image.shape[0] >= 480 and image.shape[1] >= 640


def test_plot_words_2d_needs_two_words(tmp_path):
    with pytest.raises(W2VError, match="at least two words"):
        plot_words_2d(["cat"], np.ones((1, 3)), tmp_path / "p.png", title="t")
    assert not (tmp_path / "p.png").exists()


# -- labels that never overlap ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """The default `w2v train` (bundled toy corpus, fast engine) with --threads 1, so its vectors are fixed."""
    out = tmp_path_factory.mktemp("default-run") / "out"
    train(TrainConfig(threads=1, quiet=True), out, log=lambda message: None)
    return out


def label_boxes(labels) -> list:
    """The labels' boxes in display coordinates (pixels), from the drawn figure."""
    figure = labels[0].figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    return [label.get_window_extent(renderer) for label in labels]


def overlapping(labels) -> list[tuple[str, str]]:
    boxes = label_boxes(labels)
    return [(labels[i].get_text(), labels[j].get_text())
            for i, j in itertools.combinations(range(len(labels)), 2) if boxes[i].overlaps(boxes[j])]


def test_no_two_labels_of_the_default_runs_picture_overlap(default_run):
    vectors = load_vectors(default_run / "vectors.bin")
    words = default_plot_words(vectors.words)
    figure, labels = words_figure(words, vectors.subset(words).vectors, f"PCA of {default_run / 'vectors.bin'}")
    assert [label.get_text() for label in labels] == words and len(words) == 22
    assert overlapping(labels) == []
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    buffer.seek(0)  # the figure tested is the run's pca.png, pixel for pixel
    np.testing.assert_array_equal(matplotlib.image.imread(buffer), matplotlib.image.imread(default_run / "pca.png"))


def test_labels_piled_on_one_spot_are_moved_apart_with_lines():
    words = [f"word{i}" for i in range(12)]
    vectors = np.repeat(np.eye(3)[:2], 6, axis=0) + np.random.default_rng(0).normal(size=(12, 3)) * 1e-3  # (12, 3)
    figure, labels = words_figure(words, vectors, "two tight clusters")
    assert overlapping(labels) == []
    lines = [patch for patch in figure.axes[0].patches if isinstance(patch, FancyArrowPatch)]
    assert len(lines) >= 6  # most labels moved off their point, each with a line to it
