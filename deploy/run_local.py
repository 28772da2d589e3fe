"""The replica layout on one machine without Docker: nginx in front of N app processes, one store.

    python deploy/run_local.py                          # 2 processes behind http://127.0.0.1:8080
    python deploy/run_local.py --replicas 3 --port 9000 --pin 0,1 --hosted
    python deploy/run_local.py --render-compose > deploy/nginx.compose.conf

Each app process is ``streamlit run app.py`` on its own port of 127.0.0.1 (optionally pinned with
``taskset`` to its own core); nginx (``apt-get install nginx``; started by this script as a plain
process, with its pid file, logs and temporary files in the runtime folder, never the system's)
listens on ``--port`` and keeps each browser on one process by a cookie (see
``deploy/nginx.conf.template``). Every process gets the same ``EXPLORER_DATA_DIR`` and
``EXPLORER_SHARE_STORE`` (one store folder) and the same Streamlit cookie secret. Ctrl-C or SIGTERM
stops nginx first, then the app processes, and the script returns when all have exited.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
HOST = "127.0.0.1"
COOKIE = "explorer_replica"  # the affinity cookie the template sets; its value is a replica's name
MARKER = "X-Explorer-Replica"  # the response header naming the process that answered
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx")


class LayoutError(RuntimeError):
    """The layout could not start: what failed and where its log is."""


@dataclasses.dataclass(frozen=True)
class Backend:
    """One app process as nginx sees it: its name (the cookie value) and its address."""

    name: str
    address: str  # host:port


def replica_names(count: int) -> list[str]:
    return [f"r{i + 1}" for i in range(count)]


def render_nginx_conf(
    backends: Sequence[Backend],
    listen: str,
    runtime_dir: str,
    *,
    error_log: str | None = None,
    access_log: str | None = None,
    user: str | None = None,
    max_body_mb: int = 256,
) -> str:
    """The template filled in for ``backends``: one pinned pool per process, a round-robin pool for
    first contact, and the two maps (cookie -> pool, answering address -> name)."""
    if not backends:
        raise ValueError("at least one app process is needed")
    upstreams = []
    for backend in backends:
        others = [b for b in backends if b is not backend]
        lines = [f"        server {backend.address};"] + [f"        server {b.address} backup;" for b in others]
        upstreams.append(f"    upstream explorer_{backend.name} {{\n" + "\n".join(lines) + "\n    }")
    upstreams.append(
        "    upstream explorer_any {\n" + "\n".join(f"        server {b.address};" for b in backends) + "\n    }"
    )
    pool_map = "\n".join(f"        {b.name} explorer_{b.name};" for b in backends)
    served_map = "\n".join(f'        "~(^|, ){re.escape(b.address)}$" {b.name};' for b in backends)
    values = {
        "USER_LINE": f"user {user};" if user else "# (started as a normal user: no `user` line)",
        "RUNTIME": runtime_dir,
        "ERROR_LOG": error_log or f"{runtime_dir}/error.log",
        "ACCESS_LOG": access_log or f"{runtime_dir}/access.log",
        "MAX_BODY_MB": str(max_body_mb),
        "UPSTREAMS": "\n".join(upstreams),
        "POOL_MAP": pool_map,
        "SERVED_MAP": served_map,
        "LISTEN": listen,
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    leftover = re.findall(r"\{\{[A-Z_]+\}\}", text)
    if leftover:
        raise ValueError(f"template placeholders left unfilled: {leftover}")
    return text


def render_compose_conf(replicas: int = 2) -> str:
    """The configuration docker-compose.yml mounts into the official nginx image: app services
    ``app1``..``appN`` at the fixed addresses of the compose network (so the answering address names
    the process), logs to the container's output."""
    backends = [Backend(name, f"172.28.0.{11 + i}:8501") for i, name in enumerate(replica_names(replicas))]
    return render_nginx_conf(
        backends, "80", "/tmp", error_log="/dev/stderr", access_log="/dev/stdout", user="nginx", max_body_mb=64
    )


