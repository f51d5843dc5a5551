"""Choose each article's "Check Also" pick and related list: plain data in, indices out.

No Pelican import here: the adapter in __init__.py turns articles into Doc records.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import chain, islice

import numpy as np
from threadpoolctl import threadpool_limits

from . import vectors
from .records import NONE, Choice, Doc, Params

__all__ = ["Choice", "Doc", "Params", "rank_related", "share_cap", "spread"]

# Up to this many articles, every pair is scored exactly (at most 250,000 products).
EXHAUSTIVE_UP_TO = 500


def _scored_pairs(docs: Sequence[Doc], p: Params) -> tuple[np.ndarray, ...]:
    """Return (source, target, score, exact) of plausible pairs, sources ascending.

    `exact` marks each source's best pairs, scored with the full text cosine; the others
    are spare choices scored from the candidate search's partial cosine.
    """
    n = len(docs)
    x = vectors.weighted_matrix([d.title for d in docs], [d.body for d in docs], p.title_weight)
    eligible = np.fromiter((d.eligible for d in docs), bool, n)
    rescored = max(p.rescored, p.related_count + 2)
    # A small site compares every pair exactly: cheap there, and the candidate search, which
    # looks articles up by their strongest words only, could miss a pair that shares weaker ones.
    small = n <= EXHAUSTIVE_UP_TO
    if small:
        src, dst, partial = vectors.all_pairs(x, eligible)
    else:
        src, dst, partial = vectors.candidates(
            x, max(p.candidates, rescored), p.query_terms, p.index_terms, p.posting_limit, eligible
        )
    langs, groups = _codes([d.lang for d in docs]), _codes([_group(d) for d in docs])
    # Same language only, unless an article has no other article in its language at all.
    per_lang = Counter(d.lang for d in docs if d.eligible)
    per_group = Counter((_group(d), d.lang) for d in docs if d.eligible)
    alone = np.fromiter(
        (per_lang[d.lang] - per_group[(_group(d), d.lang)] <= 0 for d in docs), bool, n
    )
    ok = ((langs[src] == langs[dst]) | alone[src]) & (groups[src] != groups[dst])
    src, dst, partial = src[ok], dst[ok], partial[ok]
    # Latent topics rescue pairs that share a subject but few exact words; they need a
    # corpus to learn from, so small sites get few dimensions or none.
    dims = min(p.topic_dims, n // 20) if p.topic_weight > 0 else 0
    topic = np.zeros(len(src), np.float32)
    if dims >= 2:
        topic = vectors.pair_dot(vectors.topic_vectors(x, dims), src, dst)
    guess = partial + p.topic_weight * topic
    spare = vectors.top_in_rows(_indptr(src, n), guess, p.spare_choices + rescored)
    src, dst, partial, topic, guess = (
        src[spare],
        dst[spare],
        partial[spare],
        topic[spare],
        guess[spare],
    )
    if small:
        exact, cosine = np.ones(len(src), bool), partial
    else:
        exact = vectors.top_in_rows(_indptr(src, n), guess, rescored)
        cosine = partial.copy()
        cosine[exact] = vectors.pair_cosine(x, src[exact], dst[exact])
    score = cosine + p.topic_weight * topic
    if p.tag_weight and any(d.tags for d in docs):
        score += p.tag_weight * _tag_similarity(docs, src, dst)
    if p.category_weight:
        cats = _codes([d.category for d in docs])
        score += p.category_weight * (cats[src] == cats[dst])
    if p.recency_weight:
        days = np.fromiter((d.timestamp for d in docs), np.float64, n) / 86400.0
        gap = np.abs(days[src] - days[dst])
        score -= p.recency_weight * (1.0 - np.exp2(-gap / p.recency_half_life))
    ok = cosine >= p.min_similarity
    return src[ok], dst[ok], score[ok].astype(np.float64), exact[ok]


def _group(d: Doc) -> str:
    return d.group or "\x00" + d.key


def _indptr(src: np.ndarray, n: int) -> np.ndarray:
    return np.r_[0, np.cumsum(np.bincount(src, minlength=n))]


def _codes(values: Sequence[str]) -> np.ndarray:
    table: dict[str, int] = {}
    return np.fromiter((table.setdefault(v, len(table)) for v in values), np.int64, len(values))


def _tag_similarity(docs: Sequence[Doc], src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Return the cosine of the tag sets of each pair: shared tags / sqrt(|a| * |b|)."""
    table: dict[str, int] = {}
    sets = [sorted({table.setdefault(t.casefold(), len(table)) for t in d.tags}) for d in docs]
    width = max(map(len, sets), default=0)
    # Each document's tag codes in a row, padded with -1 on one side and -2 on the other,
    # so padding never matches: comparing two rows cell by cell counts the shared tags.
    codes = np.full((len(docs), max(width, 1)), -1, np.int32)
    for i, tags in enumerate(sets):
        codes[i, : len(tags)] = tags
    sizes = np.fromiter(map(len, sets), np.float32, len(sets))
    other = np.where(codes < 0, -2, codes)
    out = np.zeros(len(src), np.float32)
    step = max(1, (1 << 21) // (width * width or 1))
    for s in range(0, len(src), step):
        a, b = codes[src[s : s + step]], other[dst[s : s + step]]
        out[s : s + step] = (a[:, :, None] == b[:, None, :]).sum(axis=(1, 2))
    norms = np.sqrt(sizes[src] * sizes[dst])
    return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


def _ranked_lists(docs: Sequence[Doc], p: Params) -> tuple[list[list[int]], list[list[float]]]:
    """Return, per document, its similar enough candidates best first, and their scores."""
    src, dst, score, exact = _scored_pairs(docs, p)
    # Rounding keeps equal scores equal whatever the float summation order was; equal
    # scores then follow the canonical (key) order of the targets. Exactly scored pairs
    # come first, spare choices after them.
    score = np.round(score, 6)
    order = np.lexsort((dst, -score, ~exact, src))
    targets, values = dst[order].tolist(), score[order].tolist()
    bounds = _indptr(src, len(docs)).tolist()
    spans = list(zip(bounds[:-1], bounds[1:], strict=True))
    return [targets[a:b] for a, b in spans], [values[a:b] for a, b in spans]


def share_cap(n: int, p: Params) -> int:
    """Return how many of n pages may point at one article.

    `max_share` of the pages, rounded up, and never fewer than `share_floor`: on a small site
    a story may still be the pick of the few pages that are about the same thing.
    """
    return max(p.share_floor, math.ceil(p.max_share * n - 1e-9))


def near_equal(scores: Sequence[float], p: Params) -> int:
    """Return how many of the first scores (best first) are near-equal to the best one.

    Near-equal: within `near_equal` of the best score, as a fraction of its size.
    """
    if not scores:
        return 0
    floor = scores[0] - p.near_equal * abs(scores[0])
    return next((k for k, s in enumerate(scores) if s < floor), len(scores))


def spread(ranked: list[list[int]], scores: list[list[float]], p: Params) -> list[int | None]:
    """Pick each document's best target, no target taking more than its share of pages.

    The share limit only chooses among near-equal candidates: when all of those are taken,
    the pick is the best candidate anyway, never a clearly worse one.
    """
    n = len(ranked)
    cap = share_cap(n, p)
    load = [0] * n
    best: list[int | None] = [None] * n
    # The closest pairs choose first, so an article wanted by too many pages stays with
    # the pages most similar to it and the others take their next choice.
    top = [row[0] if row else -math.inf for row in scores]
    for s in sorted(range(n), key=lambda i: (-top[i], i)):
        if not ranked[s]:
            continue
        close = ranked[s][: near_equal(scores[s], p)]
        # When every near-equal candidate is full, the least loaded one (the best on a tie).
        pick = next((t for t in close if load[t] < cap), None)
        if pick is None:
            pick = min(close, key=lambda t: load[t])
        load[pick] += 1
        best[s] = pick
    return best


def _fallbacks(docs: Sequence[Doc]) -> dict[tuple[str, str | None], list[int]]:
    """Return eligible documents per (category, language) and per (category, None).

    Each list is most recent first, ties by key.
    """
    pools: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        if d.eligible:
            pools[(d.category, d.lang)].append(i)
            pools[(d.category, None)].append(i)
    for pool in pools.values():
        pool.sort(key=lambda i: (-docs[i].timestamp, i))
    return pools


def _resolve(docs: Sequence[Doc], i: int, slugs: dict[str, list[int]]) -> int | None:
    me = docs[i]
    found = [j for j in slugs.get(me.override or "", []) if _group(docs[j]) != _group(me)]
    same_lang = [j for j in found if docs[j].lang == me.lang]
    return (same_lang or found or [None])[0]


def rank_related(docs: Sequence[Doc], params: Params | None = None) -> list[Choice]:
    """Return one Choice per document, in input order, independent of that order."""
    p = params or Params()
    order = sorted(range(len(docs)), key=lambda i: docs[i].key)
    canon = [docs[i] for i in order]
    # One BLAS thread: the products are thin, and idle threads spinning for work would
    # only add CPU time to the build.
    with threadpool_limits(1, "blas"):
        ranked, scores = _ranked_lists(canon, p) if canon else ([], [])
    best = spread(ranked, scores, p)
    pools = _fallbacks(canon)
    slugs: dict[str, list[int]] = defaultdict(list)
    for j, d in enumerate(canon):
        if d.eligible:
            slugs[d.slug].append(j)
    out: list[Choice | None] = [None] * len(docs)
    for i in range(len(canon)):
        choice = _choose(canon, i, ranked[i], best[i], pools, slugs, p)
        out[order[i]] = Choice(
            None if choice.best is None else order[choice.best],
            tuple(order[j] for j in choice.related),
            choice.reason,
            choice.note,
        )
    return out  # type: ignore[return-value]


def _choose(docs, i, ranked, best, pools, slugs, p: Params) -> Choice:
    d = docs[i]
    note = None
    if d.override is not None and d.override.strip().casefold() == NONE:
        return Choice(None, (), "none")
    # Most recent articles of the same category: the fallback pick, and the filler of a
    # related list that similarity alone leaves short (looked up only then).
    enough = len(ranked) > p.related_count
    pool = [] if enough else _recent(docs, d, pools, p.related_count + 1)
    if d.override:
        target = _resolve(docs, i, slugs)
        if target is not None:
            if target in ranked and len(ranked) <= p.related_count + 1:
                pool = _recent(docs, d, pools, p.related_count + 2)
            return Choice(target, _related(target, ranked, pool, p), "override")
        note = f"Check_also target {d.override!r} is not a published article"
    if best is not None:
        return Choice(best, _related(best, ranked, pool, p), "similar", note)
    if pool:
        return Choice(pool[0], _related(pool[0], [], pool, p), "fallback-category", note)
    return Choice(None, (), "nothing-eligible", note)


def _recent(docs: Sequence[Doc], d: Doc, pools: dict, count: int) -> list[int]:
    """Return up to count most recent others of d's category, in d's language if any."""
    for pool in (pools.get((d.category, d.lang), []), pools.get((d.category, None), [])):
        found = list(islice((j for j in pool if _group(docs[j]) != _group(d)), count))
        if found:
            return found
    return []


def _related(best: int, ranked: list[int], pool: list[int], p: Params) -> tuple[int, ...]:
    out: list[int] = []
    for j in chain(ranked, pool):
        if len(out) >= p.related_count:
            break
        if j != best and j not in out:
            out.append(j)
    return tuple(out)
