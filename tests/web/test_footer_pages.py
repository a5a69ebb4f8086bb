"""The service looks like the partnership's, not GOV.UK's (issue 12): no crown and no GOV.UK
logotype, the partnership's name and the service's name in the header, and a footer whose
accessibility statement, privacy notice, cookies and help pages anyone can read."""

import pytest

from engine.child_record import SetPartnership
from engine.executor import SYSTEM, run

from .conftest import sign_in

PAGES = {"/help": "Help using Safeguard Flow",
         "/accessibility": "Accessibility statement for Safeguard Flow",
         "/privacy": "Privacy notice", "/cookies": "Cookies"}


@pytest.mark.parametrize("path,heading", PAGES.items())
def test_footer_page_is_open_to_everyone_and_written_for_this_service(client, session,
                                                                      path, heading):
    html = client.get(path).get_data(as_text=True)
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in html
    assert "Safeguard Flow" in html
    for other_path in PAGES:
        assert f'href="{other_path}"' in html  # every page carries the footer


def test_privacy_notice_states_the_retention_the_engine_applies(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "until their 75th birthday" in html and "until their 25th birthday" in html


def test_cookies_page_names_the_idle_timeout_the_app_applies(app, client):
    assert "do nothing for 30 minutes" in client.get("/cookies").get_data(as_text=True)


def test_header_has_no_crown_and_names_the_partnership(client, session, world):
    run(session, SetPartnership([world.council.id, world.police_org.id]), SYSTEM)
    sign_in(client, world.sw.email)
    html = client.get("/").get_data(as_text=True)
    assert "govuk-logo" not in html and "GOV.UK" not in html and "Crown copyright" not in html
    assert "Westmorland and Furness Council and Cumbria Constabulary" in html
    assert "govuk-service-navigation__service-name" in html and "Safeguard Flow" in html
    icon = client.get("/favicon.ico")
    assert icon.mimetype == "image/svg+xml"
    icon.close()


def test_header_before_the_partnership_is_set_says_so_plainly(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert "Safeguarding partnership" in html and "govuk-logo" not in html