def find_nginx() -> str:
    found = shutil.which("nginx") or next((p for p in NGINX_CANDIDATES if os.access(p, os.X_OK)), None)
    if found is None:
        raise LayoutError("nginx is not installed: `apt-get install -y nginx` (Debian) installs it")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _stop(proc: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout_s``; only this process, which this module started."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout_s)


@dataclasses.dataclass
class Replica:
    name: str
    port: int
    cpus: str | None
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclasses.dataclass
class Layout:
    """A running layout: the proxy's ``url`` (what visitors open), the app processes, the store."""

    url: str
    replicas: list[Replica]
    nginx: subprocess.Popen
    runtime_dir: Path
    data_dir: Path
    store_dir: Path

    def replica(self, name: str) -> Replica:
        return next(r for r in self.replicas if r.name == name)

    @property
    def access_log(self) -> Path:
        return self.runtime_dir / "access.log"


def _app_command(port: int, cpus: str | None) -> list[str]:
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--server.address", HOST, "--server.port", str(port),
    ]  # fmt: skip
    return ["taskset", "-c", cpus, *cmd] if cpus is not None else cmd


@contextlib.contextmanager
def local_layout(
    replicas: int = 2,
    *,
    port: int | None = None,
    pin: Sequence[str] | None = None,
    data_dir: Path | None = None,
    store_dir: Path | None = None,
    runtime_dir: Path | None = None,
    env: dict[str, str] | None = None,
    start_timeout_s: float = 180.0,
) -> Iterator[Layout]:
    """Start ``replicas`` app processes and nginx in front of them; yield the running ``Layout``;
    stop everything on exit (nginx first, so no request reaches a process that is stopping).

    ``pin``: taskset core lists, one per process in turn (``["0", "1"]``: each on its own core).
    ``data_dir`` / ``store_dir``: the one data folder and share store every process gets (default:
    ``data`` and ``data/shared`` in the runtime folder). ``env`` is added to every app's environment.
    """
    if replicas < 1:
        raise ValueError("at least one app process is needed")
    nginx_bin = find_nginx()
    made_runtime = runtime_dir is None
    runtime = Path(tempfile.mkdtemp(prefix="explorer-replicas-")) if runtime_dir is None else Path(runtime_dir)
    runtime.mkdir(parents=True, exist_ok=True)
    data = Path(data_dir) if data_dir is not None else runtime / "data"
    store = Path(store_dir) if store_dir is not None else data / "shared"
    store.mkdir(parents=True, exist_ok=True)
    app_env = dict(
        os.environ,
        PYTHONUNBUFFERED="1",
        EXPLORER_DATA_DIR=str(data),
        EXPLORER_SHARE_STORE=str(store),
        # One secret for all: a visitor handed to another process (its own is down) keeps valid cookies.
        STREAMLIT_SERVER_COOKIE_SECRET=secrets.token_hex(32),
        **(env or {}),
    )
    started: list[Replica] = []
    nginx: subprocess.Popen | None = None
    try:
        for i, name in enumerate(replica_names(replicas)):
            cpus = pin[i % len(pin)] if pin else None
            app_port = free_port()
            log = runtime / f"app_{name}.log"
            with open(log, "w") as fh:
                proc = subprocess.Popen(
                    _app_command(app_port, cpus), cwd=ROOT, env=app_env, stdout=fh, stderr=subprocess.STDOUT
                )
            started.append(Replica(name, app_port, cpus, proc, log))
        deadline = time.monotonic() + start_timeout_s
        for replica in started:
            while not _healthy(replica.url):
                if replica.process.poll() is not None:
                    raise LayoutError(f"app process {replica.name} exited early; see {replica.log}")
                if time.monotonic() > deadline:
                    raise LayoutError(f"app process {replica.name} not healthy in {start_timeout_s:.0f} s")
                time.sleep(0.3)
        proxy_port = port if port is not None else free_port()
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (runtime / sub).mkdir(exist_ok=True)
        user = None
        if os.geteuid() == 0:  # nginx's workers would drop to `nobody`, which cannot use the runtime folder
            import pwd

            user = pwd.getpwuid(os.geteuid()).pw_name
        conf = runtime / "nginx.conf"
        conf.write_text(
            render_nginx_conf(
                [Backend(r.name, f"{HOST}:{r.port}") for r in started],
                f"{HOST}:{proxy_port}",
                str(runtime),
                user=user,
            ),
            encoding="utf-8",
        )
        nginx_log = runtime / "nginx.out"
        with open(nginx_log, "w") as fh:
            nginx = subprocess.Popen(
                [nginx_bin, "-e", str(runtime / "error.log"), "-p", str(runtime), "-c", str(conf),
                 "-g", "daemon off;"],
                stdout=fh, stderr=subprocess.STDOUT,
            )  # fmt: skip
        url = f"http://{HOST}:{proxy_port}"
        while not _healthy(url):
            if nginx.poll() is not None:
                errors = (
                    (runtime / "error.log").read_text(errors="replace")[-2000:]
                    if (runtime / "error.log").exists()
                    else ""
                )
                raise LayoutError(f"nginx exited early: {nginx_log.read_text(errors='replace')}{errors}")
            if time.monotonic() > deadline:
                raise LayoutError("nginx did not answer in time")
            time.sleep(0.2)
        yield Layout(url, started, nginx, runtime, data, store)
    finally:
        if nginx is not None:
            _stop(nginx)
        for replica in started:
            _stop(replica.process)
        if made_runtime and not os.environ.get("EXPLORER_KEEP_LAYOUT"):
            # Only what this function made: the runtime folder (logs, config, and the default store).
            shutil.rmtree(runtime, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="the proxy's port on 127.0.0.1 (default 8080)")
    parser.add_argument("--pin", default="", help="comma-separated cores, one per process in turn (taskset)")
    parser.add_argument("--data-dir", type=Path, help="EXPLORER_DATA_DIR of every process")
    parser.add_argument("--store", type=Path, help="EXPLORER_SHARE_STORE (default: DATA_DIR/shared)")
    parser.add_argument("--runtime-dir", type=Path, help="nginx's config, logs and temporary files")
    parser.add_argument("--hosted", action="store_true", help="EXPLORER_HOSTED=1 in every process")
    parser.add_argument("--render-compose", action="store_true", help="print docker-compose's nginx.conf and exit")
    args = parser.parse_args(argv)
    if args.render_compose:
        sys.stdout.write(render_compose_conf(args.replicas))
        return 0
    stop = {"now": False}

    def on_signal(signum, _frame) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    pin = [c for c in args.pin.split(",") if c] or None
    env = {"EXPLORER_HOSTED": "1"} if args.hosted else None
    try:
        with local_layout(
            args.replicas,
            port=args.port,
            pin=pin,
            data_dir=args.data_dir,
            store_dir=args.store,
            runtime_dir=args.runtime_dir,
            env=env,
        ) as layout:
            for r in layout.replicas:
                print(f"{r.name}: pid {r.pid} on {r.url}" + (f", cores {r.cpus}" if r.cpus else ""), flush=True)
            print(f"store: {layout.store_dir}; logs: {layout.runtime_dir}", flush=True)
            print(f"open {layout.url} (Ctrl-C stops everything)", flush=True)
            while True:
                time.sleep(0.5)
                if stop["now"]:  # checked first: Ctrl-C reaches the children too, and they exit at once
                    break
                if layout.nginx.poll() is not None or any(r.process.poll() is not None for r in layout.replicas):
                    print("a process of the layout exited; stopping the rest", file=sys.stderr)
                    return 1
    except LayoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
