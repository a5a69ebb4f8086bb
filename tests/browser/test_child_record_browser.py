"""Find a child and loading the council's SSDA903 files, in a real browser (Debian's
Chromium), with axe-core on each page (issue 10)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.record.test_child_import import EPISODES, HEADER
from tests.web.conftest import PASSWORD

from .axe import assert_accessible
from .conftest import sign_in


def test_a_social_worker_finds_a_child_from_the_header(page, live_server, world,
                                                       console_errors):
    sign_in(page, live_server, world.sw.email, PASSWORD)
    page.get_by_role("link", name="Find a child").click()
    expect(page.get_by_role("heading", name="Find a child")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name, date of birth or id").fill("Example 31/02/2011")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("31/02/2011 is not a real date").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name, date of birth or id").fill("Example 14/05/2011")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 child found")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Ava Example").click()
    expect(page.get_by_role("heading", name="Ava Example", exact=False).first).to_be_visible()


def test_an_administrator_loads_the_councils_files(page, live_server, world, make_user,
                                                   tmp_path, console_errors):
    admin = make_user("admin", org=world.council, name="Alex Admin")
    (tmp_path / "header.csv").write_text(HEADER)
    (tmp_path / "episodes.csv").write_text(EPISODES)
    sign_in(page, live_server, admin.email, PASSWORD)
    page.get_by_role("link", name="Load children").click()
    assert_accessible(page)
    page.get_by_label("Header table (CSV)").set_input_files(tmp_path / "episodes.csv")
    page.get_by_label("Episodes table (CSV)").set_input_files(tmp_path / "episodes.csv")
    page.get_by_role("button", name="Load the children").click()
    expect(page.get_by_role("link", name="The file given as the Header table is the "
                            "Episodes table", exact=False)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Header table (CSV)").set_input_files(tmp_path / "header.csv")
    page.get_by_label("Episodes table (CSV)").set_input_files(tmp_path / "episodes.csv")
    page.get_by_role("button", name="Load the children").click()
    expect(page.get_by_role("heading", name="2 children changed")).to_be_visible()
    expect(page.locator("#rows-not-taken")).to_contain_text(
        "DECOM 31/02/2025 is not a date (dd/mm/yyyy)")
    assert_accessible(page)
