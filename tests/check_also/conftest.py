"""Make the plugin package importable as `check_also`, as Pelican's PLUGIN_PATHS does."""

import sys
from pathlib import Path

PLUGINS = str(Path(__file__).resolve().parents[2] / "plugins")
if PLUGINS not in sys.path:
    sys.path.insert(0, PLUGINS)
