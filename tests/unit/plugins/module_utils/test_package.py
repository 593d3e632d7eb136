"""Reproducible packages: equal files give equal ZIPs, whatever their times and order."""

import io
import os
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _package as package


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z]{1,8}\.js", fullmatch=True), st.binary(max_size=200), min_size=1, max_size=5))
def test_the_same_files_give_the_same_bytes_in_any_order(files):
    reordered = dict(reversed(list(files.items())))
    assert package.zip_bytes(files) == package.zip_bytes(reordered)
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes(files))) as archive:
        assert archive.namelist() == sorted(files)
        assert all(info.date_time == package.FIXED_DATE for info in archive.infolist())
        assert {name: archive.read(name) for name in archive.namelist()} == files


def test_file_times_do_not_matter_and_content_does(tmp_path):
    (tmp_path / "health.js").write_text("exports.handler = 1")
    first = package.build_package(str(tmp_path), "health")
    os.utime(tmp_path / "health.js", (1, 1))
    assert package.build_package(str(tmp_path), "health")["sha256"] == first["sha256"]
    (tmp_path / "health.js").write_text("exports.handler = 2")
    assert package.build_package(str(tmp_path), "health")["sha256"] != first["sha256"]


def test_handler_names_the_file_and_a_missing_build_is_explained(tmp_path):
    assert package.handler_module("strategy-templates.handler") == "strategy-templates"
    with pytest.raises(package.PackageError):
        package.handler_module("handler")
    with pytest.raises(package.PackageError) as caught:
        package.build_package(str(tmp_path), "health")
    assert "one file per handler" in caught.value.guidance
