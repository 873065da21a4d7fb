"""Several app servers on one PostgreSQL behind nginx, all on this machine's loopback: for the
tests, demos and the load benchmark (`docs/deploy.md` says how an office runs the same thing on
its servers, with systemd).

    python -m civdash.cluster --servers 2 --port 8600 [--sample] [--admin 王主任]

starts a throwaway PostgreSQL cluster (or uses `--database-url`), N `streamlit run app.py`
processes on 127.0.0.1 (ports 8601, 8602 …), each its own process on that database, and nginx
(Debian's package) in front on `--port`, with WebSocket upgrade and sticky sessions; it prints
the address and stops everything on Ctrl-C or SIGTERM. `Cluster` does the same from Python (the
multi-server tests), with `kill_server` / `start_server` for the fault tests.

Sticky sessions: nginx OSS has no sticky-cookie module, so the site routes by consistent hash of
a cookie it sets itself. A request without `civdash_route` is hashed by its request id, and the
response sets the cookie to that very id, so the browser's page, its WebSocket and its uploads
all hash to the server that answered first. A reconnect after that server died hashes to the
next server on the ring (`proxy_next_upstream`), where the session cookie logs the user back in.
Each response says which server answered in `X-CivDash-Server` (for tests and debugging).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Cluster", "nginx_binary", "nginx_site", "postgres_bindir", "postgres_cluster"]

APP = Path(__file__).resolve().parent.parent / "app.py"
ROUTE_COOKIE = "civdash_route"
SERVER_HEADER = "X-CivDash-Server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_bindir() -> Path | None:
    """The newest installed PostgreSQL server's programs (Debian: /usr/lib/postgresql/N/bin)."""

    def version(initdb: Path) -> int:
        name = initdb.parent.parent.name
        return int(name) if name.isdigit() else 0

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=version)
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )


