"""Write the search bundle (Pagefind's index and its pagefind.js) into the built site."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pagefind.index import PagefindIndex

from .records import SearchRecord


async def _write(records: Sequence[SearchRecord], target: Path, language: str) -> None:
    config = {"output_path": str(target), "force_language": language}
    async with PagefindIndex(config=config) as index:
        for record in records:
            await index.add_custom_record(
                url=record.url, content=record.content, language=language, meta=record.meta
            )


def write_bundle(records: Sequence[SearchRecord], target: Path, language: str) -> None:
    """Index the records and write the bundle into `target` (replacing the files it writes).

    Every record goes into one index in `language`, so the site's search page finds articles
    in any language; each record's own language is kept in its metadata for the results.
    """
    target.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_write(records, target, language))
        return
    # Pelican run from a program whose event loop is busy in this thread: index beside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _write(records, target, language)).result()
