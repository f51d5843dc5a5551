"""Read "Check Also" picks from built pages and score them against the corpus labels."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp

_ASIDE = re.compile(r'<aside[^>]*id="check-also".*?</aside>', re.S)
_HREF = re.compile(r'href="([^"]+)"')


def read_picks(output: Path, slugs: list[str]) -> dict[str, list[str]]:
    """Return slug -> [pick, related...] as shown on each article page (empty: no box)."""
    picks = {}
    for slug in slugs:
        html = (output / f"{slug}.html").read_text(encoding="utf-8")
        box = _ASIDE.search(html)
        hrefs = _HREF.findall(box.group(0)) if box else []
        picks[slug] = [h.rsplit("/", 1)[-1].removesuffix(".html") for h in hrefs]
    return picks


def score(picks: dict[str, list[str]], labels: dict[str, str]) -> dict[str, float]:
    """Return P@1, P@5 (missing slots count as misses), coverage and concentration."""
    n = len(picks)
    p1 = sum(1 for s, p in picks.items() if p and labels.get(p[0]) == labels[s]) / n
    p5 = sum(sum(labels.get(t) == labels[s] for t in p[:5]) for s, p in picks.items()) / (5 * n)
    firsts = Counter(p[0] for p in picks.values() if p)
    top = firsts.most_common(1)[0][1] if firsts else 0
    return {
        "p_at_1": p1,
        "p_at_5": p5,
        "coverage": sum(1 for p in picks.values() if p) / n,
        "max_same_pick": top,
        "max_concentration": top / n,
    }


def tfidf_baseline(rows: list[dict]) -> dict[str, list[str]]:
    """Return slug -> top 5 by plain TF-IDF cosine (sub-linear tf, smooth idf, no stop list)."""
    token = re.compile(r"(?u)\b\w\w+\b")
    vocab: dict[str, int] = {}
    data, cols, indptr = [], [], [0]
    for row in rows:
        counts = Counter(token.findall((row["title"] + "\n" + row["body"]).lower()))
        for term, count in counts.items():
            cols.append(vocab.setdefault(term, len(vocab)))
            data.append(1.0 + np.log(count))
        indptr.append(len(cols))
    x = sp.csr_matrix((data, cols, indptr), shape=(len(rows), len(vocab)))
    df = np.bincount(x.indices, minlength=x.shape[1])
    x = x @ sp.diags(np.log((1 + len(rows)) / (1 + df)) + 1)
    x = sp.diags(1 / np.sqrt(x.multiply(x).sum(axis=1).A1)) @ x
    sims = (x @ x.T).toarray()
    np.fill_diagonal(sims, -np.inf)
    top = np.argsort(-sims, axis=1, kind="stable")[:, :5]
    ids = [r["id"] for r in rows]
    return {ids[i]: [ids[j] for j in top[i]] for i in range(len(rows))}
