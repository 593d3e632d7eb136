"""Make `ansible_collections.acinaces.deploy` importable from the checkout (`make deps` links it)."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO_ROOT / ".venv"
if (COLLECTIONS_ROOT / "ansible_collections").is_dir() and str(COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_ROOT))
