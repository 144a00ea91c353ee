"""Tests of w2vcli/encoded.py: encoding with a word index, in blocks, cutting long sentences, the on-disk corpus."""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vcli.corpus import MAX_SENTENCE_TOKENS
from w2vcli.encoded import (
    EncodedCorpus,
    EncodedFile,
    encode,
    encode_blocks,
    encode_to_folder,
    remove_stale,
    segment_offsets,
)
from w2vcli.errors import W2VError
from w2vcli.vocab import Vocab

WORD2IND = {"a": 0, "b": 1, "c": 2}
VOCAB_SENTENCES = [["x", "y", "z", "y"], ["z", "w", "v"], ["q", "y"]]  # with min_count=2: y=0, z=1


def test_encode_drops_oov_tokens_and_empty_sentences():
    vocab = Vocab.build(VOCAB_SENTENCES, min_count=2)  # y=0, z=1
    encoded = encode([["x", "y", "oov", "z"], ["q", "w"], [], ["z", "z"], ["y"], ["unknown"]], vocab.word2ind)
    assert isinstance(encoded, EncodedCorpus)
    assert encoded.tokens.tolist() == [0, 1, 1, 1, 0]
    assert encoded.offsets.tolist() == [0, 2, 4, 5]
    assert encoded.tokens.dtype == np.int32
    assert encoded.offsets.dtype == np.int64
    assert encoded.num_sentences == 3
    sentences = [encoded.tokens[a:b].tolist() for a, b in zip(encoded.offsets[:-1], encoded.offsets[1:])]
    assert sentences == [[0, 1], [1, 1], [0]]


def test_encode_nothing_in_vocabulary():
    vocab = Vocab.build(VOCAB_SENTENCES, min_count=2)
    encoded = encode([["a"], ["b", "c"]], vocab.word2ind)
    assert encoded.tokens.tolist() == []
    assert encoded.offsets.tolist() == [0]
    assert encoded.num_sentences == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefg"), max_size=6), min_size=1, max_size=12), st.integers(1, 3))
def test_encode_roundtrips_to_the_in_vocabulary_words(sentences, min_count):
    if sum(map(len, sentences)) == 0:
        return
    try:
        vocab = Vocab.build(sentences, min_count=min_count)
    except W2VError:
        return
    encoded = encode(sentences, vocab.word2ind)
    expected = [[w for w in s if w in vocab.word2ind] for s in sentences]
    expected = [s for s in expected if s]
    got = [[vocab.words[i] for i in encoded.tokens[a:b]] for a, b in zip(encoded.offsets[:-1], encoded.offsets[1:])]
    assert got == expected
    assert int(vocab.counts.sum()) == len(encoded.tokens)


def test_long_sentences_are_cut_into_pieces():
    offsets = np.array([0, 3, 25, 26, 30], dtype=np.int64)  # a 22-word sentence among short ones
    assert segment_offsets(offsets, max_len=10).tolist() == [0, 3, 13, 23, 25, 26, 30]
    assert segment_offsets(np.array([0, 5, 9]), max_len=10).tolist() == [0, 5, 9]
    assert segment_offsets(np.array([4, 4, 26, 26]), max_len=10).tolist() == [4, 4, 14, 24, 26, 26]  # empties stay
    assert segment_offsets(np.array([0]), max_len=10).tolist() == [0]
    corpus = EncodedCorpus(np.zeros(2 * MAX_SENTENCE_TOKENS + 1, np.int32), [0, 2 * MAX_SENTENCE_TOKENS + 1])
    assert corpus.offsets.tolist() == [0, MAX_SENTENCE_TOKENS, 2 * MAX_SENTENCE_TOKENS, 2 * MAX_SENTENCE_TOKENS + 1]
    assert corpus.longest_sentence == MAX_SENTENCE_TOKENS and corpus.num_sentences == 3


def test_encode_blocks_cut_at_block_size_and_long_sentences():
    sentences = [["a", "x", "b"], ["x"], ["c"] * (MAX_SENTENCE_TOKENS + 2), ["b", "a"]]
    blocks = list(encode_blocks(sentences, WORD2IND, block_tokens=2))
    assert [lengths.tolist() for _, lengths in blocks] == [[2], [MAX_SENTENCE_TOKENS, 2], [2]]
    assert blocks[0][0].tolist() == [0, 1] and blocks[-1][0].tolist() == [1, 0]
    assert all(tokens.dtype == np.int32 and lengths.dtype == np.int64 for tokens, lengths in blocks)
    assert list(encode_blocks([["x"], []], WORD2IND)) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcx"), max_size=7), max_size=30), st.integers(1, 9), st.integers(1, 4))
