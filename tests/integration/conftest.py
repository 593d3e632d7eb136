"""Integration tests run real playbooks against a local stack of their own, over HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tools"))

from local_stack import LocalStack  # noqa: E402  pylint: disable=wrong-import-position

VENV_BIN = REPO_ROOT / ".venv" / "bin"
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


@dataclass
class Run:
    rc: int
    output: str

    @property
    def recap(self) -> dict:
        match = RECAP.findall(self.output)
        assert match, "no PLAY RECAP in output:\n" + self.output[-3000:]
        host, ok, changed, unreachable, failed = match[-1]
        return {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable), "failed": int(failed)}

    @property
    def changed(self) -> int:
        return self.recap["changed"]

    def assert_ok(self) -> "Run":
        assert self.rc == 0, self.output[-6000:]
        return self


class Stack:
    """A started LocalStack with AWS clients and an ansible-playbook runner bound to it."""

    def __init__(self, stack: LocalStack, work: Path):
        self.stack = stack
        self.work = work
        self.info = stack.describe()

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.info["aws_endpoint_url"],
            region_name=self.info["aws_region"],
            aws_access_key_id=self.info["aws_access_key_id"],
            aws_secret_access_key=self.info["aws_secret_access_key"],
        )

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env.update(self.stack.environment())
        env["PATH"] = "%s:%s" % (VENV_BIN, env.get("PATH", ""))
        env["ANSIBLE_CONFIG"] = str(REPO_ROOT / "ansible.cfg")
        env["ANSIBLE_FORCE_COLOR"] = "0"
        env["ANSIBLE_NOCOLOR"] = "1"
        env.update(extra)
        return env

    def playbook(self, playbook, *args, extra_vars=None, inventory="inventories/local", env=None, check=False, diff=False, timeout=900) -> Run:
        argv = [str(VENV_BIN / "ansible-playbook"), str(playbook), "-i", inventory]
        if extra_vars:
            path = self.work / ("vars-%d.json" % len(list(self.work.glob("vars-*.json"))))
            path.write_text(json.dumps(extra_vars))
            argv += ["-e", "@%s" % path]
        if check:
            argv.append("--check")
        if diff:
            argv.append("--diff")
        argv += list(args)
        process = subprocess.run(
            argv, cwd=REPO_ROOT, env=self.env(**(env or {})), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False,
        )
        return Run(process.returncode, process.stdout)


def encrypted_vault(folder: Path, credentials: dict, password: str = "correct horse battery staple") -> tuple[Path, Path]:
    """(vault file, password file): `vault_credentials` encrypted with the vault id `local`, as an
    environment's group_vars/all/vault.yml holds them."""
    password_file = folder / "vault-password"
    password_file.write_text(password + "\n")
    vault = folder / "vault.yml"
    vault.write_text(json.dumps({"vault_credentials": credentials}))
    subprocess.run([str(VENV_BIN / "ansible-vault"), "encrypt", "--vault-id", "local@%s" % password_file, str(vault)],
                   check=True, capture_output=True)
    assert vault.read_text().startswith("$ANSIBLE_VAULT;1.2;AES256;local")
    return vault, password_file


def started_stack(tmp_path_factory):
    local = LocalStack(tmp_path_factory.mktemp("stack"))
    local.start(timeout=90)
    return Stack(local, tmp_path_factory.mktemp("work"))


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """One local stack for the tests that keep to names of their own."""
    shared = started_stack(tmp_path_factory)
    try:
        yield shared
    finally:
        shared.stack.stop()


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A local stack for one test module, for tests that deploy the `local` environment itself."""
    mine = started_stack(tmp_path_factory)
    try:
        yield mine
    finally:
        mine.stack.stop()
