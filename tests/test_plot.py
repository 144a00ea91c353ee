"""plot.py: the PCA used for pictures equals scikit-learn's, and the pictures are real PNGs."""
from __future__ import annotations

import matplotlib.image
import numpy as np
import pytest
from sklearn.decomposition import PCA

from w2vcli.errors import W2VError
from w2vcli.plot import pca_2d, plot_words_2d


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
