# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reproducible Lambda packages: the same files give byte-identical ZIPs.

Entries are sorted, dated 1980-01-01, with fixed permissions and compression, so an unchanged
handler keeps its SHA-256 and is never uploaded or republished.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644 << 16


class PackageError(DeployError):
    """A handler's package cannot be built."""


def handler_module(handler):
    """'strategy-templates.handler' -> 'strategy-templates' (the file the ZIP must hold)."""
    module, separator, export = handler.rpartition(".")
    if not separator or not module or not export:
        raise PackageError(
            "handler %r is not <file>.<export>" % handler,
            guidance="Fix the handler of the function in the Terraform outputs (lambda_functions).",
        )
    return module


def zip_bytes(files):
    """A deterministic ZIP of {archive name: bytes}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.external_attr = FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def digests(data):
    """(hex SHA-256, Lambda's CodeSha256: the base64 SHA-256)."""
    digest = hashlib.sha256(data).digest()
    return digest.hex(), base64.b64encode(digest).decode("ascii")


def handler_files(source_dir, module, extra_files=()):
    """{archive name: bytes}: the handler's built file, plus shared extra files."""
    names = ["%s.js" % module] + list(extra_files)
    files = {}
    for name in names:
        path = os.path.join(source_dir, name)
        if not os.path.isfile(path):
            raise PackageError(
                "the build has no %s for handler module %s" % (path, module),
                guidance="Check that the backend build writes one file per handler into %s." % source_dir,
            )
        with open(path, "rb") as stream:
            files[name] = stream.read()
    return files


def build_package(source_dir, module, extra_files=()):
    data = zip_bytes(handler_files(source_dir, module, extra_files))
    sha256_hex, code_sha256 = digests(data)
    return {"data": data, "sha256": sha256_hex, "code_sha256": code_sha256, "size": len(data)}
