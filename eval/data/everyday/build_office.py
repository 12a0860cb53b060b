"""Build the everyday set's office documents (.docx, .xlsx, .pptx) from the content below.

    /work/main/.venv/bin/python eval/data/everyday/build_office.py

The content is written by hand, here, so that it can be read and reviewed as text;
the built files are committed next to this script. Rebuilding gives byte-identical
files (fixed document properties and zip timestamps), so a rebuild shows up in git
only when the content changes.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED = _dt.datetime(2025, 3, 1, 9, 0, 0)

# ---------------------------------------------------------------------------
# Word documents: a list of (style, text) blocks; style is "title", "h1", "p",
# "bullet" or ("table", [rows]).
# ---------------------------------------------------------------------------

LEASE = [
    ("title", "Assured Shorthold Tenancy Agreement: Flat 7C, Marlowe House"),
    ("p", "This agreement is made on 16 August 2024 between the Landlord and the Tenant named below."),
    ("h1", "1. Parties and property"),
    ("p", "Landlord: Greystone Lettings Ltd, 5 Park Row, Leeds LS1 5HD, acting as agent for the owner, Mr Peter Alcott."),
    ("p", "Tenant: Ms Hana Kowalski."),
    ("p", "Property: Flat 7C, Marlowe House, 41 Canal Street, Leeds LS3 1AZ, together with the use of parking bay 9 and the shared bicycle store."),
    ("h1", "2. Term"),
    ("p", "The tenancy is for a fixed term of 12 months, beginning on 1 September 2024 and ending on 31 August 2025."),
    ("p", "Break clause: the Tenant may end the tenancy early by giving at least 2 months' written notice, provided the notice expires no earlier than 1 March 2025."),
    ("h1", "3. Rent"),
    ("p", "The rent is £1,200 per month, payable in advance on the 1st day of each month by standing order to the account notified by the Landlord. The rent will not be increased during the fixed term."),
    ("p", "If any rent is unpaid 14 days after the due date, the Tenant must pay interest at 3% a year above the Bank of England base rate from the due date until payment."),
    ("h1", "4. Deposit"),
    ("p", "The Tenant has paid a deposit of £1,380, equal to five weeks' rent."),
    ("p", "The Landlord will protect the deposit with the Deposit Protection Service (DPS) within 30 days of receiving it and give the Tenant the prescribed information."),
    ("p", "The deposit will be returned within 10 days of the parties agreeing any deductions at the end of the tenancy."),
    ("h1", "5. Bills and council tax"),
    ("p", "The Tenant pays council tax (the property is in Band C), electricity, broadband and the TV licence. Water and sewerage charges are included in the rent and paid by the Landlord."),
    ("h1", "6. The Tenant agrees to"),
    ("bullet", "keep the property clean and in good condition, and report any disrepair promptly;"),
    ("bullet", "not sublet the property or take in lodgers without the Landlord's written consent;"),
    ("bullet", "not keep any pets without the Landlord's written consent, which will not be unreasonably withheld;"),
    ("bullet", "not smoke or vape anywhere in the property or the communal areas;"),
    ("bullet", "test the smoke alarms at least once a month."),
    ("h1", "7. Access and repairs"),
    ("p", "The Landlord or agent may enter to inspect or carry out repairs at reasonable times after giving at least 24 hours' written notice, except in an emergency."),
    ("p", "Emergency repairs (for example a burst pipe, no heating in winter or a broken front door lock) should be reported at any time to the Greystone maintenance line on 0113 496 0588. Non-urgent repairs should be reported by email to repairs@greystonelettings.co.uk."),
    ("h1", "8. Check-in and check-out"),
    ("p", "The check-in inventory will be carried out on 1 September 2024 at 10:00 with the Tenant present. At the end of the tenancy the property must be returned in the same condition, allowing for fair wear and tear."),
    ("h1", "Signatures"),
    ("p", "Signed for the Landlord: Daniel Whitaker, Lettings Manager, Greystone Lettings Ltd"),
    ("p", "Signed by the Tenant: Hana Kowalski"),
]

TRAVEL = [
    ("title", "Travel and Expenses Policy"),
    ("p", "Norland Housing Trust · Version 4.0 · Effective from 1 April 2025 · Policy owner: Finance Director"),
    ("h1", "1. Purpose and scope"),
    ("p", "This policy applies to all employees, trustees and volunteers who incur costs while travelling on Trust business. It does not cover travel between home and your normal place of work."),
    ("h1", "2. Booking travel"),
    ("p", "Rail: book standard class through the Travelbase portal. First class is allowed only if it is cheaper than standard class at the time of booking."),
    ("p", "Flights: economy class only, booked through Travelbase at least 14 days before departure wherever possible. Domestic flights need the approval of a director."),
    ("p", "Hotels: book through Travelbase. The maximum room rate, including breakfast, is £160 per night in London and £110 per night elsewhere in the UK."),
    ("h1", "3. Mileage"),
    ("p", "If you use your own car, you can claim 45p per mile for the first 10,000 business miles in the tax year and 25p per mile after that. Cycling on Trust business is paid at 20p per mile. You must hold business-use insurance and keep a record of each journey's date, purpose, start and end points."),
    ("h1", "4. Meals and subsistence"),
    ("p", "Meals are paid against receipts, up to the limits in the table below."),
    ("table", [
        ["Situation", "Limit"],
        ["Away from your base for more than 5 hours", "£12 a day"],
        ["Away from your base for more than 10 hours", "£25 a day"],
        ["Overnight stay (evening meal)", "£30 a night"],
        ["Travel outside the UK", "Agreed in advance with Finance"],
    ]),
    ("p", "Alcohol is not reimbursed in any circumstances. Tips are reimbursed up to 10% of the bill."),
    ("h1", "5. Making a claim"),
    ("p", "Submit claims in the Claimly app within 30 days of the expense. Attach an itemised receipt for every item over £10; card payment slips alone are not accepted."),
    ("p", "Your line manager approves your claims. Claims over £500 also need the approval of the Finance Director, Ingrid Solberg."),
    ("p", "Claims approved by the 20th of the month are paid with that month's salary; claims approved later are paid the following month."),
    ("h1", "6. Help"),
    ("p", "Questions about this policy: expenses@norlandhousing.org.uk or extension 4417. Report any suspected misuse of expenses, in confidence, to the Head of Internal Audit, Colin Fairweather."),
]

LANDLORD_LETTER = [
    ("p", "Fairholme Estates"),
    ("p", "12 Abbey Yard, Sheffield S1 2GH · Tel 0114 496 0921 · lettings@fairholme-estates.co.uk"),
    ("p", "3 March 2025"),
    ("p", "Mr and Mrs Adebayo, Flat 2, 18 Rowan Terrace, Sheffield S7 1QE"),
    ("p", "Our ref: RT18-F2"),
    ("p", "Dear Mr and Mrs Adebayo,"),
    ("h1", "Rent review and annual gas safety check"),
    ("p", "Rent review. Your tenancy has now become periodic, and we have reviewed the rent against similar two-bedroom flats in Nether Edge. With effect from 1 May 2025, your rent will increase from £950 to £995 per calendar month, a rise of 4.7%. The formal notice (Form 4A, under section 13 of the Housing Act 1988) is enclosed. Please update your standing order so that the first payment at the new rate leaves your account on or before 1 May 2025. If you believe the new rent is above the market rate, you can refer it to the First-tier Tribunal (Property Chamber) before the date it takes effect."),
    ("p", "Gas safety check. Our contractor, Calder Heating Ltd, will carry out the annual gas safety inspection of your boiler and gas hob on Thursday 20 March 2025 between 8am and 12 noon. The engineer, Mark Ellis, will carry his Gas Safe ID card. The visit usually takes about 45 minutes. If nobody can be at home, you are welcome to let us use the office key; otherwise please call us by Monday 17 March to rearrange. We are legally required to complete this check every 12 months, and your current certificate expires on 2 April 2025."),
    ("p", "Planned works. We also plan to replace the single-glazed kitchen and bathroom windows in June 2025. We will write to you with the dates at least four weeks beforehand."),
    ("p", "Please contact me if you have any questions."),
    ("p", "Yours sincerely,"),
    ("p", "Helen Fairbrother"),
    ("p", "Property Manager, Fairholme Estates"),
    ("p", "Enc. Form 4A: notice of increase of rent"),
]

DOCX = {
    "contract-flat-lease.docx": ("Assured Shorthold Tenancy Agreement: Flat 7C", LEASE),
    "policy-travel-expenses.docx": ("Travel and Expenses Policy", TRAVEL),
    "notice-landlord-letter.docx": ("Rent review and annual gas safety check", LANDLORD_LETTER),
}

# ---------------------------------------------------------------------------
# Spreadsheet: sheets of rows (the first rows are a title line and a blank line).
# ---------------------------------------------------------------------------

GARDEN_BUDGET = {
    "Expenditure": [
        ["Hillcrest Community Garden: budget 2025 (approved at the AGM on 25 January 2025)"],
        [],
        ["Category", "Item", "Quantity", "Unit cost (£)", "Total (£)", "Supplier", "Notes"],
        ["Plants and seeds", "Vegetable seed packets", 30, 2.5, 75, "Greenrow Seeds", "Heritage varieties for the shared beds"],
        ["Plants and seeds", "Fruit bushes (currants and gooseberries)", 12, 8, 96, "Ashby Nurseries", ""],
        ["Tools", "Border spades", 4, 24, 96, "Ashby Nurseries", ""],
        ["Tools", "Wheelbarrow", 1, 89, 89, "TradeYard Supplies", "Replaces the one stolen in November"],
        ["Infrastructure", "Raised bed kits (1.8 m x 0.9 m)", 6, 65, 390, "TradeYard Supplies", "Wheelchair-height beds by the gate"],
        ["Infrastructure", "Water butts (210 litre)", 2, 45, 90, "TradeYard Supplies", ""],
        ["Infrastructure", "Compost bins (330 litre)", 3, 38, 114, "Council home composting scheme", "Subsidised price"],
        ["Running costs", "Public liability insurance", 1, 210, 210, "Allotment Mutual", "Renewal due 1 March"],
        ["Running costs", "Water rates", 1, 160, 160, "Meridian Water", ""],
        ["Events", "Open day on Saturday 21 June", 1, 120, 120, "", "Refreshments and signage"],
        ["Contingency", "Contingency", 1, 150, 150, "", "About 10% of planned spending"],
        ["Total expenditure", "", "", "", 1590, "", ""],
    ],
    "Income": [
        ["Hillcrest Community Garden: income 2025"],
        [],
        ["Source", "Details", "Amount (£)"],
        ["Plot rents", "24 plots at £30 a year", 720],
        ["Council small grants fund", "Awarded on 9 December 2024", 600],
        ["Plant sale", "At the open day", 250],
        ["Donations", "Estimate, based on 2024", 120],
        ["Total income", "", 1690],
        [],
        ["Planned surplus", "", 100],
        ["Treasurer", "Gwen Pallister (treasurer@hillcrestgarden.org.uk)", ""],
    ],
}

XLSX = {"table-community-garden-budget.xlsx": ("Hillcrest Community Garden budget 2025", GARDEN_BUDGET)}

# ---------------------------------------------------------------------------
# Slide deck: (title, [lines]) per slide; the first slide's lines are its subtitle.
# ---------------------------------------------------------------------------

SALES_REVIEW = [
    ("Q3 2024 Sales Review", [
        "Alder & Pine Outdoor",
        "Rebecca Stone, Head of Sales · 10 October 2024",
    ]),
    ("Q3 at a glance", [
        "Revenue £3.42m, up 12% on Q3 2023",
        "Gross margin 41.5% (Q3 2023: 39.8%)",
        "48,900 orders, average order value £70",
        "Online was 25% of revenue",
    ]),
    ("Revenue by channel", [
        "North stores: £1.10m (+18%)",
        "South stores: £1.46m (+9%)",
        "Online: £0.86m (+11%)",
        "North grew fastest, helped by the Keswick store refit completed in July",
    ]),
    ("Best sellers", [
        "Trailhead 45L rucksack: 6,200 units",
        "Summit down jacket: 3,150 units",
        "Ridgeline walking boots: 2,870 pairs",
        "Waterproofs sold out in week 36 after the August storms",
    ]),
    ("What went wrong", [
        "Online returns rate 7.8% (target 6%)",
        "T-220 two-person tent out of stock for 3 weeks in August",
        "Delivery partner missed the 48-hour promise on 11% of orders",
    ]),
    ("Q4 plan", [
        "Revenue target: £4.1m",
        "Bristol store opens Friday 15 November 2024",
        "Black Friday: 20% off footwear, 29 November to 2 December",
        "Winter catalogue mailed to 120,000 customers on 1 November",
    ]),
    ("Owners and next steps", [
        "Jamal Hussein (Operations Director): second supplier for the T-220 tent signed by 31 October",
        "Chloe Martin (E-commerce Manager): online returns down to 6% by the end of Q4",
        "Rebecca Stone: Q4 review on 9 January 2025",
    ]),
]

PPTX = {"slides-quarterly-sales-review.pptx": ("Q3 2024 Sales Review", SALES_REVIEW)}


# ---------------------------------------------------------------------------
# Text views, used by validate.py when the office libraries are missing.
# ---------------------------------------------------------------------------

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def content_text(name: str) -> str:
    """The text of one office document, as defined above (one block, row or line a line)."""
    if name in DOCX:
        lines = []
        for style, body in DOCX[name][1]:
            if style == "table":
                lines += [" | ".join(row) for row in body]
            else:
                lines.append(body)
        return "\n".join(lines)
    if name in XLSX:
        lines = []
        for sheet, rows in XLSX[name][1].items():
            lines.append(sheet)
            lines += [" | ".join(_cell(v) for v in row if _cell(v) != "") for row in rows]
        return "\n".join(lines)
    if name in PPTX:
        lines = []
        for title, body in PPTX[name][1]:
            lines.append(title)
            lines += body
        return "\n".join(lines)
    raise KeyError(name)


def names() -> list[str]:
    return sorted([*DOCX, *XLSX, *PPTX])


# ---------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------

def _build_docx(path: Path, title: str, blocks) -> None:
    import docx

    d = docx.Document()
    for style, body in blocks:
        if style == "title":
            d.add_heading(body, level=0)
        elif style == "h1":
            d.add_heading(body, level=1)
        elif style == "bullet":
            d.add_paragraph(body, style="List Bullet")
        elif style == "table":
            table = d.add_table(rows=len(body), cols=len(body[0]))
            table.style = "Table Grid"
            for r, row in enumerate(body):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        else:
            d.add_paragraph(body)
    cp = d.core_properties
    cp.title, cp.author, cp.last_modified_by = title, "everyday eval set", "everyday eval set"
    cp.created = cp.modified = FIXED
    cp.revision = 1
    d.save(path)


def _build_xlsx(path: Path, title: str, sheets) -> None:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, rows in sheets.items():
        ws = wb.create_sheet(sheet)
        for row in rows:
            ws.append([v if v != "" else None for v in row])
        ws["A1"].font = Font(bold=True, size=13)
        for cell in ws[3]:
            cell.font = Font(bold=True)
        for col, width in zip("ABCDEFG", (26, 44, 10, 13, 10, 30, 40)):
            ws.column_dimensions[col].width = width
    wb.properties.title = title
    wb.properties.creator = wb.properties.lastModifiedBy = "everyday eval set"
    wb.properties.created = wb.properties.modified = FIXED
    wb.save(path)


def _build_pptx(path: Path, title: str, slides) -> None:
    from pptx import Presentation

    prs = Presentation()
    for i, (heading, lines) in enumerate(slides):
        if i == 0:
            slide = prs.slides.add_slide(prs.slide_layouts[0])
            slide.shapes.title.text = heading
            slide.placeholders[1].text = "\n".join(lines)
            continue
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = heading
        frame = slide.placeholders[1].text_frame
        frame.text = lines[0]
        for line in lines[1:]:
            frame.add_paragraph().text = line
    cp = prs.core_properties
    cp.title, cp.author, cp.last_modified_by = title, "everyday eval set", "everyday eval set"
    cp.created = cp.modified = FIXED
    cp.revision = 1
    prs.save(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the zip with fixed member timestamps, so a rebuild is byte-identical."""
    src = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 3, 1, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              rb"\g<1>2025-03-01T09:00:00Z", data)
            dst.writestr(fixed, data)
    src.close()
    path.write_bytes(out.getvalue())


def build(out_dir: Path = HERE) -> list[Path]:
    built = []
    for name, (title, blocks) in DOCX.items():
        _build_docx(out_dir / name, title, blocks)
        built.append(out_dir / name)
    for name, (title, sheets) in XLSX.items():
        _build_xlsx(out_dir / name, title, sheets)
        built.append(out_dir / name)
    for name, (title, slides) in PPTX.items():
        _build_pptx(out_dir / name, title, slides)
        built.append(out_dir / name)
    for path in built:
        _fix_zip_times(path)
    return built


if __name__ == "__main__":
    for path in build():
        print(f"{path.name}: {path.stat().st_size:,} bytes")
