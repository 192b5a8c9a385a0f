"""The README's Deploy section, the Dockerfile, compose.yaml and the systemd unit against the code."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import yaml
from conftest import ROOT
from test_serve import until

from bot.cli import cli
from bot.config import load_config
from bot.server import Server

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
UNIT = (ROOT / "contrib" / "wirewatch.service").read_text(encoding="utf-8")
DOCKER_CONFIG = ROOT / "contrib" / "docker.toml"


def deploy_commands() -> list[str]:
    """The command lines of the README's Deploy section (its indented code lines)."""
    section = README.split("## Deploy", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if re.match(r"^ {4,}\S", line) and "→" not in line]


def instruction(name: str) -> list[str]:
    """The arguments of the Dockerfile's instructions of this name, continuation lines joined."""
    text = DOCKERFILE.replace("\\\n", " ")
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.*)$", text, re.M)]


def unit_value(key: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^{key}=(.*)$", UNIT, re.M)]


def test_the_deploy_section_lists_commands_for_every_way_of_running() -> None:
    commands = deploy_commands()
    for needed in (
        "wirewatch slack manifest",
        "wirewatch discord invite",
        "docker build",
        "systemctl enable",
    ):
        assert any(c.startswith(needed) or needed in c for c in commands), needed


def test_every_wirewatch_command_of_the_deploy_section_runs(tmp_path: Path) -> None:
    """Each `wirewatch ...` line is run as written (in a fresh folder); `wirewatch run` answers the
    section's health check, then stops on SIGTERM."""
    wirewatch = str(Path(sys.executable).parent / "wirewatch")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    commands = [c for c in deploy_commands() if c.startswith("wirewatch ")]
    assert commands[:2] == ["wirewatch init", "wirewatch check-config"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for command in commands:
        args = shlex.split(command)
        if args == ["wirewatch", "run"]:
            with (tmp_path / "wirewatch.toml").open("a") as config:
                config.write(f"\n[server]\nport = {port}\n")
            proc = subprocess.Popen(
                [wirewatch, "run"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
            )
            try:
                health = next(c for c in deploy_commands() if c.startswith("curl "))
                url = shlex.split(health)[-1].replace(":3000", f":{port}")
                body = until(lambda u=url: urllib.request.urlopen(u, timeout=5).read(), "the health check")
                assert json.loads(body)["status"] == "ok"  # type: ignore[arg-type]
                if shutil.which("curl"):  # and the line itself, as written
                    curl = subprocess.run([*shlex.split(health)[:-1], url], capture_output=True, text=True)
                    assert curl.returncode == 0 and json.loads(curl.stdout)["status"] == "ok"
                proc.send_signal(signal.SIGTERM)
                _, err = proc.communicate(timeout=10)
            finally:
                if proc.poll() is None:
                    proc.kill()
            assert proc.returncode == 0, err
            continue
        done = subprocess.run([wirewatch, *args[1:]], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
    assert (tmp_path / "wirewatch.toml").exists()


def test_the_other_deploy_commands_use_files_that_match_the_code() -> None:
    """Docker and systemd cannot run here: each of their lines is checked against what it uses."""
    others = [c for c in deploy_commands() if not c.startswith(("wirewatch ", "curl "))]
    checked = {
        "python3 -m venv /opt/wirewatch": "run by scripts/fresh-install in .ci/run",
        "/opt/wirewatch/bin/pip install .": "run by scripts/fresh-install in .ci/run",
        "docker build -t wirewatch .": "test_dockerfile_matches_the_code",
        "docker compose up -d": "test_compose_runs_the_image_on_the_samples",
        "sudo cp contrib/wirewatch.service /etc/systemd/system/": "test_the_systemd_unit_is_valid",
        "sudo systemctl daemon-reload": "test_the_systemd_unit_is_valid",
        "sudo systemctl enable --now wirewatch": "test_the_systemd_unit_is_valid",
        "journalctl -u wirewatch -f": "test_the_systemd_unit_is_valid",
    }
    for command in others:
        if command.startswith("docker run "):
            args = shlex.split(command)
            assert (
                args[-1] == "wirewatch" and "127.0.0.1:3000:3000" in args and "wirewatch-data:/data" in args
            )
            assert load_config(DOCKER_CONFIG).server.port == 3000
        elif command.startswith("sudo useradd "):
            assert shlex.split(command)[-1] == unit_value("User")[0]
        elif command.startswith("sudo install "):
            target = shlex.split(command)[-1]
            assert f"Environment=WIREWATCH_CONFIG={target}" in UNIT
        else:
            assert command in checked, f"{command!r} is neither run nor checked by a test"
    assert "scripts/fresh-install" in (ROOT / ".ci" / "run").read_text()


def test_dockerfile_matches_the_code() -> None:
    (base,) = instruction("FROM")
    assert base.startswith("python:3.11-slim")
    (user,) = instruction("USER")
    assert user not in ("root", "0")
    entry = json.loads(instruction("ENTRYPOINT")[0])
    command = json.loads(instruction("CMD")[0])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entry == ["wirewatch"] and "wirewatch" in scripts
    assert command[0] in cli.commands  # type: ignore[attr-defined]
    for source in (a.split()[0] for a in instruction("COPY")):
        assert (ROOT / source).exists(), source
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(instruction("ENV"))))
    config_in_image = env["WIREWATCH_CONFIG"]
    assert any(a.split() == ["contrib/docker.toml", config_in_image] for a in instruction("COPY"))
    config = load_config(DOCKER_CONFIG)
    assert json.loads(instruction("VOLUME")[0]) == [str(Path(config.storage_path).parent)]
    assert instruction("EXPOSE") == [str(config.server.port)]
    assert config.server.host == "0.0.0.0"  # reachable through the published port
    (health,) = instruction("HEALTHCHECK")
    url = re.search(r"http://[\w.]+:(\d+)(/\w+)", health)
    assert url and int(url.group(1)) == config.server.port
    assert url.group(2) in {r.resource.canonical for r in _routes()}
    assert instruction("STOPSIGNAL") == ["SIGTERM"]


def _routes() -> list[object]:
    from bot.metrics import Metrics, StoreFacts

    server = Server("127.0.0.1", 0, Metrics(), StoreFacts)
    try:
        return [r for r in server.app.router.routes() if r.method == "GET"]
    finally:
        server.stop()


def test_compose_runs_the_image_on_the_samples() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    (service,) = compose["services"].values()
    assert service["build"] == "."
    assert "127.0.0.1:3000:3000" in service["ports"]
    volume, mount = service["volumes"][0].split(":")
    assert mount == "/data" and volume in compose["volumes"]
    assert set(service["environment"]) <= {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "DISCORD_BOT_TOKEN",
        "DISCORD_WEBHOOK_URL",
    }
    samples = load_config(DOCKER_CONFIG).feeds[0].url
    assert samples == "/app/examples/articles" and "COPY examples ./examples" in DOCKERFILE


def test_the_systemd_unit_is_valid(tmp_path: Path) -> None:
    starts = unit_value("ExecStart") + unit_value("ExecStartPre")
    for line in starts:
        args = shlex.split(line)
        assert args[0] == "/opt/wirewatch/bin/wirewatch" and args[1] in cli.commands  # type: ignore[attr-defined]
    assert unit_value("KillSignal") == ["SIGTERM"] and int(unit_value("TimeoutStopSec")[0]) > 10
    if shutil.which("systemd-analyze") is None:  # a machine without systemd: the checks above only
        return
    unit = tmp_path / "wirewatch.service"
    unit.write_text(
        UNIT.replace("/opt/wirewatch/bin/wirewatch", str(Path(sys.executable).parent / "wirewatch"))
    )
    verified = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
