import pytest

# The fuzz test leaves its figures here; the terminal summary prints them (with or without -s).
FUZZ_SUMMARY = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(FUZZ_SUMMARY, None)
    if lines:
        terminalreporter.section("schemathesis fuzz")
        for line in lines:
            terminalreporter.write_line(line)
