"""What other CRMs' export files say, as data: one table per vendor.

Each table gives the vendor's exported column names (as its exports spell them; they compare
like every column name, without case, spaces or punctuation) and the card target each feeds, and
the vendor's *default* lead statuses, lifecycle stages and deal stages with where each lands:

- ``"contact"``, ``"lead"``, ``"opportunity"``, ``"account"``: that stage;
- ``"lost from contact"`` (a disqualified lead) or ``"lost from opportunity"`` (a lost deal): lost,
  with the source's word as the lost reason when the file gives none;
- a number: an open deal stage and the vendor's default win probability for it, in percent. It
  is a lead when that is below the rules file's opportunity probability, else an opportunity.

Sources: each vendor's documentation of its export files and default picklists (Salesforce's
object reference for Lead, Opportunity and OpportunityStage; HubSpot's default properties and
sales pipeline; Pipedrive's export columns and default pipeline; Zoho CRM's Leads and Deals
modules; Odoo's ``crm.lead`` model and its default stages; SuiteCRM's Opportunities and Leads
modules). A team that renamed its stages adds ``--stage-map``.

Targets beyond the card's fields: ``stage``, ``deal_name`` (the deal's title: the card's name
only when the file names no person or organisation), ``deal_status`` (``won``/``lost``/``open``,
over the stage), ``source_id`` (the record's id in the vendor's system), ``created_at`` (when the
record was created there), ``closed_at`` (when it reached its stage there: a deal's won or lost
time, a lead's converted date; a won or lost deal without one is taken as closed on its close
date) and ``extra`` (kept on the card under its column name, though an
alias elsewhere would match it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Vendor:
    name: str
    #: exported column name -> target
    columns: dict[str, str]
    #: default stage value -> where it lands (see the module's docstring)
    stages: dict[str, str | int]


SALESFORCE = Vendor(
    "Salesforce",
    columns={
        # Data Loader extracts: API names
        "Id": "source_id", "FirstName": "first_name", "LastName": "last_name", "Company": "company",
        "Email": "email", "Phone": "phone", "MobilePhone": "phone", "Title": "title",
        "Status": "stage", "StageName": "stage", "Amount": "value", "CloseDate": "close_by",
        "OwnerId": "owner", "Description": "notes", "CreatedDate": "created_at",
        "ExpectedRevenue": "extra", "LeadSource": "extra", "Probability": "extra",
        "ConvertedDate": "closed_at",
        # report exports: field labels
        "Opportunity ID": "source_id", "Lead ID": "source_id", "Contact ID": "source_id",
        "Opportunity Name": "deal_name", "Account Name": "company", "Stage": "stage",
        "Lead Status": "stage", "Close Date": "close_by", "Opportunity Owner": "owner",
        "Lead Owner": "owner", "Created Date": "created_at", "Expected Revenue": "extra",
        "Probability (%)": "extra", "Lead Source": "extra", "Converted Date": "closed_at",
    },
    stages={
        "Open - Not Contacted": "contact", "Working - Contacted": "contact",
        "Closed - Converted": "lead", "Closed - Not Converted": "lost from contact",
        "Prospecting": 10, "Qualification": 10, "Needs Analysis": 20, "Value Proposition": 50,
        "Id. Decision Makers": 60, "Perception Analysis": 70, "Proposal/Price Quote": 75,
        "Negotiation/Review": 90, "Closed Won": "account", "Closed Lost": "lost from opportunity",
    },
)

HUBSPOT = Vendor(
    "HubSpot",
    columns={
        "Record ID": "source_id", "First Name": "first_name", "Last Name": "last_name",
        "Email": "email", "Phone Number": "phone", "Mobile Phone Number": "phone",
        "Company Name": "company", "Job Title": "title", "Contact owner": "owner",
        "Lifecycle Stage": "stage", "Lead Status": "extra", "Create Date": "created_at",
        "Deal Name": "deal_name", "Deal Stage": "stage", "Amount": "value", "Close Date": "close_by",
        "Deal owner": "owner", "Associated Contact": "name", "Associated Company": "company",
        "Pipeline": "extra",
    },
    stages={
        # lifecycle stages
        "Subscriber": "contact", "Lead": "contact", "Marketing Qualified Lead": "lead",
        "Sales Qualified Lead": "lead", "Opportunity": "opportunity", "Customer": "account",
        "Evangelist": "account", "Other": "contact",
        # the default sales pipeline, by label and by internal id
        "Appointment Scheduled": 20, "Qualified To Buy": 40, "Presentation Scheduled": 60,
        "Decision Maker Bought-In": 80, "Contract Sent": 90,
        "Closed Won": "account", "Closed Lost": "lost from opportunity",
    },
)

PIPEDRIVE = Vendor(
    "Pipedrive",
    columns={
        "Deal - ID": "source_id", "Person - ID": "source_id", "Organization - ID": "source_id",
        "Deal - Title": "deal_name", "Deal - Value": "value", "Deal - Currency": "extra",
        "Deal - Stage": "stage", "Deal - Status": "deal_status", "Deal - Owner": "owner",
        "Deal - Expected close date": "close_by", "Deal - Lost reason": "lost_reason",
        "Deal - Organization": "company", "Deal - Contact person": "name",
        "Deal - Deal created": "created_at", "Deal - Probability": "extra",
        "Deal - Won time": "closed_at", "Deal - Lost time": "closed_at", "Deal - Deal closed on": "closed_at",
        "Person - Name": "name", "Person - Email": "email", "Person - Phone": "phone",
        "Person - Organization": "company", "Person - Owner": "owner",
        "Person - Person created": "created_at", "Person - Job title": "title",
        "Organization - Name": "company", "Organization - Owner": "owner",
        "Organization - Organization created": "created_at",
    },
    stages={
        "Lead In": 10, "Qualified": 20, "Contact Made": 30, "Needs Defined": 40,
        "Demo Scheduled": 40, "Proposal Made": 60, "Negotiations Started": 80,
        # Deal - Status
        "won": "account", "lost": "lost from opportunity",
    },
)

ZOHO = Vendor(
    "Zoho CRM",
    columns={
        "Record Id": "source_id", "Lead Owner": "owner", "Deal Owner": "owner",
        "Potential Owner": "owner", "Contact Owner": "owner", "First Name": "first_name",
        "Last Name": "last_name", "Company": "company", "Title": "title", "Email": "email",
        "Phone": "phone", "Mobile": "phone", "Lead Status": "stage", "Stage": "stage",
        "Deal Name": "deal_name", "Potential Name": "deal_name", "Amount": "value",
        "Closing Date": "close_by", "Account Name": "company", "Contact Name": "name",
        "Created Time": "created_at", "Description": "notes", "Expected Revenue": "extra",
        "Annual Revenue": "extra", "Probability (%)": "extra", "Reason For Loss": "lost_reason",
    },
    stages={
        "Not Contacted": "contact", "Attempted to Contact": "contact", "Contact in Future": "contact",
        "Contacted": "contact", "Pre-Qualified": "lead", "Not Qualified": "lost from contact",
        "Junk Lead": "lost from contact", "Lost Lead": "lost from contact",
        "Qualification": 10, "Needs Analysis": 20, "Value Proposition": 40,
        "Id. Decision Makers": 60, "Identify Decision Makers": 60, "Proposal/Price Quote": 75,
        "Negotiation/Review": 90, "Closed Won": "account", "Closed Lost": "lost from opportunity",
        "Closed-Lost to Competition": "lost from opportunity",
    },
)

ODOO = Vendor(
    "Odoo",
    columns={
        # exports with technical names ("I want to update data" ticked)
        "id": "source_id", "name": "deal_name", "contact_name": "name", "partner_name": "company",
        "email_from": "email", "phone": "phone", "mobile": "phone", "function": "title",
        "user_id": "owner", "stage_id": "stage", "planned_revenue": "value",
        "expected_revenue": "value", "date_deadline": "close_by", "create_date": "created_at",
        "description": "notes", "lost_reason": "lost_reason", "lost_reason_id": "lost_reason",
        "probability": "extra", "type": "extra", "date_closed": "closed_at",
        # exports with labels
        "Opportunity": "deal_name", "Contact Name": "name", "Customer": "company",
        "Salesperson": "owner", "Expected Revenue": "value", "Expected Closing": "close_by",
        "Lost Reason": "lost_reason", "Closed Date": "closed_at",
    },
    stages={"New": 10, "Qualified": 30, "Proposition": 70, "Won": "account"},
)

SUITECRM = Vendor(
    "SuiteCRM",
    columns={
        # list-view exports: labels
        "ID": "source_id", "Opportunity Name": "deal_name", "Account Name": "company",
        "Sales Stage": "stage", "Opportunity Amount": "value", "Expected Close Date": "close_by",
        "Assigned to": "owner", "Date Created": "created_at", "Status": "stage",
        "Email Address": "email", "Office Phone": "phone", "Mobile": "phone",
        "Probability (%)": "extra", "Lead Source": "extra",
        # exports with field names
        "sales_stage": "stage", "amount": "value", "amount_usdollar": "extra",
        "date_closed": "close_by", "assigned_user_name": "owner", "account_name": "company",
        "date_entered": "created_at", "email1": "email", "phone_work": "phone",
        "phone_mobile": "phone", "status": "stage", "probability": "extra",
    },
    stages={
        "New": "contact", "Assigned": "contact", "In Process": "contact", "Converted": "lead",
        "Recycled": "contact", "Dead": "lost from contact",
        "Prospecting": 10, "Qualification": 20, "Needs Analysis": 25, "Value Proposition": 30,
        "Id. Decision Makers": 40, "Perception Analysis": 50, "Proposal/Price Quote": 65,
        "Negotiation/Review": 80, "Closed Won": "account", "Closed Lost": "lost from opportunity",
    },
)

VENDORS: Final[tuple[Vendor, ...]] = (SALESFORCE, HUBSPOT, PIPEDRIVE, ZOHO, ODOO, SUITECRM)
