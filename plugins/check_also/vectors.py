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


def _factorise(ids: np.ndarray) -> tuple[int, np.ndarray]:
    """Return the number of distinct ids and each id's rank among them."""
    # Sorting packed (id, position) keys is much faster than argsort or searchsorted.
    key = (ids.astype(np.uint64) << np.uint64(32)) | np.arange(len(ids), dtype=np.uint64)
    key.sort()
    values = key >> np.uint64(32)
    new = np.r_[True, values[1:] != values[:-1]] if len(key) else np.zeros(0, bool)
    ranks = np.empty(len(ids), np.int32)
    ranks[(key & np.uint64(0xFFFFFFFF)).astype(np.int64)] = np.cumsum(new) - 1
    return int(new.sum()), ranks


def weighted_matrix(
    titles: Sequence[TermVector], bodies: Sequence[TermVector], title_weight: float
) -> sp.csr_matrix:
    """Return row-normalised TF-IDF vectors with title terms boosted (documents x terms)."""
    n = len(titles)
    t_len, t_ids, t_cnt = _stack(titles)
    b_len, b_ids, b_cnt = _stack(bodies)
    width, cols = _factorise(np.concatenate([b_ids, t_ids]))
    width = max(width, 1)

    def part(lengths: np.ndarray, cols: np.ndarray, counts: np.ndarray, weight: float):
        # Sub-linear term frequency, so one word repeated cannot dominate an article.
        data = (weight * (1.0 + np.log(np.maximum(counts, 1.0)))).astype(np.float32)
        indptr = np.r_[0, np.cumsum(lengths)]
        return sp.csr_matrix((data, cols, indptr), shape=(n, width))

    x = part(b_len, cols[: len(b_ids)], b_cnt, 1.0)
    if title_weight:
        x = x + part(t_len, cols[len(b_ids) :], t_cnt, title_weight)
    x.sum_duplicates()
    df = np.bincount(x.indices, minlength=width)
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    x.data *= idf[x.indices]
    return normalise_rows(x)


def row_sums(x: sp.csr_matrix, values: np.ndarray) -> np.ndarray:
    """Return the sum of `values` (aligned with x.data) over each row, 0 for empty rows."""
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    return np.bincount(rows, weights=values, minlength=x.shape[0])


def normalise_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """Scale every non-empty row to unit length."""
    norms = np.sqrt(row_sums(x, x.data.astype(np.float64) ** 2))
    norms[norms == 0] = 1.0
    x.data /= np.repeat(norms, np.diff(x.indptr)).astype(x.data.dtype)
    return x


