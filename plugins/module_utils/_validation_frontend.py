# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_frontend: the CloudFront distribution is enabled, the site answers over HTTPS with
its JS and CSS assets, HTTP redirects to HTTPS, and every page navigates in headless Chromium
(Playwright driving the system's chromium) without a failed request or a console error."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from ansible_collections.acinaces.deploy.plugins.module_utils._validation_checks import (
    Checks,
    ValidationInputError,
    certificate_facts,
    failed,
    fetch,
    passed,
    require,
    served_certificate,
    target_of,
)

GROUP = "frontend"
CONTENT_TYPES = {"js": ("application/javascript", "text/javascript"), "css": ("text/css",)}


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.found.append(("js", attributes["src"]))
        elif tag == "link" and attributes.get("href"):
            rel = (attributes.get("rel") or "").lower().split()
            kind = (attributes.get("as") or "").lower()
            if "stylesheet" in rel or kind == "style":
                self.found.append(("css", attributes["href"]))
            elif kind == "script" and ("preload" in rel or "modulepreload" in rel):
                self.found.append(("js", attributes["href"]))


def referenced_assets(html, page_url):
    """[(kind, url)] of the JS and CSS of a page on its own site, in order, without repeats."""
    parser = _Assets()
    parser.feed(html)
    site = urlsplit(page_url).netloc
    assets, seen = [], set()
    for kind, reference in parser.found:
        url = urljoin(page_url, reference)
        if urlsplit(url).netloc != site or url in seen:
            continue
        seen.add(url)
        assets.append((kind, url))
    return assets


def content_type_ok(kind, header):
    return (header or "").split(";", 1)[0].strip().lower() in CONTENT_TYPES[kind]


def redirect_outcome(status, location, https_url_host):
    details = {"status": status, "location": location}
    if status not in (301, 308):
        return failed("plain HTTP answered %s, not a permanent redirect (301/308) to HTTPS" % status, **details)
    parts = urlsplit(location or "")
    if parts.scheme != "https":
        return failed("plain HTTP redirects to %r, not to https://" % location, **details)
    if parts.hostname != https_url_host:
        return failed("plain HTTP redirects to %s, not to %s" % (parts.hostname, https_url_host), **details)
    return passed(**details)


def browser_findings(events):
    """The problems a page's navigation had: failed requests, HTTP errors, console errors."""
    problems = []
    for event in events:
        if event["type"] == "requestfailed" and "ERR_ABORTED" in event.get("error", ""):
            continue  # cancelled by the page itself (a prefetch the navigation made moot), not failed
        if event["type"] == "requestfailed":
            problems.append("request failed: %s %s (%s)" % (event.get("method", "GET"), event["url"], event.get("error", "")))
        elif event["type"] == "response" and event.get("status", 0) >= 400:
            problems.append("HTTP %d: %s" % (event["status"], event["url"]))
        elif event["type"] == "console" and event.get("level") == "error":
            problems.append("console error: %s" % event["text"])
        elif event["type"] == "pageerror":
            problems.append("uncaught error: %s" % event["text"])
    return problems


def chromium_arguments(map_hosts, edge_address, https_port, spki):
    """Switches making chromium reach `map_hosts` at the edge and trust its certificate's key."""
    arguments = ["--no-sandbox", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"]
    if edge_address:
        rules = ", ".join("MAP %s %s:%d" % (host, edge_address, https_port) for host in sorted(set(map_hosts)))
        arguments.append("--host-resolver-rules=%s" % rules)
    if spki:
        arguments.append("--ignore-certificate-errors-spki-list=%s" % spki)
    return arguments


class Browser:
    """Headless Chromium driven by Playwright (the system's chromium, nothing downloaded)."""

    def __init__(self, executable, arguments, timeout):
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
        self._playwright = self._browser = None

    def __enter__(self):
        try:
            from playwright.sync_api import sync_playwright  # pylint: disable=import-outside-toplevel
        except ImportError as error:
            raise ValidationInputError(
                "Playwright for Python is not installed (%s)" % error,
                guidance="Install the collection's requirements (requirements/runtime.txt), or leave the frontend "
                "browser check out with validation_frontend_browser: false.",
            ) from None
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=self.executable, args=self.arguments, headless=True)
        return self

    def __exit__(self, *exc):
        if self._browser:
            self._browser.close()
        if self._playwright:
            self._playwright.stop()

    def visit(self, url):
        """Navigate to `url`, wait until the network is idle; returns (status, events)."""
        events = []
        context = self._browser.new_context()
        try:
            page = context.new_page()
            page.on("requestfailed", lambda request: events.append(
                {"type": "requestfailed", "url": request.url, "method": request.method, "error": request.failure or ""}))
            page.on("response", lambda response: events.append({"type": "response", "url": response.url, "status": response.status}))
            page.on("console", lambda message: events.append({"type": "console", "level": message.type, "text": message.text}))
            page.on("pageerror", lambda error: events.append({"type": "pageerror", "text": str(error)}))
            response = page.goto(url, wait_until="load", timeout=self.timeout * 1000)
            try:
                page.wait_for_load_state("networkidle", timeout=self.timeout * 1000)
            except Exception:  # pylint: disable=broad-exception-caught
                events.append({"type": "console", "level": "warning", "text": "network not idle after %ss" % self.timeout})
            return (response.status if response else None), events
        finally:
            context.close()


