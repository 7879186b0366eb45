"""import_transcripts on a folder of every format it reads: one code path after extraction."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from corpus_app.models import Document, DocumentFile
from tests.corpus_app.made_files import make_docx, make_pdf

pytestmark = pytest.mark.django_db

WHITE_HOUSE = Path(__file__).parent / "files" / "01_whitehouse-gaggle-detroit-2021.md"
SPEECH = [("Sergey Lavrov: ", "We discussed trade and energy."), ("Question: ", "What was agreed?")]


@pytest.fixture
def mixed_folder(tmp_path):
    (tmp_path / "briefing.txt").write_text(
        "Briefing on trade, Moscow, April 11, 2025\n\nSergey Lavrov: We discussed trade.\n\nQuestion: Anything else?\n"
    )
    (tmp_path / "gaggle.md").write_bytes(WHITE_HOUSE.read_bytes())
    (tmp_path / "page.html").write_text(
        "<html><head><title>Talks in Ankara | Ministry</title>"
        '<meta property="article:published_time" content="2025-04-14T10:00:00Z"></head><body>'
        "<nav>Home | News | Contacts</nav><article><h1>Talks in Ankara</h1>"
        "<p><b>Sergey Lavrov:</b> We discussed trade and energy with our Turkish colleagues today.</p>"
        "<p><b>Question:</b> What was agreed about the transit of gas through Turkey?</p>"
        "<p><b>Sergey Lavrov:</b> We agreed to keep talking at the level of experts next month.</p>"
        "</article><footer>© Ministry</footer></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "interview.docx").write_bytes(make_docx(["Interview in Almaty", *SPEECH], title="Interview in Almaty"))
    (tmp_path / "remarks.pdf").write_bytes(
        make_pdf(
            [
                [["Remarks in Astana"], ["Sergey Lavrov: We discussed trade and energy."]],
                [["Question: What now?"], ["Sergey Lavrov: We will meet again in June."]],
            ]
        )
    )
    return tmp_path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_transcripts", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_json_on_a_folder_of_mixed_formats(mixed_folder):
    out, _ = run("--dry-run", "--json", mixed_folder)
    documents = {line["source"]: line for line in map(json.loads, out.splitlines())}
    assert {name: document["format"] for name, document in documents.items()} == {
        "briefing.txt": "text",
        "gaggle.md": "markdown",
        "interview.docx": "docx",
        "page.html": "html",
        "remarks.pdf": "pdf",
    }
    for document in documents.values():
        kinds = [turn["kind"] for turn in document["turns"]]
        assert "question" in kinds, document["source"]
        speaking = {turn["speaker"] for turn in document["turns"] if turn["kind"] in ("answer", "remarks")}
        assert speaking == ({"Jen Psaki"} if document["source"] == "gaggle.md" else {"Sergey Lavrov"}), speaking
    assert documents["page.html"]["title"] == "Talks in Ankara"
    assert documents["page.html"]["date"] == "2025-04-14"
    assert documents["gaggle.md"]["date"] == "2021-05-18"
    assert not Document.objects.exists()


def test_import_keeps_each_files_bytes_and_format(mixed_folder):
    out, _ = run(mixed_folder)
    assert "Imported 5 file(s)" in out
    stored = {file.document.source_name: file for file in DocumentFile.objects.select_related("document")}
    for name, stored_file in stored.items():
        assert bytes(stored_file.data) == (mixed_folder / name).read_bytes()
    assert stored["remarks.pdf"].format == "pdf"
    # A UTF-8 text file that is its raw text exactly is not stored twice: its raw text is the file.
    assert "briefing.txt" not in stored
    briefing = Document.objects.get(source_name="briefing.txt")
    assert briefing.raw_text.encode() == (mixed_folder / "briefing.txt").read_bytes()
    assert stored["interview.docx"].document.title == "Interview in Almaty"
    # The text the turns were read from, not the PDF's bytes.
    assert stored["remarks.pdf"].document.raw_text.startswith("Remarks in Astana")


def test_a_file_that_cannot_be_read_is_named_and_the_others_still_go_in(mixed_folder):
    (mixed_folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    out, err = StringIO(), StringIO()
    with pytest.raises(Exception) as failure:
        call_command("import_transcripts", str(mixed_folder), stdout=out, stderr=err)
    assert "broken.pdf" in str(failure.value) and "broken.pdf" in err.getvalue()
    assert Document.objects.count() == 5


def test_the_same_real_transcript_reads_the_same_in_every_format():
    """The White House gaggle (public domain) as its Markdown, and as a Word document, a web page
    and a PDF made from its paragraphs: the same speakers and kinds, turn for turn."""
    import html
    import textwrap

    from corpus_app.parsing import parse_file
    from corpus_app.parsing.extract import extract_text

    markdown = WHITE_HOUSE.read_bytes()
    paragraphs = [" ".join(block.split()) for block in extract_text(markdown, filename="g.md").text.split("\n\n")]
    title = "Press Gaggle by Press Secretary Jen Psaki Aboard Air Force One En Route Detroit, MI"
    paragraphs = [title] + [paragraph for paragraph in paragraphs if paragraph]
    page = "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs[1:])
    files = {
        "gaggle.md": markdown,
        "gaggle.docx": make_docx(paragraphs, title=paragraphs[0]),
        "gaggle.html": f"<html><head><title>{paragraphs[0]}</title></head><body><article><h1>{paragraphs[0]}</h1>"
        f"{page}</article></body></html>".encode(),
        "gaggle.pdf": make_pdf(
            [[textwrap.wrap(paragraph.encode("latin-1", "replace").decode("latin-1"), 90) for paragraph in paragraphs]],
            title=paragraphs[0],
        ),
    }
    sequences = {
        name: [
            (turn.speaker, turn.kind.value) for turn in parse_file(raw, source=name).turns if turn.kind != "narration"
        ]
        for name, raw in files.items()
    }
    assert sequences["gaggle.md"][:3] == [("Jen Psaki", "remarks"), ("Journalist", "question"), ("Jen Psaki", "answer")]
    for name, sequence in sequences.items():
        assert sequence == sequences["gaggle.md"], name


def test_the_reading_view_offers_the_file_as_imported(mixed_folder, client, viewer):
    run(mixed_folder)
    document = Document.objects.get(source_name="remarks.pdf")
    client.force_login(viewer)
    page = client.get(document.get_absolute_url()).content.decode()
    url = f"/documents/{document.pk}/file/"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == (mixed_folder / "remarks.pdf").read_bytes()
    assert response["Content-Disposition"] == 'attachment; filename="remarks.pdf"'
    text_file = client.get(f"/documents/{Document.objects.get(source_name='briefing.txt').pk}/file/")
    assert text_file.content == (mixed_folder / "briefing.txt").read_bytes()
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
