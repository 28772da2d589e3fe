"""The replica layout's configuration: nginx accepts it, and it pins each visitor by cookie.

The layout itself runs in tests/browser/test_replicas_browser.py; here only what can be checked
without starting the app: the rendered nginx.conf (checked by `nginx -t`), and that the committed
compose files match what deploy/run_local.py renders.
"""

from __future__ import annotations

import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deploy.run_local import Backend, find_nginx, render_compose_conf, render_nginx_conf

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BACKENDS = [Backend("r1", "127.0.0.1:8601"), Backend("r2", "127.0.0.1:8602"), Backend("r3", "127.0.0.1:8603")]


def _nginx() -> str:
    try:
        return find_nginx()
    except RuntimeError:
        if os.environ.get("CI"):
            pytest.fail("nginx is required under CI; .ci/run installs it")
        pytest.skip("nginx not installed (apt-get install -y nginx)")


def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
    user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
    conf = tmp_path / "nginx.conf"
    conf.write_text(render_nginx_conf(BACKENDS, "127.0.0.1:18999", str(tmp_path), user=user))
    checked = subprocess.run(
        [_nginx(), "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


def test_each_process_has_a_pool_of_its_own_with_the_others_as_backups() -> None:
    conf = render_nginx_conf(BACKENDS, "8080", "/tmp/x")
    pool = re.search(r"upstream explorer_r2 \{(.*?)\}", conf, re.S).group(1)
    assert re.findall(r"server (\S+?)( backup)?;", pool) == [
        ("127.0.0.1:8602", ""),
        ("127.0.0.1:8601", " backup"),
        ("127.0.0.1:8603", " backup"),
    ]
    first_contact = re.search(r"upstream explorer_any \{(.*?)\}", conf, re.S).group(1)
    assert "backup" not in first_contact and first_contact.count("server ") == 3
    # the cookie picks the pool; the answering address names the process (the last one tried)
    cookie_map = re.search(r"map \$cookie_explorer_replica \$explorer_pool \{(.*?)\}", conf, re.S).group(1)
    assert re.findall(r"(r\d) explorer_(r\d);", cookie_map) == [("r1", "r1"), ("r2", "r2"), ("r3", "r3")]
    assert "default explorer_any;" in cookie_map
    served = re.search(r"map \$upstream_addr \$explorer_served \{(.*?)\}", conf, re.S).group(1)
    patterns = dict((name, pattern) for pattern, name in re.findall(r'"~(.*?)" (r\d);', served))
    assert re.search(patterns["r2"], "127.0.0.1:8601, 127.0.0.1:8602")
    assert not re.search(patterns["r1"], "127.0.0.1:8601, 127.0.0.1:8602")
    assert not re.search(patterns["r1"], "127.0.0.1:86011")
    assert not re.search(r"^\s*ip_hash", conf, re.M), (
        "ip_hash would pin every visitor behind one address to one process"
    )
    assert 'Set-Cookie "explorer_replica=$explorer_served' in conf
    assert "proxy_set_header Upgrade $http_upgrade" in conf


def test_a_configuration_needs_a_process() -> None:
    with pytest.raises(ValueError, match="at least one"):
        render_nginx_conf([], "8080", "/tmp/x")


def test_the_compose_files_match_what_the_script_renders() -> None:
    assert (DEPLOY / "nginx.compose.conf").read_text() == render_compose_conf(2), (
        "regenerate: python deploy/run_local.py --render-compose > deploy/nginx.compose.conf"
    )
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    apps = {name: s for name, s in services.items() if name.startswith("app")}
    assert sorted(apps) == ["app1", "app2"]
    conf = render_compose_conf(2)
    for service in apps.values():
        address = service["networks"]["replicas"]["ipv4_address"]
        assert f"server {address}:8501;" in conf
        assert service["environment"]["EXPLORER_SHARE_STORE"] == "/store"
        assert any(str(v).endswith(":/store") for v in service["volumes"])
    images = {s.get("image") for s in apps.values()}
    assert len(images) == 1, "every app service runs the one image"
    assert services["proxy"]["image"].startswith("nginx:")


def test_nginx_accepts_the_compose_configuration(tmp_path: Path) -> None:
    """The file the official image mounts, checked here with its `user` line naming a local user."""
    me = pwd.getpwuid(os.geteuid()).pw_name
    conf = tmp_path / "nginx.conf"
    conf.write_text((DEPLOY / "nginx.compose.conf").read_text().replace("user nginx;", f"user {me};"))
    checked = subprocess.run(
        [_nginx(), "-t", "-e", str(tmp_path / "error.log"), "-c", str(conf)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.slow
def test_the_script_starts_the_layout_and_stops_everything_on_sigterm(tmp_path: Path) -> None:
    """`python deploy/run_local.py` serves through nginx until SIGTERM, then stops nginx and every app
    process it started and exits 0, leaving the store folder it was given."""
    import signal
    import time
    import urllib.request

    _nginx()
    port = _free_port()
    runtime, data = tmp_path / "runtime", tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, str(DEPLOY / "run_local.py"), "--port", str(port), "--runtime-dir", str(runtime),
         "--data-dir", str(data)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines = []
    try:
        deadline = time.monotonic() + 180
        while not any(line.startswith("open http") for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            lines.append(proc.stdout.readline())
        pids = [int(m.group(1)) for line in lines if (m := re.match(r"r\d: pid (\d+)", line))]
        assert len(pids) == 2
        names = set()
        for _ in range(2):  # two first contacts: one per process, in turn
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=30) as response:
                names.add(response.headers["X-Explorer-Replica"])
        assert names == {"r1", "r2"}
        nginx_pid = int((runtime / "nginx.pid").read_text())
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, "".join(lines) + out
    assert "stopped" in out
    for pid in [*pids, nginx_pid]:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert (data / "shared").is_dir(), "the store folder it was given stays"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
