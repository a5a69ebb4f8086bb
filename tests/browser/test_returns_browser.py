"""The returns page in a real browser (R46): a service manager picks the collection year,
gets the SSDA903 missing tables checked by the DfE's validator, sees each rule hit by
child, file, row and rule, and downloads the files and Ofsted's Annex A."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from engine.child_record import SavePeriod
from engine.executor import SYSTEM, run
from engine.returns import validator
from tests.returns.conftest import records  # noqa: F401
from tests.web.conftest import PASSWORD

from .axe import WCAG_22_AA, assert_accessible
from .conftest import sign_in


@pytest.mark.skipif(not validator.available(), reason="the DfE validator is not installed "
                                                      "(make creates .venv-903)")
def test_r46_returns_page_checks_the_year_and_downloads_the_files(  # noqa: PLR0913
        page, live_server, session, records, make_user, fake_clock, artifacts,  # noqa: F811
        console_errors):
    council = records.org("wfc")
    manager = make_user("service_manager", org=council)
    child = records.child(council, flags={}, sex="F", ethnic_code="WBRI",
                          upn="A123456789012", la_child_id="WF77")
    run(session, SavePeriod(child.id, "legal_status", {
        "legal_status": "care_order", "starts_on": "2024-01-10", "cin_code": "N1"}), SYSTEM)
    run(session, SavePeriod(child.id, "placement", {
        "address": "Brook House", "starts_on": "2024-01-10", "placement_type": "K2",
        "provider_type": "PR4", "postcode": "LA9 6NH", "urn": "SC123456",
        "local_authority_id": council.id}), SYSTEM)
    session.commit()
    seen = dt.datetime(2025, 10, 2, 9, tzinfo=dt.UTC)
    records.episode(child, "M", seen, seen + dt.timedelta(days=1))
    # a recorded category the DfE does not know: the validator's rule 1006 catches it
    records.episode(child, "Q", seen + dt.timedelta(days=5), seen + dt.timedelta(days=6))
    sign_in(page, live_server, manager.email, PASSWORD)
    page.get_by_role("link", name="Returns").click()
    expect(page.get_by_role("heading", name="DfE children looked after return: missing "
                                            "episodes")).to_be_visible()
    page.get_by_label("Collection year").select_option(label="April 2025 to March 2026")
    page.get_by_role("button", name="Check this year").click()
    expect(page.locator("#count-missing")).to_have_text("2")
    summary = page.locator("#rule-summary")
    expect(summary).to_contain_text("1006")
    row = page.locator("#findings tbody tr", has_text="1006")
    expect(row).to_contain_text("WF77")
    expect(row).to_contain_text("Missing and away episodes")
    assert_accessible(page, tags=WCAG_22_AA)
    page.screenshot(path=str(artifacts / "returns-903.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Missing and away episodes (Missing table, CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert download.value.suggested_filename == "ssda903-2026-missing.csv"
    assert [(r["CHILD"], r["MISSING"], r["MIS_START"], r["MIS_END"]) for r in rows] == [
        ("WF77", "M", "02/10/2025", "03/10/2025"), ("WF77", "Q", "07/10/2025", "08/10/2025")]
    with page.expect_download() as download:
        page.get_by_role("link", name="Annex A, children in care list").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    table = list(sheet.iter_rows(values_only=True))
    assert any("Missing" in str(h) for h in table[0]) and len(table) == 2
