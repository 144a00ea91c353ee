"""`w2v query`: parsing a line (w2vcli/query.py), answers equal to gensim's most_similar on the same file, the
loop going on after a bad line, --json lines, and a real process driven through a pipe and a terminal."""
from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from reference import make_runner

from w2vcli.cli import main
from w2vcli.errors import W2VError
from w2vcli.query import Query, answer, parse_query
from w2vcli.vectors import load_vectors

gensim_models = pytest.importorskip("gensim.models")

WORDS = ["king", "queen", "man", "woman", "-", "-lrb-", "café"] + [f"w{i}" for i in range(193)]  # 200 words
W2V = [sys.executable, "-m", "w2vcli"]


def run(*args, input=None):
    result = make_runner().invoke(main, [str(a) for a in args], input=input)
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def vectors_file(tmp_path_factory):
    """200 random 16-dim vectors in word2vec binary as gensim writes it, and gensim's KeyedVectors of it."""
    rng = np.random.default_rng(5)
    kv = gensim_models.KeyedVectors(16)
    kv.add_vectors(WORDS, rng.standard_normal((len(WORDS), 16)).astype(np.float32))
    path = tmp_path_factory.mktemp("query") / "vectors.bin"
    kv.save_word2vec_format(str(path), binary=True)
    return path, gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=True)


# -- parsing ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("line, positive, negative", [
    ("cat", ["cat"], []),
    ("  cat \n", ["cat"], []),
    ("king - man + woman", ["king", "woman"], ["man"]),
    ("king  -  man\t+ woman", ["king", "woman"], ["man"]),
    ("- man", [], ["man"]),
    ("+ king - man - woman", ["king"], ["man", "woman"]),
    ("-", ["-"], []),  # one token is a word, whatever it is
    ("-lrb- + king", ["-lrb-", "king"], []),  # a sign stuck to a word is part of it
])
def test_parse_query(line, positive, negative):
    assert parse_query(line) == Query(line.strip(), tuple(positive), tuple(negative))


@pytest.mark.parametrize("line, message", [
    ("king man", "put + or - between 'king' and 'man'"),
    ("king -man", "put + or - between 'king' and '-man'"),
    ("king - + man", "two operators in a row (- +)"),
    ("king -", "it ends with '-', not a word"),
    ("   ", "empty query"),
])
def test_malformed_queries(line, message):
    with pytest.raises(W2VError, match=re.escape(message)):
        parse_query(line)


# -- answers against gensim -------------------------------------------------------------------------------------


def assert_same_neighbors(mine, theirs):
    assert [word for word, _ in mine] == [word for word, _ in theirs]
    assert np.allclose([cos for _, cos in mine], [cos for _, cos in theirs], rtol=0, atol=1e-5)


GENSIM_QUERIES = [  # line, gensim's most_similar arguments
    ("king", {"positive": ["king"]}),
    ("café", {"positive": ["café"]}),
    ("-", {"positive": ["-"]}),
    ("king - man + woman", {"positive": ["king", "woman"], "negative": ["man"]}),
    ("- man", {"negative": ["man"]}),
    ("w3 + w4 + w5 - w6 - -lrb-", {"positive": ["w3", "w4", "w5"], "negative": ["w6", "-lrb-"]}),
]


@pytest.mark.parametrize("line, arguments", GENSIM_QUERIES)
def test_answer_equals_gensims_most_similar(vectors_file, line, arguments):
    path, kv = vectors_file
    result = answer(load_vectors(path), line, topn=10)
    assert result["query"] == line
    assert_same_neighbors(result["neighbors"], kv.most_similar(**arguments, topn=10))


def test_json_lines_equal_gensim_and_the_loop_goes_on_after_errors(vectors_file):
    path, kv = vectors_file
    lines = ["king", "wrod", "king man", "", "king - man + woman", "w7"]
    result = run("query", path, "--json", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["query"] for a in answers] == ["king", "wrod", "king man", "king - man + woman", "w7"]  # blank skipped
    assert answers[1] == {"query": "wrod", "error": f"'wrod' is not in the vocabulary of {path}"}
    assert set(answers[2]) == {"query", "error"} and "put + or - between" in answers[2]["error"]
    for a, arguments in [(answers[0], {"positive": ["king"]}), (answers[3], GENSIM_QUERIES[3][1]),
                         (answers[4], {"positive": ["w7"]})]:
        assert len(a["neighbors"]) == 10  # --topn 10 by default, as gensim's and fastText's
        assert_same_neighbors(a["neighbors"], kv.most_similar(**arguments, topn=10))
    assert result.stderr == ""