def test_the_file_reads_back_what_memory_holds(tmp_path_factory, sentences, block_tokens, offset_block):
    in_memory = EncodedCorpus.from_blocks(encode_blocks(sentences, WORD2IND, block_tokens=block_tokens))
    folder = tmp_path_factory.mktemp("enc") / "encoded"
    with EncodedFile.write(encode_blocks(sentences, WORD2IND, block_tokens=block_tokens), folder) as on_disk:
        assert (on_disk.num_tokens, on_disk.num_sentences, on_disk.longest_sentence) == (
            in_memory.num_tokens, in_memory.num_sentences, in_memory.longest_sentence)
        n, s = in_memory.num_tokens, in_memory.num_sentences
        assert on_disk.token_range(0, n).tolist() == in_memory.tokens.tolist()
        assert on_disk.sentence_offsets(0, s).tolist() == in_memory.offsets.tolist()
        if s:
            assert on_disk.sentence_offsets(s // 2, s).tolist() == in_memory.offsets[s // 2:].tolist()
            assert on_disk.token_range(n // 3, n).tolist() == in_memory.tokens[n // 3:].tolist()
        for corpus in (in_memory, on_disk):
            blocks = list(corpus.offset_blocks(offset_block))
            assert [first for first, _ in blocks] == list(range(0, max(s, 1), offset_block))
            joined = np.concatenate([b[:-1] for _, b in blocks] + [blocks[-1][1][-1:]])  # blocks share an end
            assert joined.tolist() == in_memory.offsets.tolist()
    assert not folder.exists()


def test_encode_to_a_folder(tmp_path):
    sentences = [["the", "cat", "sat"], ["the", "dog"], ["a"]]
    vocab = Vocab.build(sentences, min_count=1)
    with encode_to_folder(sentences, vocab.word2ind, tmp_path / "enc") as encoded:
        assert sorted(p.name for p in (tmp_path / "enc").iterdir()) == ["lock", "offsets.i64", "tokens.i32"]
        assert (tmp_path / "enc" / "tokens.i32").stat().st_size == 6 * 4  # int32 per token
        assert (tmp_path / "enc" / "offsets.i64").stat().st_size == 4 * 8  # int64 per sentence, plus 0
        words = [vocab.words[i] for i in encoded.token_range(0, 6)]
        assert words == ["the", "cat", "sat", "the", "dog", "a"]
        assert encoded.sentence_offsets(0, 3).tolist() == [0, 3, 5, 6]


def test_a_failed_write_leaves_no_folder(tmp_path):
    def blocks():
        yield np.array([0, 1], np.int32), np.array([2])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        EncodedFile.write(blocks(), tmp_path / "enc")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its temporary name


def test_a_cut_file_is_an_error_not_garbage(tmp_path):
    encoded = EncodedFile.write([(np.arange(10, dtype=np.int32), np.array([10]))], tmp_path / "enc")
    with open(tmp_path / "enc" / "tokens.i32", "r+b") as handle:
        handle.truncate(20)
    assert encoded.token_range(0, 5).tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(OSError, match="encoded corpus is cut"):
        encoded.token_range(0, 10)
    encoded.close()
    assert not (tmp_path / "enc").exists()


def test_only_folders_whose_run_is_gone_are_removed(tmp_path):
    block = [(np.arange(4, dtype=np.int32), np.array([4]))]
    live = EncodedFile.write(block, tmp_path / ".encoded-1")  # open: its lock is held
    killed = EncodedFile.write(block, tmp_path / ".encoded-2")
    os.close(killed._lock)  # as after kill -9: the folder stays, nobody holds its lock
    killed._lock = None
    (tmp_path / ".encoded-3").mkdir()  # died before taking the lock
    assert sorted(p.name for p in remove_stale(tmp_path.glob(".encoded-*"))) == [".encoded-2", ".encoded-3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".encoded-1"]
    assert live.token_range(0, 4).tolist() == [0, 1, 2, 3]
    live.close()
    assert not any(tmp_path.iterdir())
