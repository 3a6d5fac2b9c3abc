"""Run one role of the repository with ansible-playbook on localhost and read the result (tests only)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"


@dataclass
class Result:
    rc: int
    stats: dict[str, int]
    failures: list[str]
    tasks: list[dict[str, Any]]
    output: str

    @property
    def changed(self) -> int:
        return self.stats.get("changed", 0)

    def task(self, name: str) -> dict[str, Any]:
        for task in self.tasks:
            if task["name"].endswith(name):
                return task
        raise KeyError(f"no task {name!r} ran; tasks: {[t['name'] for t in self.tasks]}")


def run_hosts(
    role: str,
    workdir: Path,
    hosts: dict[str, dict[str, Any]],
    check: bool = False,
    extra: list[str] | None = None,
    timeout: int = 600,
) -> dict[str, Result]:
    """`role` on several local hosts at once (one inventory host per scenario, each with its variables)."""
    workdir.mkdir(parents=True, exist_ok=True)
    interpreter = str(ROOT / ".venv" / "bin" / "python")
    inventory = {
        "all": {
            "hosts": {
                name: {"ansible_connection": "local", "ansible_python_interpreter": interpreter, **variables}
                for name, variables in hosts.items()
            }
        }
    }
    (workdir / "inventory.json").write_text(json.dumps(inventory))
    play = [{"name": f"test {role}", "hosts": "all", "gather_facts": False, "roles": [role]}]
    playbook = workdir / "play.yml"
    playbook.write_text(json.dumps(play))
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(workdir / ".ansible-tmp"),
    }
    cmd = [str(ANSIBLE_PLAYBOOK), "-i", str(workdir / "inventory.json"), str(playbook), *(extra or [])]
    if check:
        cmd += ["--check", "--diff"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(
            f"ansible-playbook printed no JSON (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        ) from exc
    results = {}
    for name in hosts:
        tasks = []
        failures = []
        for play_doc in doc.get("plays", []):
            for task in play_doc.get("tasks", []):
                if name not in task["hosts"]:
                    continue
                result = task["hosts"][name]
                tasks.append({"name": task["task"]["name"], **result})
                if result.get("failed"):
                    failures.append(str(result.get("msg", result)))
        stats = doc.get("stats", {}).get(name, {})
        # ansible-playbook exits 2 when some host failed: judge each host by its own stats.
        if not stats or proc.returncode not in (0, 2):
            rc = proc.returncode or 1
        else:
            rc = 1 if stats.get("failures") or stats.get("unreachable") else 0
        results[name] = Result(rc, stats, failures, tasks, proc.stdout + proc.stderr)
    return results


def run_role(
    role: str,
    workdir: Path,
    variables: dict[str, Any],
    check: bool = False,
    extra: list[str] | None = None,
    timeout: int = 300,
) -> Result:
    """`role` on localhost (local connection, no fact gathering) with `variables` as host variables."""
    return run_hosts(role, workdir, {"localhost": variables}, check, extra, timeout)["localhost"]


def tree(root: Path) -> dict[str, str]:
    """Every file under root (path relative to root -> content; links as '-> target')."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            out[rel] = path.read_text()
    return out