def validate(cloudfront, manifest, frontend_url, pages=("/",), edge_address="", https_port=443, http_port=80,
             ca_file="", browser=True, chromium="/usr/bin/chromium", timeout=20.0):
    """Run the frontend checks; `cloudfront` is a CloudFront client."""
    distribution_id = require(manifest, "cloudfront.distribution_id")
    api_domain = require(manifest, "api.domain")
    site = target_of(frontend_url, edge_address, https_port, http_port)
    if site.scheme != "https":
        raise ValidationInputError("validation_frontend_url %r is not https://" % frontend_url,
                                   guidance="Set validation_frontend_url to the site's https:// URL.")
    base = "https://%s/" % site.host_header
    checks = Checks(GROUP)
    state = {}

    def enabled():
        distribution = cloudfront.get_distribution(Id=distribution_id, aws_retry=True)["Distribution"]
        config = distribution["DistributionConfig"]
        details = {"status": distribution.get("Status"), "aliases": (config.get("Aliases") or {}).get("Items", [])}
        if not config.get("Enabled"):
            return failed("CloudFront distribution %s is disabled" % distribution_id, **details)
        return passed(**details)

    def home():
        response = fetch(site, "/", ca_file=ca_file, timeout=timeout)
        details = {"status": response.status, "content_type": response.headers.get("content-type"), "bytes": len(response.body)}
        if response.status != 200:
            return failed("%s answered %d, not 200" % (base, response.status), **details)
        state["html"] = response.body.decode("utf-8", "replace")
        return passed(**details)

    def assets():
        if "html" not in state:
            return failed("the home page did not load (see the HTTPS check), so its assets are unknown")
        found = referenced_assets(state["html"], base)
        if not any(kind == "js" for kind, _url in found) or not any(kind == "css" for kind, _url in found):
            return failed("index.html references %d JS and %d CSS assets; expected both" % (
                sum(kind == "js" for kind, _url in found), sum(kind == "css" for kind, _url in found)), assets=[url for _kind, url in found])
        broken = []
        for kind, url in found:
            path = urlsplit(url).path
            response = fetch(site, path, ca_file=ca_file, timeout=timeout)
            if response.status != 200:
                broken.append("%s answered %d" % (path, response.status))
            elif not content_type_ok(kind, response.headers.get("content-type")):
                broken.append("%s has Content-Type %s (expected %s)" % (path, response.headers.get("content-type"), " or ".join(CONTENT_TYPES[kind])))
        details = {"assets": len(found), "js": sum(kind == "js" for kind, _url in found), "css": sum(kind == "css" for kind, _url in found)}
        if broken:
            return failed("%d of %d assets do not load: %s" % (len(broken), len(found), "; ".join(broken)), broken=broken, **details)
        return passed(**details)

    def redirect():
        plain = site._replace(scheme="http", port=http_port)
        response = fetch(plain, "/", timeout=timeout)
        return redirect_outcome(response.status, response.headers.get("location"), site.host)

    checks.run("CloudFront distribution is enabled", enabled)
    checks.run("the site answers 200 over HTTPS", home)
    checks.run("the JS and CSS assets of index.html load with their Content-Type", assets)
    checks.run("plain HTTP redirects to HTTPS", redirect)
    if browser:
        _browse(checks, site, base, pages, api_domain, edge_address, https_port, ca_file, chromium, timeout)
    return checks.result()


def _browse(checks, site, base, pages, api_domain, edge_address, https_port, ca_file, chromium, timeout):
    spki = ""
    if ca_file:
        # The browser cannot be given a CA file: trust the key of the certificate the edge
        # serves, once Python has verified it against the CA file.
        try:
            spki = certificate_facts(served_certificate(site.address, site.port, site.host, ca_file, timeout))["spki_sha256"]
        except Exception as error:  # pylint: disable=broad-exception-caught
            for page in pages:
                checks.add("page %s loads in Chromium without errors" % page,
                           failed("the certificate of %s is not trusted by %s, so the browser was not started: %s" % (site.host, ca_file, error)))
            return
    arguments = chromium_arguments([site.host, api_domain], edge_address, site.port, spki)
    with Browser(chromium, arguments, timeout) as browser:
        for page in pages:
            url = urljoin(base, page)

            def navigate(url=url):
                status, events = browser.visit(url)
                problems = browser_findings(events)
                details = {"url": url, "status": status, "requests": sum(1 for event in events if event["type"] == "response")}
                if status != 200:
                    problems.insert(0, "the page answered %s" % status)
                if problems:
                    return failed("%s: %s" % (url, "; ".join(problems[:10])), problems=problems, **details)
                return passed(**details)

            checks.run("page %s loads in Chromium without errors" % page, navigate)