def test_text_answers_and_error_lines(vectors_file):
    path, kv = vectors_file
    result = run("query", path, "--topn", 3, input="king\nwrod\nking - man + woman")  # no newline at the end
    assert result.exit_code == 0
    expected = []
    for line, arguments in [("king", {"positive": ["king"]}), ("king - man + woman", GENSIM_QUERIES[3][1])]:
        expected.append(f"{line}:")
        expected += [f"  {word:<20} {cosine:.4f}" for word, cosine in kv.most_similar(**arguments, topn=3)]
    assert result.stdout.splitlines() == expected
    assert result.stderr == f"Error: 'wrod' is not in the vocabulary of {path}\n"


def test_limit_restricts_the_vocabulary(vectors_file):
    path, kv = vectors_file
    result = run("query", path, "--limit", 50, "--json", "--topn", 5, input="king\nw100\n")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert_same_neighbors(first["neighbors"], kv.most_similar("king", topn=5, restrict_vocab=50))
    assert "'w100' is not in the vocabulary" in second["error"]


def test_collapsed_vectors_warn_and_center_answers_as_gensim_on_the_centred_vectors(tmp_path):
    rng = np.random.default_rng(9)
    words = [f"w{i}" for i in range(60)]
    matrix = (5 + rng.standard_normal((60, 8))).astype(np.float32)  # (60, 8): every row near (5, ..., 5)
    kv = gensim_models.KeyedVectors(8)
    kv.add_vectors(words, matrix)
    kv.save_word2vec_format(str(tmp_path / "collapsed.bin"), binary=True)
    plain = run("query", tmp_path / "collapsed.bin", "--json", "--topn", 5, input="w1\n")
    assert plain.stderr.startswith("Warning:") and "--center" in plain.stderr and len(plain.stderr.splitlines()) == 1
    centred = run("query", tmp_path / "collapsed.bin", "--json", "--topn", 5, "--center", input="w1\n")
    assert centred.exit_code == 0 and centred.stderr == ""
    mean = matrix.astype(np.float64).mean(axis=0).astype(np.float32)  # (8,)
    kv_centred = gensim_models.KeyedVectors(8)
    kv_centred.add_vectors(words, matrix - mean)
    assert_same_neighbors(json.loads(centred.stdout)["neighbors"], kv_centred.most_similar("w1", topn=5))


def test_a_bad_vectors_file_is_one_error_line(tmp_path):
    (tmp_path / "empty.bin").write_bytes(b"")
    result = run("query", tmp_path / "empty.bin", input="king\n")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error:") and len(result.stderr.splitlines()) == 1


# -- a real process ---------------------------------------------------------------------------------------------


def read_line(stream, seconds: float = 30) -> bytes:
    """One line from a pipe, or b"" after `seconds` (the answer was not flushed)."""
    ready, _, _ = select.select([stream], [], [], seconds)
    return stream.readline() if ready else b""


def test_a_pipe_gets_each_answer_before_the_next_query(vectors_file):
    path, kv = vectors_file
    process = subprocess.Popen([*W2V, "query", str(path), "--json", "--topn", "3"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for word in ["queen", "nope", "w9"]:  # stdin stays open: only a flushed answer can be read
            process.stdin.write(word.encode() + b"\n")
            process.stdin.flush()
            got = json.loads(read_line(process.stdout))
            assert got["query"] == word
            if word == "nope":
                assert "not in the vocabulary" in got["error"]
            else:
                assert_same_neighbors(got["neighbors"], kv.most_similar(word, topn=3))
        process.stdin.close()
        assert process.wait(timeout=30) == 0
        assert process.stdout.read() == b"" and process.stderr.read() == b""
    finally:
        process.kill()


def read_until(fd, wanted: bytes, seconds: float = 30) -> bytes:
    """What the terminal shows until `wanted` appears (or `seconds` pass)."""
    seen, deadline = b"", time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the other end closed
                break
    return seen


@pytest.mark.parametrize("ending", ["ctrl-d", "ctrl-c"])
def test_a_terminal_gets_a_prompt_and_ends_quietly(vectors_file, ending):
    path, _ = vectors_file
    controller, terminal = pty.openpty()
    process = subprocess.Popen([*W2V, "query", str(path), "--topn", "2"], stdin=terminal, stdout=terminal,
                               stderr=terminal, start_new_session=True)
    os.close(terminal)
    try:
        assert read_until(controller, b"query> ").endswith(b"query> ")
        os.write(controller, b"queen\n")
        shown = read_until(controller, b"query> ")
        assert b"queen:\r\n  " in shown and shown.endswith(b"query> ")
        if ending == "ctrl-d":
            os.write(controller, b"\x04")
        else:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C at the terminal does
        assert process.wait(timeout=30) == (0 if ending == "ctrl-d" else 130)
        rest = read_until(controller, b"never", seconds=0.5)
        assert b"Error" not in rest and b"Traceback" not in rest and b"query>" not in rest
    finally:
        process.kill()
        os.close(controller)
