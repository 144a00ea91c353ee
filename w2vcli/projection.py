"""The 2-D maps' math: PCA with NumPy's SVD (pca_2d) or scikit-learn's t-SNE (imported only when asked for).

No matplotlib here (plot.py draws): explore.html is written by the trainer itself, which does not import it.
"""
from __future__ import annotations

import numpy as np

from w2vcli.errors import W2VError


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PCA to 2-D: (points (n, 2), explained variance ratio (2,)), equal to scikit-learn's PCA(n_components=2)
    (tests/test_plot.py checks it, signs included). Written out with NumPy's SVD because importing scikit-learn
    costs memory `w2v train` cannot afford within its budget (benchmarks/README.md measures it).

        X_c = X - mean(X)        X_c = U S V^T (SVD)        points = X_c V[:, :2] = U[:, :2] S[:2]
        explained variance ratio of component k = S_k^2 / Σ_j S_j^2
    """
    centered = vectors - vectors.mean(axis=0)  # (n, d)
    u, s, vt = np.linalg.svd(centered, full_matrices=False)  # u (n, r), s (r,), vt (r, d)
    signs = np.sign(vt[range(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])  # scikit-learn's sign convention:
    u, vt = u * signs, vt * signs[:, None]  # the largest entry of each component (row of V^T) is positive
    total = np.sum(s**2)
    ratio = s[:2] ** 2 / total if total > 0 else np.zeros(2)
    points = u[:, :2] * s[:2]  # (n, 2)
    if points.shape[1] < 2:  # fewer than 2 components (e.g. 2 words give 1): pad with zeros
        points = np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
        ratio = np.pad(ratio, (0, 2 - len(ratio)))
    return points, ratio


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """(points (n, 2), explained variance ratio (2,) or None): PCA (pca_2d, NumPy), or scikit-learn's t-SNE."""
    vectors = np.asarray(vectors, dtype=np.float64)  # (n, d)
    if method == "pca":
        return pca_2d(vectors)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = max(1.0, min(30.0, (len(vectors) - 1) / 3))  # t-SNE needs perplexity < n
        return TSNE(n_components=2, perplexity=perplexity, random_state=seed, init="pca").fit_transform(vectors), None
    raise W2VError(f"unknown projection {method!r} (choose pca or tsne)")
