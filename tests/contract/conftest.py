import os

import pytest

# The contract tests leave their figures here; the terminal summary prints them (with or
# without -s).
CONTRACT_SUMMARY = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(CONTRACT_SUMMARY, None)
    if lines:
        terminalreporter.section("schemathesis: every check")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, answering without Nagle's algorithm: Django's test server
    writes the headers and the body separately, and the second write waits for the client's
    delayed ACK (about 40 ms a request, which would be most of a contract run's time)."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
    from pytest_django.live_server_helper import LiveServer

    class NoDelayRequestHandler(QuietWSGIRequestHandler):
        disable_nagle_algorithm = True  # socketserver.StreamRequestHandler sets TCP_NODELAY

    class NoDelayLiveServerThread(LiveServerThread):
        def _create_server(self, connections_override=None):
            return ThreadedWSGIServer((self.host, self.port), NoDelayRequestHandler,
                                      allow_reuse_address=False,
                                      connections_override=connections_override)

    server = LiveServer(
        request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost", start=False)
    stock = server.thread
    server.thread = NoDelayLiveServerThread(
        stock.host, stock.static_handler, connections_override=stock.connections_override,
        port=stock.port)
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()
