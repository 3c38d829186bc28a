"""The guide's examples run as written: README.md's and every shell block of docs/api.md, in
order, in one shell, against a server holding `make run`'s demo data (a fresh SQLite database,
`setup_demo`, gunicorn with debug on)."""

import os
import re
import subprocess

import pytest

from school.tests import servers
from school.tests.servers import PROJECT

MAKE_RUN_BASE = "http://127.0.0.1:8000"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)


def shell_blocks(path, start=None, end=None):
    text = (PROJECT / path).read_text()
    if start is not None:
        text = text[text.index(start) : text.index(end)]
    return BLOCK.findall(text)


def examples():
    readme = shell_blocks("README.md", "### Using the API", "### Testing")
    guide = shell_blocks("docs/api.md")
    assert readme and len(guide) >= 8, "the examples moved: update this test"
    return [*readme, *guide]


@pytest.fixture
def demo_server(tmp_path):
    """A server of `make run`'s demo data on a database of its own: (base URL, environment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    env.update(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    servers.manage(env, "migrate", "--noinput")
    servers.manage(env, "setup_demo")
    server, base = servers.start_gunicorn(env, workers=1)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_every_example_of_the_guide_runs_as_written(demo_server):
    script = "\n".join(["set -eu", *examples()]).replace(MAKE_RUN_BASE, demo_server)
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300, cwd=PROJECT)
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    # Where an example prints a bare status (curl -w '%{http_code}'), the guide says which.
    # (A JSON answer has no newline after it, so a status may follow one on the same line.)
    printed = re.findall(r"(?:^|(?<=[}\]]))(\d{3})$", result.stdout, re.M)
    promised = re.findall(r"^# (\d{3})$", "\n".join(examples()), re.M)
    assert promised and printed == promised, (printed, promised)
    # The answers are the API's, not errors of the examples themselves.
    assert "server_error" not in result.stdout
    assert "not_authenticated" not in result.stdout
