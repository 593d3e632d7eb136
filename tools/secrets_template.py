"""Print, write or check the vault template of an environment: the credential catalogue as YAML.

    secrets_template.py ENVIRONMENT         # print the template of ENVIRONMENT
    secrets_template.py --write [ENV ...]   # write inventories/<env>/group_vars/all/vault.yml
    secrets_template.py --check [ENV ...]   # exit 1 naming each file that differs from the catalogue

--write and --check default to the environments with secrets (test and production). An
encrypted vault file holds an operator's real values: --check leaves it out (it cannot be
compared) and --write never overwrites it, nor an unencrypted file that holds a value.
Run it with the collection's interpreter: `.venv/bin/python tools/secrets_template.py`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
# `.venv/ansible_collections/acinaces/deploy` links to this checkout (`make deps`).
COLLECTIONS_ROOT = REPO_ROOT / ".venv"
if str(COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_ROOT))

from ansible_collections.acinaces.deploy.plugins.module_utils import _credentials as credentials  # noqa: E402

ENVIRONMENTS = ("local", "test", "production")
VAULT_HEADER = "$ANSIBLE_VAULT;"


def vault_path(root: Path, environment: str) -> Path:
    return root / "inventories" / environment / "group_vars" / "all" / "vault.yml"


def is_encrypted(text: str) -> bool:
    return text.startswith(VAULT_HEADER)


def holds_values(text: str) -> bool:
    """True when an unencrypted vault file has any non-empty credential value (or is unreadable)."""
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return True
    entries = document.get(credentials.VAULT_VARIABLE) if isinstance(document, dict) else None
    if not entries:
        return False
    if not isinstance(entries, dict):
        return True
    return any(
        not credentials.is_empty(value)
        for fields in entries.values()
        for value in (fields.values() if isinstance(fields, dict) else [fields])
    )


def check(root: Path, environments) -> int:
    """Name every vault file that differs from its template; encrypted files are left out."""
    stale = []
    for environment in environments:
        content = credentials.template(environment)
        path = vault_path(root, environment)
        text = path.read_text(encoding="utf-8") if path.exists() else None
        if text is not None and is_encrypted(text):
            print("%s: encrypted, not compared" % path.relative_to(root))
        elif text != content:
            stale.append(path)
    for path in stale:
        print("%s differs from the credential catalogue: run `.venv/bin/python tools/secrets_template.py --write`"
              % path.relative_to(root), file=sys.stderr)
    return 1 if stale else 0


def write(root: Path, environments) -> int:
    """Write each template, never over an encrypted file or over values."""
    status = 0
    for environment in environments:
        content = credentials.template(environment)
        path = vault_path(root, environment)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if is_encrypted(text) or holds_values(text):
            print("%s holds credentials: not overwritten" % path.relative_to(root), file=sys.stderr)
            status = 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        print("%s written" % path.relative_to(root))
    return status


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="write the vault file of each environment")
    action.add_argument("--check", action="store_true", help="exit 1 when a vault file differs from the catalogue")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the checkout (default: this one)")
    parser.add_argument("environments", nargs="*", metavar="ENVIRONMENT")
    args = parser.parse_args(argv)
    if not (args.write or args.check) and len(args.environments) != 1:
        parser.error("name one environment to print, or use --write or --check")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    try:
        if args.write:
            return write(args.root, args.environments or ENVIRONMENTS)
        if args.check:
            return check(args.root, args.environments or ENVIRONMENTS)
        sys.stdout.write(credentials.template(args.environments[0]))
    except credentials.CredentialError as error:
        print(error.message, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
