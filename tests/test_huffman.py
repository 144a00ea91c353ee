"""The Huffman tree of hierarchical softmax (w2vcli.vocab.huffman_tree): hand-worked trees, Kraft's equality,
prefix-free codes, optimal total length, and equality with word2vec C's CreateBinaryTree written out below."""
from __future__ import annotations

import heapq
from fractions import Fraction

import numpy as np
import pytest

from w2vcli.errors import W2VError
from w2vcli.vocab import HuffmanTree, huffman_tree


def path(tree: HuffmanTree, word: int) -> tuple[list[int], list[int]]:
    """(codes, points) of one word's path, from the root."""
    length = tree.lengths[word]
    return tree.codes[word, :length].tolist(), tree.points[word, :length].tolist()


def create_binary_tree(counts: list[int]) -> tuple[list[list[int]], list[list[int]]]:
    """word2vec C's CreateBinaryTree, transcribed line by line: counts sorted most frequent first, (codes,
    points) of each word from the root; C's 1e15 marks the inner nodes not yet created."""
    vocab_size = len(counts)
    count = list(counts) + [10**15] * vocab_size
    binary = [0] * (2 * vocab_size + 1)
    parent_node = [0] * (2 * vocab_size + 1)
    pos1, pos2 = vocab_size - 1, vocab_size
    for a in range(vocab_size - 1):
        mins = []
        for _ in range(2):
            if pos1 >= 0 and count[pos1] < count[pos2]:
                mins.append(pos1)
                pos1 -= 1
            else:
                mins.append(pos2)
                pos2 += 1
        min1i, min2i = mins
        count[vocab_size + a] = count[min1i] + count[min2i]
        parent_node[min1i] = vocab_size + a
        parent_node[min2i] = vocab_size + a
        binary[min2i] = 1
    all_codes, all_points = [], []
    for a in range(vocab_size):
        b, code, point = a, [], []
        while True:
            code.append(binary[b])
            point.append(b)
            b = parent_node[b]
            if b == vocab_size * 2 - 2:
                break
        i = len(code)
        word_code, word_point = [0] * i, [0] * (i + 1)
        word_point[0] = vocab_size - 2
        for b in range(i):
            word_code[i - b - 1] = code[b]
            word_point[i - b] = point[b] - vocab_size
        all_codes.append(word_code)
        all_points.append(word_point[:i])  # C's last entry is the leaf itself (negative), never read
    return all_codes, all_points


