"""The manifest (SHA-256 of every file, chained) written last into a run folder, and its verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.evidence.files import CHAIN_SEED, MANIFEST_FILE, NO_MANIFEST, json_text, write_private


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _folder_files(run_dir: Path) -> list[str]:
    """Every file under the folder (subfolders too) except the manifest itself, as sorted POSIX paths."""
    found = (p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    return sorted(rel for rel in found if rel != MANIFEST_FILE)


def chain_of(entries: list[dict]) -> str:
    """h0 = sha256(seed); h_i = sha256(h_{i-1} + path + b"\\0" + sha256 hex), over raw 32-byte digests."""
    h = hashlib.sha256(CHAIN_SEED).digest()
    for entry in entries:
        link = entry["path"].encode("utf-8") + b"\0" + entry["sha256"].encode("ascii")
        h = hashlib.sha256(h + link).digest()
    return h.hex()


def write_manifest(run_dir: Path) -> Path:
    """Hash every file of the folder into manifest.json (written last, 0600) and return its path."""
    run_dir = Path(run_dir)
    files = [
        {"path": rel, "sha256": _sha256_file(run_dir / rel), "size": (run_dir / rel).stat().st_size}
        for rel in _folder_files(run_dir)
    ]
    manifest = {"algorithm": "sha256", "files": files, "chain": chain_of(files)}
    return write_private(run_dir / MANIFEST_FILE, json_text(manifest))


def manifest_chain(run_dir: Path) -> str | None:
    """The chained digest a folder's manifest states (None when there is no readable manifest)."""
    try:
        chain = json.loads((Path(run_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))["chain"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return chain if isinstance(chain, str) else None


@dataclass
class VerifyResult:
    ok: bool
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    chain_ok: bool = False
    message: str = ""


def verify(run_dir: Path) -> VerifyResult:
    """Compare the folder with its manifest: name every file added, missing or changed; check the chain."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return VerifyResult(ok=False, message=f"{run_dir} is not a folder")
    manifest_path = run_dir / MANIFEST_FILE
    if not manifest_path.is_file():
        return VerifyResult(ok=False, message=NO_MANIFEST)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries = manifest["files"]
        listed = {e["path"]: e for e in entries}
        if manifest.get("algorithm") != "sha256" or not all(
            isinstance(e["path"], str) and isinstance(e["sha256"], str) for e in entries
        ):
            raise ValueError("unexpected algorithm or entry")
        chain_ok = chain_of(sorted(entries, key=lambda e: e["path"])) == manifest["chain"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return VerifyResult(ok=False, message=f"the manifest is unreadable or malformed ({exc})")

    # Listed paths are compared with what is found, never opened: an edited manifest cannot point outside.
    present = _folder_files(run_dir)
    missing = sorted(set(listed) - set(present))
    added = [rel for rel in present if rel not in listed]
    changed = []
    for rel in present:
        entry = listed.get(rel)
        if entry is None:
            continue
        full = run_dir / rel
        if full.stat().st_size != entry.get("size") or _sha256_file(full) != entry["sha256"]:
            changed.append(rel)

    ok = chain_ok and not (missing or added or changed)
    if ok:
        message = f"intact: all {len(present)} files match the manifest and its chain"
    else:
        problems = [
            f"{label}: {', '.join(names)}"
            for label, names in (("changed", changed), ("missing", missing), ("added", added))
            if names
        ]
        if not chain_ok:
            problems.append("the manifest's chain does not match its entries (the manifest was edited)")
        message = "NOT intact: " + "; ".join(problems)
    return VerifyResult(
        ok=ok, missing=missing, added=added, changed=changed, chain_ok=chain_ok, message=message
    )

