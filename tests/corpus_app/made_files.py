"""Transcript files the tests make: a DOCX (python-docx) and a PDF with running page header and
page numbers (fpdf2), so that no test depends on a file it may not ship."""

import io

import docx
from fpdf import FPDF


def make_docx(paragraphs, *, title="", author="", header="", footer="", table=None) -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    for paragraph in paragraphs:
        if isinstance(paragraph, tuple):  # (bold label, text)
            label, text = paragraph
            p = document.add_paragraph()
            p.add_run(label).bold = True
            p.add_run(text)
        else:
            document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, cells in zip(grid.rows, table, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class TranscriptPDF(FPDF):
    page_number = "Page {n} of {{nb}}"

    def header(self):
        self.set_font("helvetica", size=9)
        self.cell(0, 8, "Press conference transcript", align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(6)

    def footer(self):
        self.set_y(-15)
        self.set_font("helvetica", size=9)
        self.cell(0, 8, self.page_number.format(n=self.page_no()), align="C")


def make_pdf(paragraph_pages, *, title="", author="", page_number="Page {n} of {{nb}}") -> bytes:
    pdf = TranscriptPDF()
    pdf.page_number = page_number
    pdf.set_title(title) if title else None
    pdf.set_author(author) if author else None
    for paragraphs in paragraph_pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        for paragraph in paragraphs:
            for line in paragraph:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(5)  # the gap between paragraphs
    return bytes(pdf.output())
