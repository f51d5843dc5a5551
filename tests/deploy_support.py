"""Support for the production set-up's tests: deploy/'s templates filled in by deploy/render.py
(as docs/deploy.md does), a systemd unit's command started as systemd would start it, a
throwaway nginx in the foreground with every path under a temporary prefix, HTTP from a chosen
loopback address, and a self-signed certificate."""

from __future__ import annotations

import http.client
import os
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support import ROOT, wait_for

DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or (
    "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
)
# The http block of Debian's /etc/nginx/nginx.conf, which includes the site's file: the site
# must not repeat what it sets at that level.
NGINX_MAIN = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 512; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {prefix}/debian-access.log;
    gzip on;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site};
}}
"""


def render(template: str, values: dict[str, str], *, tls: bool = True) -> str:
    """Return deploy/`template` filled in by `python3 deploy/render.py`, as the docs do it."""
    command = [sys.executable, str(DEPLOY / "render.py"), str(DEPLOY / template)]
    command += [f"{name}={value}" for name, value in values.items()]
    if not tls:
        command.append("--no-tls")
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def read_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Return a systemd unit's sections: {section: {key: [values, in order]}}."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert current is not None and sep, f"not a unit line: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def read_env_file(path: Path) -> dict[str, str]:
    """Return the assignments of an env file as systemd and sh read it (quotes removed)."""
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        [assignment] = shlex.split(line)
        name, _, value = assignment.partition("=")
        values[name] = value
    return values


@dataclass
class UnitProcess:
    """What systemd would run for a unit: the command, its environment and folder, its log."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    output: Path | None


def unit_process(text: str, *, env_files: bool = True, **env: str) -> UnitProcess:
    """Return how systemd starts the service of unit `text`, with `env` added last.

    Only what the shipped units use: ExecStart, WorkingDirectory, Environment (then
    EnvironmentFile, which wins over it, as in systemd; read unless `env_files` is False)
    and StandardOutput=append:.
    """
    service = read_unit(text)["Service"]
    cwd = Path(service["WorkingDirectory"][0])
    # systemd sets HOME to the user's home, which docs/deploy.md makes the working folder.
    values = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(cwd)}
    for item in service.get("Environment", []):
        for assignment in shlex.split(item):
            name, _, value = assignment.partition("=")
            values[name] = value
    for path in service.get("EnvironmentFile", []) if env_files else []:
        values.update(read_env_file(Path(path.lstrip("-"))))
    values.update(env)
    output = None
    for item in service.get("StandardOutput", []):
        if item.startswith("append:"):
            output = Path(item.removeprefix("append:"))
    [command] = service["ExecStart"]
    return UnitProcess(shlex.split(command), values, cwd, output)


class Process:
    """A child process started by the tests and stopped by its PID."""

    def __init__(self, argv: list[str], *, env: dict, cwd: Path, log: Path) -> None:
        self.argv, self.env, self.cwd, self.log = argv, env, cwd, log
        self.child: subprocess.Popen | None = None

    def start(self) -> Process:
        """Start the child, its output appended to the log."""
        with open(self.log, "ab") as output:
            self.child = subprocess.Popen(
                self.argv, env=self.env, cwd=self.cwd, stdout=output, stderr=subprocess.STDOUT
            )
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the child: `sig`, then SIGKILL if it is still there after 15 seconds."""
        if self.child is None or self.child.poll() is not None:
            return
        os.kill(self.child.pid, sig)
        try:
            self.child.wait(15)
        except subprocess.TimeoutExpired:
            os.kill(self.child.pid, signal.SIGKILL)
            self.child.wait(5)


def start_unit(unit: UnitProcess, log: Path, health: str | None = None) -> Process:
    """Start a unit's command as systemd would; wait for `health` to answer 200 when given."""
    process = Process(unit.argv, env=unit.env, cwd=unit.cwd, log=unit.output or log).start()
    if health:
        try:
            wait_for(health, timeout=20)
        except OSError:
            process.stop()
            message = f"{unit.argv[0]} did not start: {process.log.read_text()}"
            raise AssertionError(message) from None
    return process


class Nginx:
    """nginx in the foreground with a site file, every path under `prefix`; `check()` is
    `nginx -t`, entering runs it until the block ends."""

    def __init__(self, prefix: Path, site: str, wait_url: str | None = None) -> None:
        self.prefix = prefix
        self.wait_url = wait_url
        prefix.mkdir(parents=True, exist_ok=True)
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / folder).mkdir(exist_ok=True)
        (prefix / "site.conf").write_text(site, encoding="utf-8")
        # As root, nginx's workers would run as nobody, who cannot enter pytest's folders.
        user = "user root;" if os.geteuid() == 0 else ""
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(
            NGINX_MAIN.format(prefix=prefix, user=user, site=prefix / "site.conf"),
            encoding="utf-8",
        )
        self.process: Process | None = None

    def command(self, *extra: str) -> list[str]:
        """Return the nginx command line for this configuration."""
        return [NGINX, "-c", str(self.conf), "-p", f"{self.prefix}/", *extra]

    def check(self) -> subprocess.CompletedProcess:
        """Run `nginx -t` on the configuration and return its result."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    def __enter__(self) -> Nginx:
        checked = self.check()
        assert checked.returncode == 0, checked.stderr
        env = {"PATH": os.environ["PATH"]}
        log = self.prefix / "stderr.log"
        self.process = Process(self.command(), env=env, cwd=self.prefix, log=log).start()
        if self.wait_url:
            try:
                wait_for(self.wait_url, timeout=10)
            except OSError:
                self.__exit__()
                raise
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process:
            self.process.stop(signal.SIGTERM)  # nginx's fast stop: the master ends its workers


def self_signed_cert(folder: Path) -> tuple[Path, Path] | None:
    """Make a throwaway certificate for 127.0.0.1 with openssl; None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@dataclass
class Answer:
    """One HTTP answer: status, headers (lower-case names), body."""

    status: int
    headers: dict[str, str]
    body: bytes
    raw: list[tuple[str, str]]  # every header line, repeated ones too

    def header(self, name: str) -> str:
        """Return a header's value, or "" when it is absent."""
        return self.headers.get(name.lower(), "")


def request(
    url: str,
    method: str = "GET",
    path: str = "/",
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    timeout: float = 10,
) -> Answer:
    """Send one request from the loopback address `source` and return the answer.

    `url` is http://host:port or https://host:port (a self-signed certificate is accepted).
    """
    scheme, _, rest = url.partition("://")
    host, port = rest.split(":")
    if scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(
            host, int(port), timeout=timeout, source_address=(source, 0), context=context
        )
    else:
        conn = http.client.HTTPConnection(
            host, int(port), timeout=timeout, source_address=(source, 0)
        )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        data = answer.read()
        found = {name.lower(): value for name, value in answer.getheaders()}
        cookies = answer.msg.get_all("Set-Cookie") or []
        if cookies:
            found["set-cookie"] = "\n".join(cookies)
        return Answer(answer.status, found, data, answer.getheaders())
    finally:
        conn.close()


def wait_until(check, timeout: float, interval: float = 0.2):
    """Call `check` until it returns something true, for at most `timeout` seconds; return it."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
