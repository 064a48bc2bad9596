"""The department's form fits what is typed into it, measured in a real browser.

At 1366 and 1920 px the value box shows a whole number, the note box a sentence (at least 20 CJK
characters a line), and the table stays inside the page. On a 390 px phone each row is a card of
labelled cells. Full-page screenshots of each width are kept as test artifacts.
"""

import datetime as dt
import itertools

import pytest
from playwright.sync_api import expect

from departments.choices import Role
from departments.models import Department
from departments.services import membership_set
from indicators.models import Indicator
from tests.factories import UserFactory, office_user, reported_value, reporting_period

QUARTER = "2025Q4"
PASSWORD = "pw-for-tests"
#: What a reporter types: a full-width number and a note of one sentence.
TYPED_VALUE = "９３．７１"
NOTE = "本季度抽检批次较上季度增加三成，合格率已按统一口径重新核算，详见佐证材料。"

#: (viewport, is it a phone?). One test walks them all: the catalogue loads once.
VIEWPORTS = [
    ({"width": 1366, "height": 900}, False),
    ({"width": 1920, "height": 1080}, False),
    ({"width": 390, "height": 844}, True),
]


@pytest.fixture
def market_regulator(reload_catalog):
    """A reporter of 市场监管局 (AMR), the department with the longest form in the catalogue,
    with rows in every state the form shows: an approved previous value, a returned value with
    the office's comment, a submitted one, and empty rows."""
    amr = Department.objects.get(code="AMR")
    reporter = UserFactory(username="maria")
    membership_set(user=reporter, role=Role.REPORTER, department=amr)
    office = office_user()
    reporting_period(QUARTER, deadline=dt.date(2026, 1, 15), office=office)

    def indicator(code):
        return Indicator.objects.get(code=code)

    reported_value(
        indicator=indicator("MFG_PRODUCT_PASS_RATE"),
        department=amr,
        period="2025Q3",
        value="93.52",
        state="approved",
        reporter=reporter,
        office=office,
    )
    reported_value(
        indicator=indicator("CONSUMER_GOODS_PASS_RATE"),
        department=amr,
        period=QUARTER,
        value="88.95",
        note="按年度监督抽查结果填报",
        state="returned",
        reporter=reporter,
        office=office,
        comment="请核实：与上季度抽检批次口径是否一致",
    )
    reported_value(
        indicator=indicator("CHAIRMAN_QUALITY_AWARD_WINNERS"),
        department=amr,
        period=QUARTER,
        value="41",
        note="新增1家",
        state="submitted",
        reporter=reporter,
        office=office,
    )
    return reporter


#: Geometry of the form as rendered: the typed value's box, the note box, the table, the page.
MEASURE = """([valueSelector, noteSelector]) => {
  const input = document.querySelector(valueSelector);
  const note = document.querySelector(noteSelector);
  const table = document.querySelector('#value-rows');
  const style = getComputedStyle(note);
  const canvas = document.createElement('canvas').getContext('2d');
  canvas.font = style.font;
  const noteContent = note.clientWidth - parseFloat(style.paddingLeft)
    - parseFloat(style.paddingRight);
  return {
    innerWidth: window.innerWidth,
    pageScrollWidth: document.documentElement.scrollWidth,
    tableRight: table.getBoundingClientRect().right,
    valueScrollWidth: input.scrollWidth,
    valueClientWidth: input.clientWidth,
    noteContentWidth: noteContent,
    twentyCjkWidth: canvas.measureText('质'.repeat(20)).width,
  };
}"""

