"""The dependency audit (scripts/audit_packages.py, `make audit`): what it makes of the index's
project documents, without the network."""

from __future__ import annotations

import pytest

from tests.scripts import script_module


@pytest.fixture(scope="module")
def audit():
    with script_module("audit_packages") as module:
        yield module


def document(newest: str, *advisories: dict) -> dict:
    return {"info": {"version": newest}, "vulnerabilities": list(advisories)}


ADVISORY = {"id": "PYSEC-2017-94", "aliases": ["CVE-2013-7459"], "fixed_in": [], "summary": "Heap overflow\nin ALGnew",
            "withdrawn": None}


def test_a_known_vulnerability_in_the_installed_newest_release_fails_the_audit(audit):
    report = audit.judge({"pycrypto": "2.6.1", "flask": "3.1.3"},
                         {"pycrypto": document("2.6.1", ADVISORY), "flask": document("3.1.3")})
    assert report.audited == ["flask 3.1.3", "pycrypto 2.6.1"]
    assert report.findings == [audit.Finding("pycrypto", "2.6.1", ("PYSEC-2017-94", "CVE-2013-7459"), (),
                                             "Heap overflow in ALGnew")]
    assert report.failed(strict=False) and report.failed(strict=True)


def test_an_advisory_listed_under_two_ids_is_one_finding(audit):
    twin = {**ADVISORY, "id": "GHSA-cq27-v7xp-c356", "aliases": ["CVE-2013-7459", "PYSEC-2017-94"]}
    other = {**ADVISORY, "id": "PYSEC-2018-97", "aliases": ["CVE-2018-6594"]}
    report = audit.judge({"pycrypto": "2.6.1"}, {"pycrypto": document("2.6.1", ADVISORY, twin, other)})
    assert [f.ids[0] for f in report.findings] == ["PYSEC-2017-94", "PYSEC-2018-97"]


def test_a_clean_environment_passes_and_a_withdrawn_advisory_is_not_a_finding(audit):
    report = audit.judge({"flask": "3.1.3", "jinja2": "3.1.6"},
                         {"flask": document("3.1.3"), "jinja2": document("3.1.6", {**ADVISORY, "withdrawn": "2025"})})
    assert report.findings == [] and report.older == [] and report.unread == []
    assert not report.failed(strict=True)


def test_an_older_release_is_named_as_not_audited_and_fails_only_a_strict_audit(audit):
    # The document's advisories are the newest release's: they say nothing of 2.6.0, either way.
    report = audit.judge({"huey": "2.6.0"}, {"huey": document("3.5.4", ADVISORY)})
    assert report.audited == [] and report.findings == []
    assert report.older == [("huey", "2.6.0", "3.5.4")]
    assert not report.failed(strict=False) and report.failed(strict=True)


def test_a_package_whose_document_could_not_be_read_fails_the_audit(audit):
    report = audit.judge({"flask": "3.1.3", "zxcvbn": "4.5.0"},
                         {"flask": document("3.1.3"), "zxcvbn": "URLError: connection refused"})
    assert report.unread == [("zxcvbn", "URLError: connection refused")]
    assert report.failed(strict=False)


def test_versions_are_compared_as_releases_not_as_text(audit):
    report = audit.judge({"tzdata": "2025.2", "odd": "1.0.0"},
                         {"tzdata": document("2025.02"), "odd": document("1.0")})
    assert report.audited == ["odd 1.0.0", "tzdata 2025.2"]


def test_the_audit_covers_this_environment_but_not_the_project_itself(audit):
    installed = audit.installed_packages()
    assert installed["flask"] and installed["sqlalchemy"]
    assert audit.OWN_PROJECT not in installed


def test_make_audit_exits_1_on_a_vulnerability_and_0_when_clean(audit, monkeypatch, capsys):
    """The script end to end, the index answered by a stand-in: its exit status is what CI reads."""
    answers = {"pycrypto": document("2.6.1", ADVISORY), "flask": document("3.1.3"), "huey": document("3.5.4")}
    monkeypatch.setattr(audit, "installed_packages", lambda: {"pycrypto": "2.6.1", "flask": "3.1.3", "huey": "2.6.0"})
    monkeypatch.setattr(audit, "fetch", lambda index_url, name: answers[name])
    monkeypatch.setattr("sys.argv", ["audit_packages.py", "--index-url", "http://index.invalid/pypi"])
    assert audit.main() == 1
    printed = capsys.readouterr().out
    assert "VULNERABLE pycrypto 2.6.1: PYSEC-2017-94 / CVE-2013-7459" in printed
    assert "huey 2.6.0 (newest 3.5.4)" in printed
    answers["pycrypto"] = document("2.6.1")
    assert audit.main() == 0
    monkeypatch.setattr("sys.argv", ["audit_packages.py", "--strict", "--index-url", "http://index.invalid/pypi"])
    assert audit.main() == 1  # huey is older than its newest release
