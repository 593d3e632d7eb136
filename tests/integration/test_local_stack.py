"""The local stack's lifecycle, through its command line, as `make stack-*` runs it."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import REPO_ROOT, VENV_BIN

STACK = [str(VENV_BIN / "python"), str(REPO_ROOT / "tools" / "local_stack.py")]


def stack_cli(state_dir, *args):
    return subprocess.run(
        STACK + ["--state-dir", str(state_dir)] + list(args),
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_start_status_stop(tmp_path):
    started = stack_cli(tmp_path, "start")
    assert started.returncode == 0, started.stderr
    try:
        info = json.loads((tmp_path / "stack.json").read_text())
        endpoint = info["aws_endpoint_url"]
        assert endpoint.startswith("http://127.0.0.1:")
        moto = info["services"]["moto"]
        assert (tmp_path / "moto.pid").read_text().strip() == str(moto["pid"])
        assert (tmp_path / "moto.log").exists()
        with urllib.request.urlopen(endpoint + "/moto-api/", timeout=5) as response:
            assert response.status == 200
        assert stack_cli(tmp_path, "status").returncode == 0

        # A second start reuses the running stack, same port and pid.
        again = stack_cli(tmp_path, "start")
        assert again.returncode == 0 and "moto: running" in again.stdout
        assert json.loads((tmp_path / "stack.json").read_text())["services"]["moto"] == moto

        exports = stack_cli(tmp_path, "env").stdout
        assert "export AWS_ENDPOINT_URL=%s" % endpoint in exports
    finally:
        stopped = stack_cli(tmp_path, "stop")
    assert stopped.returncode == 0 and "moto: stopped" in stopped.stdout
    assert not (tmp_path / "stack.json").exists() and not (tmp_path / "moto.pid").exists()
    status = stack_cli(tmp_path, "status")
    assert status.returncode == 3 and "moto: stopped" in status.stdout
    assert stack_cli(tmp_path, "env").returncode == 3


def test_the_state_backend_is_created(tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    from local_stack import LocalStack  # pylint: disable=import-outside-toplevel

    stack = LocalStack(tmp_path)
    stack.start()
    try:
        info = stack.describe()
        s3 = stack.aws_client("s3")
        assert s3.get_bucket_versioning(Bucket=info["terraform_state_bucket"])["Status"] == "Enabled"
        table = stack.aws_client("dynamodb").describe_table(TableName=info["terraform_lock_table"])["Table"]
        assert table["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]
    finally:
        stack.stop()


def test_a_dead_service_is_restarted_on_start(tmp_path):
    assert stack_cli(tmp_path, "start").returncode == 0
    try:
        pid = json.loads((tmp_path / "stack.json").read_text())["services"]["moto"]["pid"]
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and stack_cli(tmp_path, "status").returncode == 0:
            time.sleep(0.2)
        assert stack_cli(tmp_path, "status").returncode == 3
        restarted = stack_cli(tmp_path, "start")
        assert restarted.returncode == 0 and "moto: started" in restarted.stdout
        assert json.loads((tmp_path / "stack.json").read_text())["services"]["moto"]["pid"] != pid
    finally:
        stack_cli(tmp_path, "stop")


def test_a_service_that_never_answers_fails_with_its_log(tmp_path, monkeypatch):
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    import local_stack  # pylint: disable=import-outside-toplevel

    class Silent(local_stack.MotoService):
        def command(self):
            return [sys.executable, "-c", "import time; print('listening nowhere', flush=True); time.sleep(60)"]

    monkeypatch.setitem(local_stack.SERVICES, "moto", Silent)
    stack = local_stack.LocalStack(tmp_path)
    with pytest.raises(local_stack.StackError) as caught:
        stack.start(timeout=2)
    assert "did not become healthy within 2s" in str(caught.value)
    assert "listening nowhere" in str(caught.value)
    assert not (tmp_path / "moto.pid").exists()
