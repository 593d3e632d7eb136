# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS requests of the validation checks, as a browser at the API's domain would send them.

Python's standard library only (http.client, ssl). The name in the URL is the TLS server name
(SNI), the certificate's expected name and the Host header; with an edge address the TCP
connection goes there instead of to what the name resolves to (the local stack's edge on
127.0.0.1, or one CloudFront/API Gateway address). The certificate is verified against a CA
file, or the system store.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from urllib.parse import urlsplit

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError

BODY_LIMIT = 65536  # bytes of a body kept (what a check needs; an excerpt goes into the report)
EXCERPT = 200  # characters of a body in a check's cause and details


class ConnectionSettingsError(DeployError):
    """The connection settings of a validation module are unusable."""


class _NamedTLSConnection(http.client.HTTPSConnection):
    """HTTPS to `address` with `server_name` as SNI and certificate name."""

    def __init__(self, address, port, server_name, context, timeout):
        super().__init__(address, port, context=context, timeout=timeout)
        self.server_name = server_name

    def connect(self):
        http.client.HTTPConnection.connect(self)  # TCP only; TLS with the server name below
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_name)


class Response:
    """One answer (or the error that stopped it): status, headers (lower-case names), body, time."""

    def __init__(self, status=None, headers=None, body=b"", elapsed_ms=0.0, error=None):
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.elapsed_ms = elapsed_ms
        self.error = error

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    @property
    def excerpt(self):
        return self.text[:EXCERPT]

    def json(self):
        """The body as JSON; None when it is not JSON."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def header(self, name):
        return self.headers.get(name.lower())

    def describe(self):
        """One line for a cause: status (or error), time and the body's excerpt."""
        if self.error:
            return "no answer after %.1f ms: %s" % (self.elapsed_ms, self.error)
        excerpt = self.excerpt.replace("\n", " ")
        return "status %s after %.1f ms, body: %s" % (self.status, self.elapsed_ms, excerpt if excerpt else "(empty)")

    def record(self):
        """The details of this answer in a check."""
        result = {"status": self.status, "ms": round(self.elapsed_ms, 1)}
        if self.error:
            result["error"] = self.error
        else:
            result["body_excerpt"] = self.excerpt
        return result


# The options of the modules that call the API (doc fragment validation_api_connection).
CONNECTION_OPTIONS = dict(
    manifest=dict(type="dict", required=True),
    api_url=dict(type="str", required=True),
    edge_address=dict(type="str", default=""),
    https_port=dict(type="int", default=443),
    ca_file=dict(type="path"),
    timeout=dict(type="float", default=10),
)


class Target:
    """Where requests go: the URL (scheme https, host, optional base path), the port, the edge
    address to connect to instead of resolving the host, the CA file, the timeout."""

    @classmethod
    def from_params(cls, params):
        """The target the CONNECTION_OPTIONS of a module name."""
        return cls(params["api_url"], params["edge_address"], params["https_port"], params["ca_file"], params["timeout"])

    def __init__(self, url, edge_address="", port=443, ca_file="", timeout=10.0):
        parts = urlsplit(url or "")
        if parts.scheme != "https" or not parts.hostname:
            raise ConnectionSettingsError(
                "api_url: %r is not an https:// URL" % (url,),
                guidance="Set validation_api_url to the API's address, such as https://api.example.com.",
            )
        self.url = url
        self.host = parts.hostname
        self.port = parts.port or int(port or 443)
        self.base_path = parts.path.rstrip("/")
        self.address = edge_address or self.host
        self.ca_file = ca_file or None
        self.timeout = float(timeout)
        if self.timeout <= 0:
            raise ConnectionSettingsError("timeout: must be positive, got %r" % (timeout,), guidance="Give a timeout in seconds, such as 10.")
        self._context = None

    @property
    def host_header(self):
        return self.host if self.port == 443 else "%s:%d" % (self.host, self.port)

    def origin_of(self, url):
        """The Origin a browser sends from `url` reached on this target's port (the port is
        part of the origin when it is not 443)."""
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConnectionSettingsError("frontend_url: %r is not an https:// URL" % (url,),
                                          guidance="Set validation_frontend_url, such as https://example.com.")
        port = parts.port or self.port
        return "%s://%s" % (parts.scheme, parts.hostname if port == 443 else "%s:%d" % (parts.hostname, port))

    def url_of(self, path):
        return "https://%s%s" % (self.host_header, self.full_path(path))

    def full_path(self, path):
        return self.base_path + (path if path.startswith("/") else "/" + path)

    def context(self):
        if self._context is None:
            try:
                self._context = ssl.create_default_context(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as error:
                raise ConnectionSettingsError(
                    "ca_file: %s cannot be used as a CA bundle (%s)" % (self.ca_file, error),
                    guidance="Set validation_ca_file to a PEM file of the CA, or to '' for the system store.",
                ) from None
        return self._context


class Client:
    """Sends one request per call on a new connection (a fresh client's view: TCP, TLS, HTTP)."""

    def __init__(self, target, clock=time.monotonic):
        self.target = target
        self.clock = clock

    def request(self, method, path, headers=None, body=None):
        target = self.target
        sent = {"Host": target.host_header, "User-Agent": "acinaces.deploy-validation", "Accept": "application/json"}
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        context = target.context()
        started = self.clock()
        connection = _NamedTLSConnection(target.address, target.port, target.host, context, target.timeout)
        try:
            connection.request(method, target.full_path(path), body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read(BODY_LIMIT)
            elapsed = (self.clock() - started) * 1000.0
            return Response(answer.status, {name.lower(): value for name, value in answer.getheaders()}, data, elapsed)
        except ssl.SSLCertVerificationError as error:
            return Response(elapsed_ms=(self.clock() - started) * 1000.0, error="TLS certificate not trusted: %s" % error.verify_message)
        except (socket.timeout, TimeoutError):
            return Response(elapsed_ms=(self.clock() - started) * 1000.0, error="timed out after %.0f s" % target.timeout)
        except (OSError, ssl.SSLError, http.client.HTTPException) as error:
            return Response(elapsed_ms=(self.clock() - started) * 1000.0, error="%s: %s" % (type(error).__name__, error))
        finally:
            connection.close()
