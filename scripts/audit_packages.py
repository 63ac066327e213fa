"""Known vulnerabilities in the installed packages, from the package index's own advisory feed.

    .venv/bin/python scripts/audit_packages.py [--strict] [--index-url URL]

pip-audit's default service asks the index's JSON API for each installed release
(`/pypi/<name>/<version>/json`). Where only the project's own document answers
(`/pypi/<name>/json`, as on this project's CI machines), that document still carries the
vulnerabilities of the project's newest release, from the same advisory feed. So this audits
every installed package that is at its newest release against that feed, and names the ones it
could not audit (an older release, or no answer) instead of passing them in silence.

Exit 1 on a known vulnerability, on a package whose document could not be read, and, with
--strict, on a package older than its newest release; 0 otherwise. The project itself (not on
the index) is left out. The index is pip's default one unless --index-url (or AUDIT_INDEX_URL)
names another JSON API root.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

OWN_PROJECT = "mesmerising-portal"


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    ids: tuple[str, ...]  # the advisory's id, then its aliases
    fixed_in: tuple[str, ...]
    summary: str


@dataclass
class Report:
    audited: list[str] = field(default_factory=list)  # "name version"
    findings: list[Finding] = field(default_factory=list)
    older: list[tuple[str, str, str]] = field(default_factory=list)  # (name, installed, newest)
    unread: list[tuple[str, str]] = field(default_factory=list)  # (name, why)

    def failed(self, strict: bool) -> bool:
        return bool(self.findings or self.unread or (strict and self.older))


def same_release(installed: str, newest: str) -> bool:
    try:
        return Version(installed) == Version(newest)
    except InvalidVersion:
        return installed == newest


def judge(installed: dict[str, str], documents: dict[str, dict | str]) -> Report:
    """What the project documents say about the installed releases. `installed` maps a package's
    name to its version; `documents` maps it to the index's JSON document for the project, or to
    why it could not be read."""
    report = Report()
    for name, version in sorted(installed.items()):
        document = documents.get(name, "not asked")
        if isinstance(document, str):
            report.unread.append((name, document))
            continue
        newest = str(document.get("info", {}).get("version", ""))
        if not same_release(version, newest):
            report.older.append((name, version, newest or "unknown"))
            continue
        report.audited.append(f"{name} {version}")
        seen: set[str] = set()  # one advisory often comes twice, under its PYSEC and its GHSA id
        for advisory in document.get("vulnerabilities") or []:
            ids = {advisory["id"], *advisory.get("aliases", [])}
            if advisory.get("withdrawn") or ids & seen:
                continue
            seen |= ids
            summary = (advisory.get("summary") or advisory.get("details") or "").replace("\n", " ")
            report.findings.append(Finding(name, version, (advisory["id"], *advisory.get("aliases", [])),
                                           tuple(advisory.get("fixed_in") or ()), summary[:200]))
    return report


def installed_packages() -> dict[str, str]:
    """Every distribution in this environment, by canonical name, but the project itself."""
    found = {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
             if d.metadata["Name"]}
    found.pop(OWN_PROJECT, None)
    return found


def default_index_url() -> str:
    """The JSON API root of pip's default index (pip-audit's default service asks the same one)."""
    from pip._internal.models.index import PyPI
    return PyPI.pypi_url


def fetch(index_url: str, name: str, timeout: float = 30) -> dict | str:
    try:
        with urllib.request.urlopen(f"{index_url.rstrip('/')}/{name}/json", timeout=timeout) as response:  # nosec B310
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"{type(error).__name__}: {error}"


def print_report(report: Report, strict: bool) -> None:
    print(f"audited {len(report.audited)} packages at their newest release: "
          f"{len(report.findings)} known vulnerabilities")
    for f in report.findings:
        fixed = ", ".join(f.fixed_in) or "no fixed release yet"
        print(f"  VULNERABLE {f.package} {f.version}: {' / '.join(f.ids)} (fixed in {fixed}) {f.summary}")
    if report.older:
        print(f"not audited, older than the newest release{' (fails with --strict)' if strict else ''}:")
        for name, version, newest in report.older:
            print(f"  {name} {version} (newest {newest})")
    for name, why in report.unread:
        print(f"  COULD NOT READ {name}: {why}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strict", action="store_true", help="fail on a package older than its newest release")
    parser.add_argument("--index-url", default=os.environ.get("AUDIT_INDEX_URL") or None)
    args = parser.parse_args()
    index_url = args.index_url or default_index_url()
    installed = installed_packages()
    with ThreadPoolExecutor(8) as pool:
        documents = dict(zip(installed, pool.map(lambda name: fetch(index_url, name), installed)))
    report = judge(installed, documents)
    print_report(report, args.strict)
    return 1 if report.failed(args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
