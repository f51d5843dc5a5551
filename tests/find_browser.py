"""Find the Chromium the browser tests drive; print its path, or one line naming what to install.

Search order (find_chromium): CHROMIUM_PATH, then `chromium` / `chromium-browser` on PATH, then
the Chromium that Playwright downloaded. Run as a script, it also tries Playwright's installer
once when nothing is found (not under CI=true, nor with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD set).
Standard library only, apart from asking the installed Playwright where its browser lives.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

NAMES = ("chromium", "chromium-browser")
INSTALL_TIMEOUT = 300  # seconds


def is_executable(path: str) -> bool:
    """Tell whether `path` is an existing file that may be executed."""
    return os.path.isfile(path) and os.access(path, os.X_OK)


def playwright_chromium() -> str | None:
    """Return the path of the Chromium Playwright downloaded, if it is there."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # Playwright missing, its driver failing, or an event loop running
        return None
    return path if path and is_executable(path) else None


def find_chromium() -> str | None:
    """Return the path of a Chromium executable, or None; never installs anything."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit and is_executable(explicit):
        return explicit
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return playwright_chromium()


def install_with_playwright() -> str | None:
    """Run Playwright's installer for Chromium; return None on success, else a short reason."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "playwright", "install", "chromium"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {INSTALL_TIMEOUT} s"
    except OSError as error:
        return str(error)
    if done.returncode == 0:
        return None
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]  # the first names the cause
    return (errors or lines[-1:] or [f"exit status {done.returncode}"])[0][:160]


def python_command() -> str:
    """Return this interpreter's path, relative to the working directory when it lies inside."""
    relative = os.path.relpath(sys.executable)
    return sys.executable if relative.startswith("..") else relative


def main() -> int:
    path = find_chromium()
    reason = None
    may_download = os.environ.get("CI") != "true" and not os.environ.get(
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"
    )
    if path is None and may_download:
        reason = install_with_playwright()
        path = find_chromium()
    if path:
        print(path)
        return 0
    prefix = "make test" if os.environ.get("MAKELEVEL") else "find_browser"
    explicit = os.environ.get("CHROMIUM_PATH")
    bad = f" (CHROMIUM_PATH={explicit} is not an executable file)" if explicit else ""
    tried = f" (Playwright's download failed: {reason})" if reason else ""
    print(
        f"{prefix}: no Chromium found{bad}; install Debian's chromium (apt-get install chromium)"
        f" or run {python_command()} -m playwright install chromium{tried}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
