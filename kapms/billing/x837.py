"""ANSI X12 837P (005010X222A1) professional claims file: claims in, the interchange text
out (no writes).

Built with x12sdk's typed, validated transaction models (the maintained continuation of
LinuxForHealth x12; its 005010X222A2 loops are the A1 loops for every segment written here,
and ST03/GS08 say 005010X222A1, the version HIPAA adopted), which also write the ISA/GS
envelope and count the segments; the tests
check every file with pyx12, an independent validator of the 005010X222A1 implementation
guide. One transaction per file; one billing provider (the practice, 2010AA with its NPI and
EIN); per claim a subscriber loop (2000B: the patient is the subscriber, relationship 18,
commercial insurance CI), the payer (2010BB with its payer id), the claim (2300: number,
total, place of service, ICD-10 diagnosis with qualifier ABK), the rendering clinician
(2310B with their NPI) and one 2400 loop per service line (procedure, modifier 95 for
telehealth, charge, units, place of service, date of service). The billing provider's ZIP
must have 9 digits there: a 5-digit clinic ZIP is sent with "0000" (give ZIP+4 in
CLINIC_ADDRESS).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from x12sdk.io import write_transactions
from x12sdk.support import count_segments
from x12sdk.v5010.segments import (
    ClmSegment,
    DmgSegment,
    HiSegment,
    N3Segment,
    N4Segment,
    SeSegment,
    Sv1Segment,
)
from x12sdk.v5010.x12_837_005010X222A2.loops import (
    Footer,
    Header,
    Loop1000A,
    Loop1000B,
    Loop2000A,
    Loop2000B,
    Loop2010Aa,
    Loop2010Ba,
    Loop2010Bb,
    Loop2300,
    Loop2310B,
    Loop2400,
)
from x12sdk.v5010.x12_837_005010X222A2.segments import (
    HeaderBhtSegment,
    HeaderStSegment,
    Loop1000ANm1Segment,
    Loop1000APerSegment,
    Loop1000BNm1Segment,
    Loop2000AHlSegment,
    Loop2000BHlSegment,
    Loop2000BSbrSegment,
    Loop2010AaNm1Segment,
    Loop2010AaRefSegment,
    Loop2010BaNm1Segment,
    Loop2010BbNm1Segment,
    Loop2310BNm1Segment,
    Loop2400DtpSegment,
)
from x12sdk.v5010.x12_837_005010X222A2.transaction_set import HealthCareClaimProfessional

VERSION = "005010X222A1"
_ADDRESS = re.compile(r"^(?P<street>.+?),\s*(?:(?P<suite>[^,]*),\s*)?(?P<city>[^,]+),\s*"
                      r"(?P<state>[A-Z]{2})\s+(?P<zip>\d{5}(?:-?\d{4})?)$")


def _text(value: str, limit: int = 60) -> str:
    """Upper-case X12 text without the delimiters (* ~ : ^) and extra spaces."""
    cleaned = re.sub(r"[*~:^]", " ", value or "").upper()
    return re.sub(r"\s+", " ", cleaned).strip()[:limit]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def split_address(address: str) -> tuple[str, str, str, str]:
    """"100 Harbor Way, Suite 200, Oakland, CA 94607" -> (street, city, state, ZIP);
    ValueError when it is not in that shape."""
    match = _ADDRESS.match(address.strip())
    if not match:
        raise ValueError(f"the address {address!r} is not 'street, city, ST 12345'")
    street = match["street"] + (f" {match['suite']}" if match["suite"] else "")
    return street, match["city"], match["state"], _digits(match["zip"])


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _zip(code: str) -> str:
    """A 5- or 9-digit ZIP; the 837P wants 9 digits for the billing provider, 5 or 9 else."""
    digits = _digits(code)
    return digits if len(digits) in (5, 9) else digits[:5]


def _claim_loop(claim, position: int) -> Loop2000B:
    """The subscriber (the patient), the payer, and the claim with its lines."""
    lines = [Loop2400(
        lx_segment={"assigned_number": str(number)},
        sv1_segment=Sv1Segment(
            product_service_id_qualifier="HC:" + line.code + (f":{line.modifier}"
                                                              if line.modifier else ""),
            line_item_charge_amount=_money(line.charge_cents),
            unit_basis_measurement_code="UN",
            service_unit_count=Decimal(line.units),
            place_of_service_code=line.place_of_service,
            composite_diagnosis_code_pointer="1",
        ),
        dtp_segment=[Loop2400DtpSegment(date_time_qualifier="472",
                                        date_time_period_format_qualifier="D8",
                                        date_time_period=line.service_date.strftime("%Y%m%d"))],
    ) for number, line in enumerate(claim.lines, start=1)]
    place = claim.lines[0].place_of_service
    return Loop2000B(
        hl_segment=Loop2000BHlSegment(hierarchical_id_number=str(position),
                                      hierarchical_parent_id_number="1",
                                      hierarchical_level_code="22",
                                      hierarchical_child_code="0"),
        sbr_segment=Loop2000BSbrSegment(payer_responsibility_code="P",
                                        individual_relationship_code="18",
                                        claim_filing_indicator_code="CI"),
        loop_2010ba=Loop2010Ba(
            nm1_segment=Loop2010BaNm1Segment(
                entity_identifier_code="IL", entity_type_qualifier="1",
                name_last_or_organization_name=_text(claim.patient_last),
                name_first=_text(claim.patient_first, 35),
                identification_code_qualifier="MI", identification_code=_text(claim.member_id)),
            n3_segment=N3Segment(address_information_1=_text(claim.patient_address, 55)),
            n4_segment=N4Segment(city_name=_text(claim.patient_city, 30),
                                 state_province_code=claim.patient_state,
                                 postal_code=_zip(claim.patient_postal_code)),
            # The record holds no sex; 005010X222A1 allows U (unknown), which x12sdk's model
            # does not list, so this one segment is built without its validation.
            dmg_segment=DmgSegment.model_construct(
                segment_name=DmgSegment.model_fields["segment_name"].default,
                date_time_period_format_qualifier="D8",
                date_time_period=claim.patient_dob.strftime("%Y%m%d"), gender_code="U"),
        ),
        loop_2010bb=Loop2010Bb(nm1_segment=Loop2010BbNm1Segment(
            entity_identifier_code="PR", entity_type_qualifier="2",
            name_last_or_organization_name=_text(claim.payer_name),
            identification_code_qualifier="PI", identification_code=_text(claim.payer_code))),
        loop_2300=[Loop2300(
            clm_segment=ClmSegment(
                patient_control_number=claim.number,
                total_claim_charge_amount=_money(claim.charge_cents),
                health_care_service_location_information=f"{place}:B:1",
                provider_or_supplier_signature_indicator="Y",
                provider_accept_assignment_code="A",
                benefit_assignment_certification_indicator="Y",
                release_of_information_code="Y"),
            hi_segment=[HiSegment(health_care_code_1=["ABK",
                                                      claim.diagnosis_code.replace(".", "")])],
            loop_2310b=Loop2310B(nm1_segment=Loop2310BNm1Segment(
                entity_identifier_code="82", entity_type_qualifier="1",
                name_last_or_organization_name=_text(claim.rendering_last),
                name_first=_text(claim.rendering_first, 35),
                identification_code_qualifier="XX", identification_code=claim.rendering_npi)),
            loop_2400=lines,
        )],
    )


def write_837p(claims: Sequence, *, submitter_contact: str, submitter_phone: str,
               control_number: int, created: datetime, production: bool = False) -> str:
    """The 837P interchange for ``claims`` (one billing provider: the first claim's), with
    ``control_number`` as the interchange, group and transaction control numbers."""
    if not claims:
        raise ValueError("an 837P needs at least one claim")
    first = claims[0]
    street, city, state, zip_code = split_address(first.billing_address)
    tin = _digits(first.billing_tin)
    number = f"{control_number:04d}"
    structure = {
        "header": Header(
            st_segment=HeaderStSegment(transaction_set_identifier_code="837",
                                       transaction_set_control_number=number,
                                       implementation_convention_reference=VERSION),
            bht_segment=HeaderBhtSegment(
                hierarchical_structure_code="0019", transaction_set_purpose_code="00",
                submitter_transactional_identifier=f"KAPMS{control_number:06d}",
                transaction_set_creation_date=created.strftime("%Y%m%d"),
                transaction_set_creation_time=created.strftime("%H%M"),
                transaction_type_code="CH"),
        ),
        "loop_1000a": Loop1000A(
            nm1_segment=Loop1000ANm1Segment(
                entity_identifier_code="41", entity_type_qualifier="2",
                name_last_or_organization_name=_text(first.billing_name),
                identification_code_qualifier="46", identification_code=tin),
            per_segment=[Loop1000APerSegment(contact_function_code="IC",
                                             name=_text(submitter_contact),
                                             communication_number_qualifier_1="TE",
                                             communication_number_1=_digits(submitter_phone))],
        ),
        "loop_1000b": Loop1000B(nm1_segment=Loop1000BNm1Segment(
            entity_identifier_code="40", entity_type_qualifier="2",
            name_last_or_organization_name=_text(first.payer_name),
            identification_code_qualifier="46", identification_code=_text(first.payer_code))),
        "loop_2000a": [Loop2000A(
            hl_segment=Loop2000AHlSegment(hierarchical_id_number="1",
                                          hierarchical_level_code="20",
                                          hierarchical_child_code="1"),
            loop_2010aa=Loop2010Aa(
                nm1_segment=Loop2010AaNm1Segment(
                    entity_identifier_code="85", entity_type_qualifier="2",
                    name_last_or_organization_name=_text(first.billing_name),
                    identification_code_qualifier="XX", identification_code=first.billing_npi),
                n3_segment=N3Segment(address_information_1=_text(street, 55)),
                n4_segment=N4Segment(city_name=_text(city, 30), state_province_code=state,
                                     postal_code=zip_code if len(zip_code) == 9
                                     else zip_code + "0000"),
                ref_segment=[Loop2010AaRefSegment(reference_identification_qualifier="EI",
                                                  reference_identification=tin)],
            ),
            loop_2000b=[_claim_loop(claim, position)
                        for position, claim in enumerate(claims, start=2)],
        )],
    }
    placeholder = dict(structure, footer={"se_segment": {
        "transaction_segment_count": 1, "transaction_set_control_number": number}})
    structure["footer"] = Footer(se_segment=SeSegment(
        transaction_segment_count=count_segments(placeholder),
        transaction_set_control_number=number))
    transaction = HealthCareClaimProfessional(**structure)
    text = write_transactions(
        [transaction], sender_id=tin, receiver_id=_text(first.payer_code, 15),
        sender_qualifier="30", receiver_qualifier="ZZ",
        interchange_control_number=f"{control_number:09d}",
        group_control_number=str(control_number), created=created,
        usage_indicator="P" if production else "T")
    # x12sdk files every 837P under its 005010X222A2 models (ST03/GS08 normalised to A2); the
    # loops and segments written here are the same in A1, the version HIPAA adopted.
    return text.replace("005010X222A2", VERSION)
