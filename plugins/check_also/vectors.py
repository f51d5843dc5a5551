"""Sparse text vectors, a latent topic space and candidate pairs, in time linear in the corpus."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .text import TermVector


def _stack(vectors: Sequence[TermVector]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(v[0]) for v in vectors), np.int64, len(vectors))
    if lengths.sum() == 0:
        return lengths, np.zeros(0, np.uint32), np.zeros(0, np.float32)
    ids = np.concatenate([v[0] for v in vectors]).astype(np.uint32, copy=False)
    counts = np.concatenate([v[1] for v in vectors]).astype(np.float32, copy=False)
    return lengths, ids, counts


def weighted_matrix(
    titles: Sequence[TermVector], bodies: Sequence[TermVector], title_weight: float
) -> sp.csr_matrix:
    """Return row-normalised TF-IDF vectors with title terms boosted (documents x terms)."""
    n = len(titles)
    t_len, t_ids, t_cnt = _stack(titles)
    b_len, b_ids, b_cnt = _stack(bodies)
    # Sub-linear term frequency, so one word repeated cannot dominate an article.
    t_w = title_weight * (1.0 + np.log(np.maximum(t_cnt, 1.0)))
    b_w = 1.0 + np.log(np.maximum(b_cnt, 1.0))
    rows = np.concatenate([np.repeat(np.arange(n), t_len), np.repeat(np.arange(n), b_len)])
    terms, cols = np.unique(np.concatenate([t_ids, b_ids]), return_inverse=True)
    x = sp.csr_matrix(
        (np.concatenate([t_w, b_w]).astype(np.float32), (rows, cols.ravel())),
        shape=(n, max(len(terms), 1)),
    )
    x.sum_duplicates()
    df = np.bincount(x.indices, minlength=x.shape[1])
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    x.data *= idf[x.indices]
    return normalise_rows(x)


def normalise_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """Scale every non-empty row to unit length."""
    norms = np.sqrt(np.add.reduceat(x.data**2, x.indptr[:-1])) if x.nnz else np.zeros(0)
    lengths = np.diff(x.indptr)
    if x.nnz:
        norms = np.where(lengths > 0, norms, 1.0)
        x.data /= np.repeat(norms, lengths).astype(np.float32)
    return x


def _top_per_group(group: np.ndarray, value: np.ndarray, limit: int) -> np.ndarray:
    """Return the positions of the `limit` largest values within each group, ties by position."""
    order = np.lexsort((np.arange(len(value)), -value, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    return np.sort(order[rank < limit])


def prune(x: sp.csr_matrix, terms_per_doc: int) -> sp.csr_matrix:
    """Keep each document's strongest terms only and renormalise."""
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    keep = _top_per_group(rows, x.data, terms_per_doc)
    out = sp.csr_matrix((x.data[keep], (rows[keep], x.indices[keep])), shape=x.shape)
    return normalise_rows(out)


def topic_vectors(x: sp.csr_matrix, dims: int, seed: int = 0) -> np.ndarray:
    """Return unit-length latent semantic vectors from a randomised truncated SVD."""
    n = x.shape[0]
    df = np.bincount(x.indices, minlength=x.shape[1])
    shared = np.flatnonzero(df >= 2)  # a term seen once links no two documents
    dims = min(dims, n - 1, len(shared) - 1)
    if dims < 2:
        return np.zeros((n, 0), np.float32)
    a = x[:, shared].astype(np.float32)
    at = a.T.tocsr()
    width = dims + 10
    rng = np.random.default_rng(seed)
    q = np.linalg.qr(a @ rng.standard_normal((a.shape[1], width), dtype=np.float32))[0]
    for _ in range(2):  # power iterations sharpen the leading topics
        q = np.linalg.qr(at @ q)[0]
        q = np.linalg.qr(a @ q)[0]
    u, s, _ = np.linalg.svd((at @ q).T, full_matrices=False)
    z = (q @ u[:, :dims]) * s[:dims]
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    return (z / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def candidates(
    x: sp.csr_matrix, per_doc: int, posting_limit: int, block: int = 2048
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (source, target, cosine) for each document's most similar others.

    Each term's posting list is cut to its `posting_limit` strongest documents, so the
    work per document is bounded and the whole pass grows linearly with the corpus.
    """
    n = x.shape[0]
    csc = x.tocsc()
    cols = np.repeat(np.arange(x.shape[1]), np.diff(csc.indptr))
    keep = _top_per_group(cols, csc.data, posting_limit)
    index = sp.csc_matrix(
        (csc.data[keep], (csc.indices[keep], cols[keep])), shape=x.shape
    ).T.tocsc()
    out_i, out_j = [], []
    for start in range(0, n, block):
        prod = (x[start : start + block] @ index).tocoo()
        src = prod.row.astype(np.int64) + start
        mask = src != prod.col
        src, dst, val = src[mask], prod.col[mask].astype(np.int64), prod.data[mask]
        sel = _top_per_group(src, val, per_doc)
        out_i.append(src[sel])
        out_j.append(dst[sel])
    src = np.concatenate(out_i) if out_i else np.zeros(0, np.int64)
    dst = np.concatenate(out_j) if out_j else np.zeros(0, np.int64)
    return src, dst, pair_cosine(x, src, dst)


def pair_cosine(x: sp.csr_matrix, src: np.ndarray, dst: np.ndarray, chunk: int = 200_000):
    """Return the exact dot product of rows src[p] and dst[p] for every pair p."""
    out = np.zeros(len(src), np.float32)
    for s in range(0, len(src), chunk):
        a = x[src[s : s + chunk]]
        b = x[dst[s : s + chunk]]
        out[s : s + chunk] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out
