"""The patient portal: the patient's own appointments (with .ics), consents to sign, the
intake, measures due, the chaperone for a telehealth dosing, billing documents and email
reminder settings; and the staff's invitation to it. Mobile first."""
