"""The peer plugins' separate environment and the theme override that shows their picks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "bench" / ".venv-peers"
PEERS = {
    "related_posts": "pelican-related-posts==1.0.0",
    "similar_posts": "pelican-similar-posts==1.0.0",
}
# The project's own build needs these; numpy and scipy are left to the resolver because
# the peers' gensim pins its own versions. Test-only tools are not needed for a build.
SKIP = ("numpy", "scipy", "playwright", "pytest", "ruff", "greenlet", "pyee")

PEER_PARTIAL = """{# Bench only: a peer plugin's list, in the markup of the Check Also box. #}
{% set picks = article.similar_posts or article.related_posts or [] %}
{% if picks %}
<aside class="check-also" id="check-also" aria-labelledby="check-also-heading">
  <h2 id="check-also-heading" class="section-heading">Check Also</h2>
  <h3 class="check-also-title">
    <a href="{{ SITEURL }}/{{ picks[0].url }}">{{ picks[0].title }}</a>
  </h3>
  <ul class="related-list">
  {% for other in picks[1:5] %}
    <li><a href="{{ SITEURL }}/{{ other.url }}">{{ other.title }}</a></li>
  {% endfor %}
  </ul>
</aside>
{% endif %}
"""


def python() -> Path:
    """Return the peer environment's interpreter."""
    return VENV / "bin" / "python"


def ensure_venv(log) -> Path:
    """Create bench/.venv-peers with the project's build dependencies and both peers."""
    marker = VENV / ".installed"
    if marker.exists():
        return python()
    uv = ROOT / ".venv" / "bin" / "uv"
    base = Path(sys.base_prefix) / "bin" / "python3.11"
    log(f"creating {VENV} (peer plugins' environment)")
    subprocess.run([str(uv), "venv", "--python", str(base), str(VENV)], check=True)
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    wanted = [line for line in lines if line and not line.lower().startswith(SKIP)]
    subprocess.run(
        [str(uv), "pip", "install", "--python", str(python()), *wanted, *PEERS.values()],
        check=True,
    )
    marker.write_text("ok\n")
    return python()


def theme_override(folder: Path) -> Path:
    """Write templates that show a peer plugin's list where the Check Also box goes."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "partials").mkdir(exist_ok=True)
    article = (ROOT / "theme" / "templates" / "article.html").read_text(encoding="utf-8")
    (folder / "article.html").write_text(
        article.replace('"check_also" is plugin_enabled', "true"), encoding="utf-8"
    )
    (folder / "partials" / "check_also.html").write_text(PEER_PARTIAL, encoding="utf-8")
    return folder
