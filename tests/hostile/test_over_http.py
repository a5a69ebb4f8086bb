"""Issue 15: every file of the hostile corpus through the modeller's /check and /publish
over HTTP, as a process owner: never a 500, each answer within a time bound; what Check
refuses is refused by both, with its problems listed."""

import time

import pytest

from tests.web import conftest as web
from tests.web import diagram_fixtures
from tests.web.conftest import sign_in

from .corpus import CORPUS

# the web tests' fixtures, by name, so pytest finds them in this module
simple_published = diagram_fixtures.simple_published
app, client, make_org, make_user = web.app, web.client, web.make_org, web.make_user
BOUND = 5.0  # seconds for one request, on a loaded machine (these used to hang or 500)
XML = {"Content-Type": "application/xml"}
URL = "/modeller/files/simple.bpmn"


@pytest.fixture
def owner(client, make_user, simple_published):
    sign_in(client, make_user("process_owner", name="Olive Owner").email)
    return client


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda c: c.name)
def test_check_and_publish_over_http_never_500(owner, hostile):
    (xml,) = hostile.files.values()
    checked, took = timed(lambda: owner.post(f"{URL}/check", data=xml, headers=XML))
    assert checked.status_code in (200, 400), checked.status_code
    assert took < BOUND, f"/check took {took:.1f} s"
    if hostile.refused and checked.status_code == 200:
        assert checked.json["problems"], "Check let it through"
    saved, took = timed(lambda: owner.post(f"{URL}/draft", data=xml, headers=XML))
    assert saved.status_code in (200, 400) and took < BOUND, (saved.status_code, took)
    published, took = timed(lambda: owner.post(f"{URL}/publish",
                                               data={"note": "Hostile"}))
    assert published.status_code in (302, 400), published.status_code
    assert took < BOUND, f"/publish took {took:.1f} s"
    if hostile.refused:
        assert published.status_code == 400  # refused (or no draft of it to publish)
    else:  # what only a running case can show: published, and its case stops in error
        assert checked.json["problems"] == [] and published.status_code == 302
