"""Sparse helpers and the cache: row-wise top-k, candidate search, vectors kept on disk."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from pelican.plugins.check_also.cache import ResultCache, content_hash
from pelican.plugins.check_also.text import term_vector
from pelican.plugins.check_also.vector_cache import VectorCache
from pelican.plugins.check_also.vectors import (
    candidates,
    prune,
    top_in_rows,
    topic_vectors,
    weighted_matrix,
)


def test_top_in_rows_keeps_the_largest_of_each_row():
    m = sp.csr_matrix(np.array([[5, 1, 3, 0], [0, 0, 2, 0], [1, 2, 3, 4]], dtype=np.float32))
    keep = top_in_rows(m.indptr, m.data, 2)
    kept = sp.csr_matrix((m.data * keep, m.indices, m.indptr), shape=m.shape).toarray()
    assert kept.tolist() == [[5, 0, 3, 0], [0, 0, 2, 0], [0, 0, 3, 4]]


def test_prune_keeps_strong_terms_at_unit_length():
    m = sp.csr_matrix(np.array([[3, 1, 2], [0, 0, 0], [1, 1, 0]], dtype=np.float32))
    p = prune(m, 2).toarray()
    assert (p[0] > 0).tolist() == [True, False, True]
    assert np.allclose(np.linalg.norm(p, axis=1), [1, 0, 1])


def test_candidates_never_pair_a_document_with_itself_or_an_ineligible_one():
    texts = ["flood levee river", "flood levee delta", "budget bus council", "budget bus fare"]
    vecs = [term_vector(t) for t in texts]
    x = weighted_matrix(vecs, vecs, 1.0)
    eligible = np.array([True, True, True, False])
    src, dst, score = candidates(x, 3, 5, 5, 10, eligible)
    pairs = set(zip(src.tolist(), dst.tolist(), strict=True))
    assert all(s != d for s, d in pairs)
    assert 3 not in dst.tolist()
    assert (0, 1) in pairs and (1, 0) in pairs and (3, 2) in pairs
    assert (score > 0).all()


def test_topic_vectors_are_deterministic_and_unit_length():
    texts = [f"river flood levee {i} delta water" for i in range(20)]
    texts += [f"council budget bus {i} fare vote" for i in range(20)]
    vecs = [term_vector(t) for t in texts]
    x = weighted_matrix(vecs, vecs, 1.0)
    a, b = topic_vectors(x, 4), topic_vectors(x, 4)
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    # Articles of the same subject are closer in topic space than articles of another.
    assert a[0] @ a[1] > a[0] @ a[25]


def test_vector_cache_round_trip_and_pruning(tmp_path):
    cache = VectorCache(tmp_path)
    key_a, key_b = content_hash("a"), content_hash("b")
    vec_a = (term_vector("alpha beta"), term_vector("gamma delta delta"))
    vec_b = (term_vector("epsilon"), term_vector("zeta"))
    assert key_a not in cache
    cache.put(key_a, vec_a)
    cache.put(key_b, vec_b)
    cache.save()
    again = VectorCache(tmp_path)
    assert key_a in again and key_b in again
    found = again.get(key_a)
    assert again.misses == 0
    for got, want in zip(found, vec_a, strict=True):
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    again.save()  # only "a" was used in this build: "b" is dropped
    third = VectorCache(tmp_path)
    assert key_a in third and key_b not in third
    with pytest.raises(KeyError):
        third.get(key_b)
    assert key_a not in VectorCache(tmp_path, readable=False)


def test_result_cache_answers_only_for_the_same_digest(tmp_path):
    results = ResultCache(tmp_path)
    results.save("digest-1", [["a", ["b"], "similar", None]])
    assert results.load("digest-1") == [["a", ["b"], "similar", None]]
    assert results.load("digest-2") is None
    assert ResultCache(tmp_path, readable=False).load("digest-1") is None
