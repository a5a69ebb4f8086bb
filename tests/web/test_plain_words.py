"""Plain words (issue 12): no page a practitioner sees shows an element id or a form key
from processes/ and forms/ ("Now: call_locate", "Completed: child_missing_start").

The test loads the demo and, for every demo user (one of each role), walks every page it
can reach by following links from the inbox, and fails on any internal name in the text
a person reads (the page's text, its title, labels read out by screen readers).
Internal names are the ids of the diagrams' elements and the forms' keys and field names
that have an underscore or a capital inside them: words like that are never English."""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from engine.models import User
from web import demo

ROOT = Path(__file__).resolve().parents[2]
# Pages that are not for practitioners: the process owners' modeller (where ids are the
# subject), and files to download rather than pages to read.
NOT_PRACTITIONER_PAGES = ("/modeller", "/static/", "/vendor/", "/assets/", "/api/",
                          "/sign-out")
DOWNLOADS = re.compile(r"\.(xml|csv|json|xlsx|bpmn|dmn)$|/subject-access|/download")
PAGES_PER_USER = 100
SAME_KIND = 3  # pages of one shape (/cases/N) visited per user: enough to see each template
# ... except work items, whose page shows a different form (and an escalation's card) each
SAME_KIND_OF = {"/work/N": 25}


def _internal(word: str) -> bool:
    return "_" in word.strip("_") or bool(re.search(r"[a-z][A-Z]", word))


def internal_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "processes").glob("*.bpmn"):
        for element in etree.parse(str(path)).iter():
            value = element.get("id")
            if value and _internal(value):
                names.add(value)
    for path in (ROOT / "forms").glob("*.json"):
        form = json.loads(path.read_text())
        names.add(path.stem)
        names.update((form.get("schema") or {}).get("properties", {}))
    return {n for n in names if _internal(n)}


class _Reader(HTMLParser):
    """The words a person reads or hears on a page, and the links on it."""

    SPOKEN = ("aria-label", "title", "alt", "placeholder")

    def __init__(self):
        super().__init__()
        self.words, self.links, self.hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self.hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self.words.extend(attrs[a] for a in self.SPOKEN if attrs.get(a))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.words.append(data)


def _names_shown(text: str, names: set[str]) -> list[str]:
    """The names that stand as words of their own in `text`. The pattern is built from the
    few names the text contains at all: one alternation of all 3,000 names run over each
    page took half of this test's time."""
    present = sorted(name for name in names if name in text)
    if not present:
        return []
    pattern = re.compile(r"(?<![\w/.#-])(" + "|".join(map(re.escape, present))
                         + r")(?![\w/-])")
    return sorted(set(pattern.findall(text)))


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _walk(client, start="/"):
    """{path: text} of the pages reachable from `start`."""
    seen, queue, texts, shapes = set(), [start], {}, Counter()
    while queue and len(texts) < PAGES_PER_USER:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        shape = _shape(urlsplit(path).path)
        if shapes[shape] >= SAME_KIND_OF.get(shape, SAME_KIND):
            continue
        shapes[shape] += 1
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()
            continue
        reader = _Reader()
        reader.feed(response.get_data(as_text=True))
        texts[path] = " ".join(reader.words)
        for href in reader.links:
            link = urlsplit(href)
            if link.netloc or not link.path.startswith("/"):
                continue
            target = link.path + (f"?{link.query}" if link.query else "")
            if target.startswith(NOT_PRACTITIONER_PAGES) or DOWNLOADS.search(link.path):
                continue
            queue.append(target)
    return texts


@pytest.mark.once  # the pages' words; 60-120 s, the second longest test
def test_no_page_of_the_demo_shows_an_element_id_or_form_key_to_any_role(app, session,
                                                                         published):
    assert demo.load(session)
    names = internal_names()
    assert {"call_locate", "child_missing_start", "grade_risk", "last_seen_at"} <= names
    users = [(u.email, sorted(u.role_keys)) for u in session.query(User).order_by(User.id)]
    session.rollback()
    problems, walked, shapes = [], {}, set()
    for email, roles in users:
        client = app.test_client()
        response = client.post("/sign-in", data={"email": email,
                                                 "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, email
        texts = _walk(client)
        walked[email] = len(texts)
        shapes.update(_shape(urlsplit(p).path) for p in texts)
        for path, text in texts.items():
            for found in _names_shown(text, names):
                problems.append(f"{email} ({', '.join(roles)}) {path}: {found}")
            # messages are text: markup shown as words means it was escaped twice
            for markup in sorted(set(re.findall(r"</?(?:a|p|span|strong|br)\b[^>]*>", text))):
                problems.append(f"{email} ({', '.join(roles)}) {path}: markup {markup}")
    # every role reached its work: the inbox and more than the inbox
    assert all(count > 1 for count in walked.values()), walked
    # and the pages of a case were among them, as each role reaches them
    assert {"/", "/work/N", "/cases/N", "/children/N", "/notifications", "/help",
            "/cases/N/diagrams/locate", "/processes/", "/manage/"} <= shapes, sorted(shapes)
    assert problems == [], "\n".join(problems[:80]) + f"\n({len(problems)} in all)"


def test_a_name_shown_as_a_word_is_found_and_one_inside_another_word_or_path_is_not():
    names = internal_names()
    assert _names_shown("Next: grade_risk. Then last_seen_at", names) == [
        "grade_risk", "last_seen_at"]
    assert _names_shown("/work/grade_risk x.grade_risk grade_risk_more #grade_risk",
                        names) == []
