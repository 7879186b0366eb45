"""The dashboard's charts as a reader gets them: each an SVG image with a title and a description,
a bar per figure with its label and value, linking to the listing it counts."""

import re
from html import unescape

import pytest
from django.urls import reverse

from tests.factories import make_annotation, make_target, make_topic

pytestmark = pytest.mark.django_db


def charts(client):
    """Each ``svg.chart`` of the dashboard as {"attrs", "title", "desc", "links": [href], "texts": [[class, text]]}."""
    page = client.get(reverse("dashboard")).content.decode()
    found = {}
    for opening, body in re.findall(r"<svg ([^>]*)>(.*?)</svg>", page, re.S):
        attrs = {name: unescape(value) for name, value in re.findall(r'([\w-]+)="([^"]*)"', opening)}
        found[attrs["id"]] = {
            "attrs": attrs,
            "title": unescape(re.search(r'<title id="[^"]+">(.*?)</title>', body).group(1)),
            "desc": unescape(re.search(r"<desc[^>]*>(.*?)</desc>", body).group(1)),
            "links": [unescape(href) for href in re.findall(r'<a href="([^"]*)">', body)],
            "texts": [
                [cls, unescape(text)] for cls, text in re.findall(r'<text [^>]*class="([^"]+)">(.*?)</text>', body)
            ],
        }
    return found


def test_the_charts_draw_the_figures_with_links_and_escaped_names(client, viewer):
    topic = make_topic("Trade <b>& tariffs</b>")
    target = make_target("European Union")
    make_annotation(topics=[topic], polarity="opposes", target=target, claim=True)
    client.force_login(viewer)
    found = charts(client)
    assert set(found) == {"chart-topics", "chart-stance", "chart-claims", "chart-activity"}
    for chart_id, chart in found.items():
        assert chart["attrs"]["role"] == "img"
        assert chart["attrs"]["aria-labelledby"] == f"{chart_id}-title {chart_id}-desc"
    topics = found["chart-topics"]
    assert topics["title"] == "Annotations per topic"
    assert topics["desc"] == "Trade <b>& tariffs</b>: 1"
    assert topics["links"] == [f"{reverse('annotations:annotation-list')}?topic={topic.pk}"]
    assert topics["texts"] == [["chart-label", "Trade <b>& tariffs</b>"], ["chart-value", "1"]]
    stance = found["chart-stance"]
    assert stance["desc"] == "European Union: Opposes 1"
    assert f"?target={target.pk}&polarity=opposes" in stance["links"][0]
    assert ["chart-legend", "Opposes"] in stance["texts"] and ["chart-value", "1"] in stance["texts"]
    claims = found["chart-claims"]
    assert f"{reverse('annotations:claim-list')}?status=unverified" in claims["links"]
    assert ["chart-label", "Unverified"] in claims["texts"]
    activity = found["chart-activity"]
    assert re.fullmatch(r"(\w{3} \d{4}: \d+; ){11}\w{3} \d{4}: 1", activity["desc"])
    assert ["chart-value", "1"] in activity["texts"]


def test_an_empty_desk_says_there_is_nothing_to_chart(client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("dashboard")).content.decode()
    assert "<svg" not in page
    assert page.count('<p class="empty chart-empty">No data yet.</p>') == 2
    assert '<p class="empty chart-empty">No claims flagged yet.</p>' in page
    assert '<p class="empty chart-empty">No activity yet.</p>' in page
