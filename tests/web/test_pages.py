"""Every page a practitioner reaches: status 200, a title, one <h1>, no duplicate ids, and
every form posting with a CSRF token."""

from html.parser import HTMLParser

import pytest

from .conftest import open_items, sign_in


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.h1, self.title, self.in_title = [], 0, "", False
        self.post_forms, self.tokens = 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self.h1 += tag == "h1"
        self.in_title = tag == "title" and not self.title
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.post_forms += 1
        if tag == "input" and attrs.get("name") == "csrf_token":
            self.tokens += 1

    def handle_data(self, data):
        if self.in_title:
            self.title += data

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False


@pytest.mark.parametrize("who,path", [
    ("police", "/"), ("police", "/?tab=team"), ("police", "/work/{item}"),
    ("sw", "/children/{child}"), ("sw", "/cases/{case}"), ("carer", "/report"),
    ("carer", "/report/new-child"), ("carer", "/report/children/{child}"),
    ("police", "/episodes/{episode}/found"), ("tm", "/work/{sw_item}"),
    ("sw", "/children/{child}/stage-two-request"), ("tm", "/notifications"),
])
def test_page_is_well_formed(app, world, session, who, path):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.get("/sign-in")
    token = client.get("/sign-in").get_data(as_text=True).split(
        'name="csrf_token" value="')[1].split('"')[0]
    client.post("/sign-in", data={"email": getattr(world, who).email,
                                  "password": "correct horse battery staple",
                                  "csrf_token": token})
    url = path.format(item=open_items(session, role="police")[0].id, child=world.child.id,
                      case=world.case.id, episode=world.episode.id,
                      sw_item=open_items(session, role="social_worker")[0].id)
    response = client.get(url)
    assert response.status_code == 200
    page = _Page()
    page.feed(response.get_data(as_text=True))
    assert page.title.strip().endswith("– Safeguard Flow")
    assert page.h1 == 1
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates
    assert page.tokens >= page.post_forms


def test_sign_in_helper_is_usable(client, world):
    sign_in(client, world.police.email)
    assert client.get("/").status_code == 200