def top_in_rows(indptr: np.ndarray, value: np.ndarray, limit: int) -> np.ndarray:
    """Return a mask of the `limit` largest values of each CSR row."""
    lengths = np.diff(indptr)
    keep = np.repeat(lengths <= limit, lengths)
    long_rows = np.flatnonzero(lengths > limit)
    if len(long_rows) == 0:
        return keep
    # Pad rows of similar length into dense chunks and partition them: linear time.
    long_rows = long_rows[np.argsort(lengths[long_rows], kind="stable")]
    sorted_lengths = lengths[long_rows]
    start = 0
    while start < len(long_rows):
        # The longest chunk of rows whose padded size stays within about a million cells.
        count = max(1, (1 << 20) // int(sorted_lengths[start]))
        while count > 1 and count * int(sorted_lengths[min(start + count, len(long_rows)) - 1]) > (
            1 << 21
        ):
            count //= 2
        rows = long_rows[start : start + count]
        start += count
        width = int(lengths[rows[-1]])
        col = np.arange(width)
        valid = col[None, :] < lengths[rows][:, None]
        pos = np.minimum(indptr[rows][:, None] + col[None, :], len(value) - 1)
        vals = np.where(valid, value[pos], -np.inf)
        top = np.argpartition(vals, width - limit, axis=1)[:, width - limit :]
        keep[np.take_along_axis(pos, top, axis=1)] = True
    return keep


def prune(x: sp.csr_matrix, terms_per_doc: int) -> sp.csr_matrix:
    """Keep each document's strongest terms only and renormalise."""
    keep = top_in_rows(x.indptr, x.data, terms_per_doc)
    indptr = np.r_[0, np.cumsum(row_sums(x, keep.astype(np.float64)))].astype(np.int64)
    out = sp.csr_matrix((x.data[keep], x.indices[keep], indptr), shape=x.shape)
    return normalise_rows(out)


def _orthonormal(y: np.ndarray) -> np.ndarray:
    """Return an orthonormal basis of y's columns."""
    # Cholesky QR: one small Gram matrix instead of a Householder pass over all rows; a
    # rank-deficient block (near-identical articles) takes the slower exact route.
    gram = (y.T @ y).astype(np.float64)
    gram += np.eye(len(gram)) * (1e-6 * np.trace(gram) + 1e-12)
    try:
        inv = np.linalg.inv(np.linalg.cholesky(gram)).T.astype(np.float32)
    except np.linalg.LinAlgError:
        return np.linalg.qr(y.astype(np.float64))[0].astype(np.float32)
    return y @ inv


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
    rng = np.random.default_rng(seed)
    q = _orthonormal(a @ rng.standard_normal((a.shape[1], dims + 10), dtype=np.float32))
    for _ in range(2):  # power iterations sharpen the leading topics
        q = _orthonormal(a @ _orthonormal(at @ q))
    # Q' A A' Q is small (width x width); its eigenvectors rotate Q onto the singular vectors.
    small = (q.T @ (a @ (at @ q))).astype(np.float64)
    values, vectors = np.linalg.eigh((small + small.T) / 2)
    order = np.argsort(values)[::-1]
    # Topics at three resolutions (a quarter, half and all of the dimensions), each of unit
    # length: a dot product of the stacked vectors is the mean of the three cosines, which
    # is steadier than any single choice of dimension count.
    scales = sorted({k for k in (dims // 4, dims // 2, dims) if k >= 2})
    parts = []
    for k in scales:
        top = order[:k]
        basis = (vectors[:, top] * np.sqrt(np.maximum(values[top], 0))).astype(np.float32)
        z = q @ basis
        norms = np.sqrt(np.einsum("ij,ij->i", z, z))[:, None]
        parts.append(z / np.where(norms > 0, norms, 1.0))
    return (np.hstack(parts) / np.sqrt(len(parts))).astype(np.float32)


def candidates(
    x: sp.csr_matrix,
    per_doc: int,
    query_terms: int,
    index_terms: int,
    posting_limit: int,
    eligible: np.ndarray | None = None,
    block: int = 4096,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (source, target, partial score) of each document's likeliest neighbours.

    A document is looked up by its `query_terms` strongest terms in an index of every
    document's `index_terms` strongest terms, each term's list cut to its `posting_limit`
    strongest documents: the work per document is bounded, so the pass is linear.
    """
    n = x.shape[0]
    query = prune(x, query_terms)
    index = prune(x, index_terms)
    if eligible is not None:  # documents that may never be picked stay out of the index
        index = (sp.diags(eligible.astype(np.float32)) @ index).tocsr()
        index.eliminate_zeros()
    index = index.tocsc()
    keep = top_in_rows(index.indptr, index.data, posting_limit)
    index.data = np.where(keep, index.data, 0).astype(np.float32)
    index.eliminate_zeros()
    index_t = sp.csr_matrix((index.data, index.indices, index.indptr), shape=(x.shape[1], n))
    out_i, out_j, out_v = [], [], []
    for start in range(0, n, block):
        prod = query[start : start + block] @ index_t
        rows = np.repeat(np.arange(prod.shape[0]), np.diff(prod.indptr)) + start
        prod.data[prod.indices == rows] = 0  # never a document itself
        keep = top_in_rows(prod.indptr, prod.data, per_doc) & (prod.data > 0)
        out_i.append(rows[keep])
        out_j.append(prod.indices[keep].astype(np.int64))
        out_v.append(prod.data[keep])
    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_v)


# Pairs are handled in chunks of a few megabytes: the memory of one chunk is reused by the
# next, where larger chunks would each take fresh pages from the system (page faults cost
# more than the arithmetic here).
PAIR_CHUNK = 16_384


def pair_cosine(x: sp.csr_matrix, src: np.ndarray, dst: np.ndarray, chunk: int = PAIR_CHUNK):
    """Return the dot product of rows src[p] and dst[p] of a sparse matrix for every pair p."""
    out = np.zeros(len(src), np.float32)
    for s in range(0, len(src), chunk):
        prod = x[src[s : s + chunk]].multiply(x[dst[s : s + chunk]])
        out[s : s + chunk] = np.asarray(prod.sum(axis=1)).ravel()
    return out


def pair_dot(z: np.ndarray, src: np.ndarray, dst: np.ndarray, chunk: int = PAIR_CHUNK):
    """Return the dot product of dense rows src[p] and dst[p] for every pair p."""
    out = np.zeros(len(src), np.float32)
    for s in range(0, len(src), chunk):
        out[s : s + chunk] = np.einsum("ij,ij->i", z[src[s : s + chunk]], z[dst[s : s + chunk]])
    return out


def all_pairs(x: sp.csr_matrix, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (source, target, cosine) of every pair with some word in common, sources ascending.

    For small sites only: the work grows with the square of the number of documents.
    """
    # Rows of documents that may never be picked are zero on the target side.
    gram = (x @ (sp.diags(eligible.astype(np.float32)) @ x).T).tocsr()
    gram.setdiag(0)  # never a document itself
    gram.eliminate_zeros()
    gram.sort_indices()
    rows = np.repeat(np.arange(gram.shape[0]), np.diff(gram.indptr))
    return rows, gram.indices.astype(np.int64), gram.data.astype(np.float32)