def heapq_huffman_cost(counts) -> int:
    """Σ count·length of an optimal prefix code: the sum of the weights of every merge of a textbook Huffman."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


def random_counts(seed: int, size: int) -> np.ndarray:
    """Zipf-like counts with many ties, in no order."""
    rng = np.random.default_rng(seed)
    return np.minimum(rng.zipf(1.5, size=size), 50).astype(np.int64)


def test_hand_worked_tree_of_four_words():
    """Counts (5, 3, 2, 1): 1+2 -> node 0 (3); node 0 ties leaf w1 (3) and is taken first -> node 1 (6), w1 its
    branch 1; w0 (5) + node 1 -> node 2 (11), the root. The first of each merge is branch 0:

                node 2 (11)
               0/       \\1
            w0 (5)     node 1 (6)
                      0/       \\1
                  node 0 (3)   w1 (3)
                  0/     \\1
               w3 (1)   w2 (2)
    """
    tree = huffman_tree(np.array([5, 3, 2, 1]))
    assert tree.lengths.tolist() == [1, 2, 3, 3]
    assert tree.codes.tolist() == [[0, 0, 0], [1, 1, 0], [1, 0, 1], [1, 0, 0]]
    assert tree.points.tolist() == [[2, 0, 0], [2, 1, 0], [2, 1, 0], [2, 1, 0]]
    assert (tree.codes.dtype, tree.points.dtype, tree.lengths.dtype) == (np.uint8, np.int32, np.int32)


def test_hand_worked_tree_of_equal_counts():
    """Counts (1, 1, 1, 1): w3+w2 -> node 0 (2); w1 (1) < node 0 (2), so w1+w0 -> node 1 (2); node 0 + node 1 ->
    node 2, the root: w0 = 11, w1 = 10, w2 = 01, w3 = 00."""
    tree = huffman_tree(np.array([1, 1, 1, 1]))
    assert [path(tree, w) for w in range(4)] == [
        ([1, 1], [2, 1]), ([1, 0], [2, 1]), ([0, 1], [2, 0]), ([0, 0], [2, 0])
    ]


def test_two_words_hang_from_the_root():
    tree = huffman_tree(np.array([2, 1]))
    assert [path(tree, w) for w in range(2)] == [([1], [0]), ([0], [0])]


@pytest.mark.parametrize("counts", [[], [7]], ids=["empty", "one-word"])
def test_fewer_than_two_words_is_an_error(counts):
    with pytest.raises(W2VError, match="hierarchical softmax needs at least 2 words in the vocabulary"):
        huffman_tree(np.array(counts, dtype=np.int64))


@pytest.mark.parametrize("seed", range(5))
def test_equals_word2vec_create_binary_tree(seed):
    counts = np.sort(random_counts(seed, 300))[::-1]  # C's precondition: sorted most frequent first
    want_codes, want_points = create_binary_tree(counts.tolist())
    tree = huffman_tree(counts)
    assert [path(tree, w) for w in range(len(counts))] == list(zip(want_codes, want_points, strict=True))
    assert tree.codes.shape[1] == max(map(len, want_codes)) == tree.lengths.max()


def test_unsorted_counts_are_sorted_stably_first():
    """counts (1, 3, 1, 2): by rank w1 (3), w3 (2), w0 (1), w2 (1), the tie w0 before w2 as by index."""
    counts = np.array([1, 3, 1, 2])
    tree, ranked = huffman_tree(counts), huffman_tree(np.array([3, 2, 1, 1]))
    order = [1, 3, 0, 2]
    for rank, word in enumerate(order):
        assert path(tree, word) == path(ranked, rank)
    random = random_counts(11, 200)
    order = np.argsort(-random, kind="stable")
    tree, ranked = huffman_tree(random), huffman_tree(random[order])
    np.testing.assert_array_equal(tree.codes[order], ranked.codes)
    np.testing.assert_array_equal(tree.points[order], ranked.points)
    np.testing.assert_array_equal(tree.lengths[order], ranked.lengths)


@pytest.mark.parametrize("seed", range(3))
def test_kraft_equality_prefix_free_and_optimal(seed):
    counts = random_counts(seed, 500)
    tree = huffman_tree(counts)
    lengths = tree.lengths.tolist()
    assert sum(Fraction(1, 2**n) for n in lengths) == 1  # a full binary tree: every inner node has two children
    codes = sorted("".join(map(str, path(tree, w)[0])) for w in range(len(counts)))
    assert len(set(codes)) == len(codes)
    assert not any(b.startswith(a) for a, b in zip(codes, codes[1:]))  # sorted: a prefix would sit just before
    assert int(np.dot(counts, tree.lengths)) == heapq_huffman_cost(counts)
    assert np.all(tree.codes[np.arange(tree.codes.shape[1]) >= tree.lengths[:, None]] == 0)  # zero past the path
    assert np.all(tree.points[np.arange(tree.points.shape[1]) >= tree.lengths[:, None]] == 0)


def test_points_name_each_inner_node_once_and_agree_along_shared_prefixes():
    counts = random_counts(4, 400)
    tree = huffman_tree(counts)
    num_words = len(counts)
    node_of_prefix: dict[tuple[int, ...], int] = {}
    for w in range(num_words):
        codes, points = path(tree, w)
        assert points[0] == num_words - 2  # the root
        for j, point in enumerate(points):
            assert node_of_prefix.setdefault(tuple(codes[:j]), point) == point
    assert sorted(node_of_prefix.values()) == list(range(num_words - 1))  # V - 1 inner nodes, one per prefix


def test_frequent_words_are_never_deeper():
    counts = np.sort(random_counts(5, 1000))[::-1]
    assert np.all(np.diff(huffman_tree(counts).lengths) >= 0)
