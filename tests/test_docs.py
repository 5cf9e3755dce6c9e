"""Every environment variable the code reads is documented in docs/configuration.md."""

import re

from tests.support import ROOT

READS = re.compile(r'(?:env\.[a-z_]+|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"', re.DOTALL)


def variables_read() -> set[str]:
    sources = [
        *ROOT.joinpath("config").glob("*.py"),
        ROOT / "proofsheet" / "cli.py",
        ROOT / "scripts" / "test.sh",
    ]
    found = set()
    for path in sources:
        text = path.read_text()
        found |= set(READS.findall(text))
        if path.suffix == ".sh":
            found |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+):-", text))
    return found


def test_every_variable_is_documented():
    documented = set(
        re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/configuration.md").read_text())
    )
    read = variables_read()
    assert len(read) > 30  # the scan itself works
    assert read - documented == set()