@dataclass
class PostgresCluster:
    """A PostgreSQL server in a directory of its own (`postgres_cluster`)."""

    bindir: Path
    root: Path
    port: int
    url: str

    @property
    def _data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> None:
        as_root = os.geteuid() == 0
        command = [*(["runuser", "-u", "postgres", "--"] if as_root else []), *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self._data),
                  "-l", str(self.root / "server.log"), "-o", options, "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self._data), "-m", mode, "-w", "stop")

    def connections(self) -> int:
        """Client connections to the database now (the load benchmark reports them)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'civdash'"
            ).fetchone()
            return int(row[0]) if row else 0


@contextmanager
def postgres_cluster(
    bindir: Path, root: Path | None = None, *, database: str = "civdash"
) -> Iterator[PostgresCluster]:
    """initdb a cluster in a temporary directory, serve it on 127.0.0.1 with `database` created,
    stop and remove it afterwards. initdb and pg_ctl refuse to run as root, so as root they run
    as the `postgres` OS user. Durability is switched off (fsync): for tests and demos only."""
    owned = root is None
    root = Path(tempfile.mkdtemp(prefix="civdash-pg-")) if root is None else root
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    cluster = PostgresCluster(
        bindir, root, port, f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
    )
    try:
        cluster._run(str(bindir / "initdb"), "-D", str(cluster._data), "-U", "postgres",
                     "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        cluster.start()
        try:
            import psycopg

            with psycopg.connect(
                host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
            ) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            yield cluster
        finally:
            with contextlib.suppress(RuntimeError):  # already stopped (a fault test)
                cluster.stop()
    finally:
        if owned:
            shutil.rmtree(root, ignore_errors=True)


def nginx_site(listen: int, servers: Sequence[int], run_dir: Path) -> str:
    """An nginx configuration (a whole nginx.conf, paths under `run_dir`) proxying
    127.0.0.1:`listen` to the app servers on `servers`, with WebSocket upgrade and cookie-hash
    sticky sessions. `docs/deploy.md` shows the `server` block an office puts in its site."""
    upstreams = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in servers
    )
    temp = run_dir / "nginx-temp"
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {run_dir}/nginx.pid;
error_log {run_dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {run_dir}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    client_max_body_size 100m;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    # sticky sessions: hash the {ROUTE_COOKIE} cookie, set to the first request's id
    map $cookie_{ROUTE_COOKIE} $civdash_route {{
        ""      $request_id;
        default $cookie_{ROUTE_COOKIE};
    }}
    map $cookie_{ROUTE_COOKIE} $civdash_set_route {{
        ""      "{ROUTE_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}
    upstream civdash {{
        hash $civdash_route consistent;
{upstreams}
    }}
    server {{
        listen 127.0.0.1:{listen};
        location / {{
            proxy_pass http://civdash;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
            proxy_buffering off;
            proxy_next_upstream error timeout http_502 http_503;
            add_header Set-Cookie $civdash_set_route always;
            add_header {SERVER_HEADER} $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Cluster:
    """N app servers on one database behind nginx, started by `start` and stopped by `stop`
    (or used as a context manager). `database_url` None: a throwaway PostgreSQL is made."""

    servers: int = 2
    port: int = 0
    run_dir: Path | None = None
    database_url: str | None = None
    sample: bool = False
    env: dict[str, str] = field(default_factory=dict)
    log: bool = True

    def __post_init__(self) -> None:
        self.port = self.port or free_port()
        self.server_ports = [free_port() for _ in range(self.servers)]
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._nginx: subprocess.Popen[bytes] | None = None
        self._pg_context: object | None = None
        self.postgres: PostgresCluster | None = None
        self._owned_dir = self.run_dir is None
        self.run_dir = Path(self.run_dir or tempfile.mkdtemp(prefix="civdash-cluster-"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.server_ports[i]}"

    # -- start and stop ---------------------------------------------------------------------

    def start(self) -> Cluster:
        assert self.run_dir is not None
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o755)  # PostgreSQL's own user (as root) must reach its directory
        if self.database_url is None:
            bindir = postgres_bindir()
            if bindir is None:
                raise RuntimeError("找不到 PostgreSQL 服务器程序（initdb），请安装 postgresql。")
            context = postgres_cluster(bindir)  # its own directory, which PostgreSQL can reach
            self.postgres = context.__enter__()
            self._pg_context = context
            self.database_url = self.postgres.url
        self.cli("rebuild-aggregates")  # makes (or upgrades) the schema once, before the servers
        if self.sample:
            self.cli("load-sample")
        for i in range(self.servers):
            self.start_server(i)
        for i in range(self.servers):
            self.wait_healthy(i)
        self._start_nginx()
        return self

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIVDASH_")}
        env.update(self.env)
        assert self.database_url is not None and self.run_dir is not None
        env["CIVDASH_DATABASE_URL"] = self.database_url
        env["CIVDASH_HOME"] = str(self.run_dir / "home")
        env["CIVDASH_NO_SAMPLE"] = "1"  # loaded once by `start` (`--sample`), never by a server
        root = str(APP.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        return env

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """`python -m civdash args…` on the cluster's database; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "civdash", *args],
            env=self._environment(), input=stdin, capture_output=True, text=True, check=False,
            cwd=APP.parent,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"civdash {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def add_user(self, name: str, role: str, password: str, district: str | None = None) -> None:
        self.cli("user", "add", name, "--role", role, *(["--district", district] if district else []),
                  "--password-stdin", stdin=password + "\n")  # fmt: skip

    def start_server(self, i: int) -> None:
        assert self.run_dir is not None
        log = (self.run_dir / f"app{i + 1}.log").open("ab") if self.log else subprocess.DEVNULL
        self._procs[i] = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(self.server_ports[i]),
             "--server.fileWatcherType", "none"],
            env=self._environment(), cwd=APP.parent, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_healthy(self, i: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._procs[i].poll() is not None:
                raise RuntimeError(
                    f"应用服务器 {i + 1} 启动失败（退出码 {self._procs[i].returncode}）"
                )
            try:
                with urllib.request.urlopen(f"{self.server_url(i)}/_stcore/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"应用服务器 {i + 1} 未在 {timeout:g} 秒内就绪")

    def kill_server(self, i: int) -> None:
        """Kill app server `i` at once (SIGKILL: no clean shutdown), as a crash would."""
        proc = self._procs[i]
        proc.kill()
        proc.wait()

    def server_pid(self, i: int) -> int:
        return self._procs[i].pid

    def _start_nginx(self) -> None:
        assert self.run_dir is not None
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("找不到 nginx，请安装 Debian 的 nginx 软件包。")
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / "nginx-temp" / sub).mkdir(parents=True, exist_ok=True)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_site(self.port, self.server_ports, self.run_dir), encoding="utf-8")
        self._nginx = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(self.run_dir), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=(self.run_dir / "nginx-error.log").open("ab"),
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1):
                    return
            except OSError:
                if self._nginx.poll() is not None:
                    raise RuntimeError(
                        "nginx 启动失败：" + (self.run_dir / "nginx-error.log").read_text()[-2000:]
                    ) from None
                time.sleep(0.1)
        raise RuntimeError("nginx 未在 20 秒内就绪")

    def stop(self) -> None:
        if self._nginx is not None and self._nginx.poll() is None:
            self._nginx.terminate()
            try:
                self._nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._nginx.kill()
        for proc in self._procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._pg_context is not None:
            self._pg_context.__exit__(None, None, None)  # type: ignore[attr-defined]
            self._pg_context = None
        if self._owned_dir and self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m civdash.cluster",
        description="在本机启动多台应用服务器（同一个 PostgreSQL，前面是 nginx），按 Ctrl-C 全部停止",
    )
    parser.add_argument("--servers", type=int, default=2, help="应用服务器台数（默认 2）")
    parser.add_argument("--port", type=int, default=8600, help="nginx 监听的端口（默认 8600）")
    parser.add_argument(
        "--database-url", default=None, help="已有的 PostgreSQL（默认临时新建一个）"
    )
    parser.add_argument("--sample", action="store_true", help="先载入示例城市")
    parser.add_argument("--admin", default=None, help="新建管理员账号（密码从标准输入读一行）")
    parser.add_argument("--run-dir", type=Path, default=None, help="日志和 nginx 配置的目录")
    args = parser.parse_args(argv)
    cluster = Cluster(
        servers=args.servers, port=args.port, run_dir=args.run_dir,
        database_url=args.database_url, sample=args.sample,
    )  # fmt: skip
    stop = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with cluster:
        if args.admin:
            cluster.add_user(args.admin, "admin", sys.stdin.readline().rstrip("\n"))
        print(
            f"已启动：{cluster.url}（{args.servers} 台应用服务器，日志在 {cluster.run_dir}）；按 Ctrl-C 停止。"
        )
        sys.stdout.flush()
        while not stop:
            time.sleep(0.5)
    print("已全部停止。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
