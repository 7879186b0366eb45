"""The dashboard's charts as a reader gets them: each an SVG image with a title and a description,
a bar per figure with its label and value, linking to the listing it counts."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import make_annotation, make_target, make_topic

pytestmark = pytest.mark.django_db


class _Charts(HTMLParser):
    """Each ``svg.chart`` as {"attrs", "title", "desc", "links": [href], "texts": [(class, text)]}."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.charts, self.chart, self.open = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self.chart = {"attrs": attrs, "title": "", "desc": "", "links": [], "texts": []}
            self.charts[attrs["id"]] = self.chart
        elif self.chart is not None:
            if tag == "a":
                self.chart["links"].append(attrs["href"])
            elif tag == "text":
                self.chart["texts"].append([attrs.get("class"), ""])
            self.open = tag

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None
        self.open = None

    def handle_data(self, data):
        if self.chart is None or self.open is None:
            return
        if self.open == "text":
            self.chart["texts"][-1][1] += data
        elif self.open in ("title", "desc") and not self.chart["links"] and not self.chart["texts"]:
            self.chart[self.open] += data  # the chart's own title and desc, before its bars


def charts(client):
    parser = _Charts()
    parser.feed(client.get(reverse("dashboard")).content.decode())
    return parser.charts


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
