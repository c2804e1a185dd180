"""The questions of the intake, in the patient's words (pure data and checks).

Every contraindication of the care domain's screen is asked yes/no (a test holds the two
lists together), and so is every sedating co-medication class. Answers are kept under the
care domain's keys, so the prescriber's screen can be prefilled item by item.
"""

from dataclasses import dataclass, field

from kapms.care.constants import CO_MEDICATION_LABELS, CONTRAINDICATION_LABELS

# key of the care domain's contraindication screen -> the question a patient is asked
CONTRAINDICATION_QUESTIONS = {
    "hypertension": "Do you have high blood pressure that is not well controlled?",
    "vascular": "Have you ever had an aneurysm, an arteriovenous malformation (AVM) or "
                "bleeding in the brain?",
    "breathing": "Do you have serious breathing problems (for example severe asthma, COPD "
                 "or sleep apnea)?",
    "glaucoma": "Do you have glaucoma that is not well controlled?",
    "unstable_medical": "Do you have any other medical condition that is not stable, or a "
                        "recent serious injury?",
    "mania": "Are you having, or have you recently had, an episode of mania or a mixed "
             "episode?",
    "psychosis": "Have you ever been diagnosed with a psychotic disorder (such as "
                 "schizophrenia)?",
    "suicidality": "Are you having thoughts of ending your life, or feeling that you might "
                   "be in crisis?",
    "substance_use": "Do you currently have a problem with alcohol or drugs (including "
                     "ketamine)?",
    "allergy": "Have you ever had an allergic or bad reaction to ketamine?",
    "pregnancy": "Are you pregnant, trying to become pregnant, or breastfeeding?",
}
CO_MEDICATION_QUESTIONS = {
    "benzodiazepines": "Benzodiazepines (for example alprazolam/Xanax, lorazepam/Ativan, "
                       "clonazepam/Klonopin, diazepam/Valium)",
    "sedative_hypnotics": "Other sleeping or sedating medicines (for example zolpidem/Ambien, "
                          "eszopiclone, barbiturates, gabapentin taken for sleep)",
    "stimulants": "Stimulants (for example Adderall, Ritalin, Vyvanse, modafinil)",
    "maois": "MAO inhibitors (for example phenelzine/Nardil, tranylcypromine/Parnate, "
             "selegiline)",
}
# (tests/intake hold these two lists to the care domain's: no item may be left unasked)
ASKED = (CONTRAINDICATION_LABELS, CO_MEDICATION_LABELS)

DETAILS_MAX = 1000
TEXT_MAX = 2000


@dataclass
class IntakeAnswers:
    """The questionnaire's answers (None: not answered yet)."""

    contraindications: dict[str, bool | None] = field(default_factory=dict)
    contraindication_details: str | None = None
    co_medications: dict[str, bool | None] = field(default_factory=dict)
    medications: str | None = None
    allergies: str | None = None
    substance_use: str | None = None
    prior_ketamine: bool | None = None
    prior_psychedelics: bool | None = None
    prior_experience: str | None = None
    bp_systolic: int | None = None
    bp_diastolic: int | None = None
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    emergency_contact_relation: str | None = None


def problems(answers: IntakeAnswers, *, to_submit: bool) -> list[tuple[str, str]]:
    """(field, message) for what keeps the answers from being saved or, ``to_submit``,
    sent: an implausible blood pressure always; every yes/no and the emergency contact
    before sending."""
    found = []
    bp = (answers.bp_systolic, answers.bp_diastolic)
    if (bp[0] is None) != (bp[1] is None):
        found.append(("bp_systolic", "Give both numbers of the blood pressure, or neither."))
    elif bp[0] is not None and not (60 <= bp[0] <= 260 and 30 <= bp[1] <= 160
                                    and bp[0] > bp[1]):
        found.append(("bp_systolic", "That blood pressure does not look right: the first "
                                     "number is between 60 and 260, the second between 30 "
                                     "and 160."))
    if not to_submit:
        return found
    for key in CONTRAINDICATION_QUESTIONS:
        if answers.contraindications.get(key) is None:
            found.append((f"ci_{key}", "Answer yes or no."))
    for key in CO_MEDICATION_QUESTIONS:
        if answers.co_medications.get(key) is None:
            found.append((f"cm_{key}", "Answer yes or no."))
    if answers.prior_ketamine is None:
        found.append(("prior_ketamine", "Answer yes or no."))
    if answers.prior_psychedelics is None:
        found.append(("prior_psychedelics", "Answer yes or no."))
    if not (answers.emergency_contact_name or "").strip():
        found.append(("emergency_contact_name", "Name someone we can call in an emergency."))
    if not (answers.emergency_contact_phone or "").strip():
        found.append(("emergency_contact_phone", "Give their phone number."))
    return found