#: For each row of a table: how its cells are laid out and which label each one shows.
CARDS = """(tableSelector) => {
  const table = document.querySelector(tableSelector);
  return {
    thead: getComputedStyle(table.tHead).display,
    rows: [...table.tBodies[0].rows].map(tr => {
      const box = tr.getBoundingClientRect();
      return {
        id: tr.id,
        display: getComputedStyle(tr).display,
        left: box.left,
        right: box.right,
        cells: [...tr.cells].map(td => {
          const cell = td.getBoundingClientRect();
          const label = getComputedStyle(td, '::before').content;
          const control = td.querySelector('input:not([type=hidden]), select, textarea');
          return {
            title: td.classList.contains('row-title'),
            display: getComputedStyle(td).display,
            label: label === 'none' ? '' : label.replace(/^"|"$/g, ''),
            dataLabel: td.dataset.label || '',
            top: cell.top,
            bottom: cell.bottom,
            left: cell.left,
            right: cell.right,
            controlLeft: control ? control.getBoundingClientRect().left : null,
            controlRight: control ? control.getBoundingClientRect().right : null,
          };
        }),
      };
    }),
  };
}"""


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .who")).to_contain_text(username)


@pytest.mark.django_db(transaction=True)
def test_the_form_fits_what_is_typed_and_the_page_at_1366_1920_and_390_px(
    market_regulator, live_server, browser, artifacts
):
    for viewport, phone in VIEWPORTS:
        context = browser.new_context(
            locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            check_form_layout(
                page, live_server, artifacts, market_regulator.username, viewport["width"], phone
            )
        finally:
            context.close()


def check_form_layout(page, live_server, artifacts, username, width, phone):
    log_in(page, live_server, username)
    page.goto(f"{live_server.url}/reports/form/?period={QUARTER}")
    expect(page.locator("h1")).to_contain_text("2025年第四季度")

    rate = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    value_box = f"input[name=value_{rate.pk}]"
    note_box = f"textarea[name=note_{rate.pk}]"
    page.fill(value_box, TYPED_VALUE)
    page.fill(note_box, NOTE)
    expect(page.locator(value_box)).to_have_value(TYPED_VALUE)
    page.screenshot(path=artifacts / f"form-layout-{width}.png", full_page=True)

    geometry = page.evaluate(MEASURE, [value_box, note_box])
    at = f"at {width} px: {geometry}"
    # A phone widens its layout viewport when the page overflows; it must not have to.
    assert geometry["innerWidth"] == width, at
    assert geometry["pageScrollWidth"] <= width, at
    assert geometry["tableRight"] <= width, at
    assert geometry["valueScrollWidth"] <= geometry["valueClientWidth"], at

    values = page.evaluate(CARDS, "#value-rows")
    tasks = page.evaluate(CARDS, "#qualitative-rows")
    assert len(values["rows"]) >= 20 and len(tasks["rows"]) >= 20
    if not phone:
        assert geometry["noteContentWidth"] >= geometry["twentyCjkWidth"], at
        assert values["thead"] != "none", at
        assert {row["display"] for row in values["rows"] + tasks["rows"]} == {"table-row"}, at
        return
    assert_rows_are_cards(values, width)
    assert_rows_are_cards(tasks, width)
    # The states the office left stay readable on the card.
    returned = page.locator("#row-CONSUMER_GOODS_PASS_RATE")
    expect(returned.locator(".state")).to_have_text("已退回")
    expect(returned.locator(".comment")).to_be_visible()
    expect(page.locator("#row-MFG_PRODUCT_PASS_RATE")).to_contain_text("93.52")


def assert_rows_are_cards(table, width):
    """Each row a block inside the page, its cells stacked, every cell but the title labelled,
    and every input to the right of its label."""
    assert table["thead"] == "none"
    for row in table["rows"]:
        assert row["display"] == "block", row["id"]
        assert row["left"] >= 0 and row["right"] <= width, row
        cells = row["cells"]
        assert cells[0]["title"] and not cells[0]["label"], row["id"]
        for above, below in itertools.pairwise(cells):
            assert below["top"] >= above["bottom"] - 1, (row["id"], above, below)
        for cell in cells:
            assert cell["display"] == "block", (row["id"], cell)
            assert cell["right"] <= row["right"] + 0.5, (row["id"], cell)
            if cell["title"]:
                continue
            assert cell["label"] and cell["label"] == cell["dataLabel"], (row["id"], cell)
            if cell["controlLeft"] is not None:
                # The label sits in the card's left gutter; the control starts after it.
                assert cell["controlLeft"] >= cell["left"] + 64, (row["id"], cell)
                assert cell["controlRight"] <= cell["right"], (row["id"], cell)
