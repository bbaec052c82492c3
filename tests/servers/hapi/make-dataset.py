#!/usr/bin/env python3
"""Prints the Proxy Smart synthetic FHIR R4 data set as a transaction Bundle.

Deterministic: no randomness, no clock. Every entry is a PUT with a fixed id,
so posting the bundle again changes nothing. Other parts of the project rely
on the ids and on who is assigned to whom (see README.md beside this file).

  make-dataset.py            the transaction Bundle (JSON) on stdout
  make-dataset.py --counts   "ResourceType count" lines
  make-dataset.py --ids TYPE the ids of TYPE, comma-separated
  make-dataset.py --verify BASE
                             checks through searches that a FHIR server at
                             BASE holds the data set; exit status 1 if not
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
MRN_SYSTEM = "http://proxy-smart.example.org/fhir/sid/mrn"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
V3_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"

# id suffix, given, family, gender, birthDate, smoking (SNOMED code, display)
PATIENTS = [
    ("01", "Alice", "Anderson", "female", "1985-03-14"),
    ("02", "Bob", "Brown", "male", "1978-07-02"),
    ("03", "Chloe", "Clark", "female", "1992-11-23"),
    ("04", "Daniel", "Davis", "male", "1965-01-30"),
    ("05", "Emma", "Evans", "female", "2001-05-09"),
    ("06", "Frank", "Fischer", "male", "1950-09-17"),
    ("07", "Grace", "Garcia", "female", "1988-12-05"),
    ("08", "Henry", "Hughes", "male", "1972-04-21"),
    ("09", "Isabel", "Ibarra", "female", "1995-08-11"),
    ("10", "Jack", "Johnson", "male", "1960-06-28"),
    ("11", "Karen", "King", "female", "1983-02-14"),
    ("12", "Liam", "Lopez", "male", "2010-10-03"),
]

# id suffix, given, family, gender, NPI
PRACTITIONERS = [
    ("01", "Carol", "Smith", "female", "1000000011"),
    ("02", "David", "Jones", "male", "1000000029"),
    ("03", "Emily", "Taylor", "female", "1000000037"),
    ("04", "Frank", "Wilson", "male", "1000000045"),
]

# Who sees whom. Each assigned patient is reached through exactly one
# mechanism, so a test can switch the mechanisms on one at a time.
GENERAL_PRACTITIONER = {"01": "01", "02": "01", "03": "01", "07": "02"}
CARE_TEAMS = [  # care team id suffix, patient, practitioner
    ("01", "04", "01"),
    ("02", "08", "03"),
    ("03", "09", "03"),
]
ENCOUNTER_PRACTITIONER = {"05": "02", "06": "02"}

# Patients with encounters whose participant is not a practitioner (a
# relative who came along), so that encounters exist for patients 01-09
# without widening any practitioner's patient list.
RELATED_PERSONS = [  # related person id suffix, patient, given, family, role code, display
    ("01", "01", "Adam", "Anderson", "SPS", "spouse"),
    ("02", "02", "Beth", "Brown", "SPS", "spouse"),
    ("03", "03", "Carla", "Clark", "MTH", "mother"),
    ("04", "04", "Diana", "Davis", "DAU", "natural daughter"),
    ("07", "07", "George", "Garcia", "FTH", "father"),
    ("08", "08", "Hannah", "Hughes", "SPS", "spouse"),
    ("09", "09", "Ivan", "Ibarra", "BRO", "brother"),
]

SMOKING = [
    ("266919005", "Never smoked tobacco"),
    ("8517006", "Ex-smoker"),
    ("449868002", "Smokes tobacco daily"),
]

CONDITIONS = {  # SNOMED code, display, onset
    "hypertension": ("38341003", "Hypertensive disorder, systemic arterial", "2015-04-10"),
    "diabetes": ("44054006", "Diabetes mellitus type 2", "2018-09-03"),
    "asthma": ("195967001", "Asthma", "2005-02-20"),
    "hyperlipidemia": ("55822004", "Hyperlipidemia", "2019-06-15"),
}

MEDICATIONS = {  # condition -> RxNorm code, display, dosage text
    "hypertension": ("314076", "lisinopril 10 MG Oral Tablet", "1 tablet by mouth once daily"),
    "diabetes": ("860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet",
                 "1 tablet by mouth once daily with the evening meal"),
    "asthma": ("745679", "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
               "2 puffs every 4 to 6 hours as needed for wheezing"),
    "hyperlipidemia": ("259255", "atorvastatin 80 MG Oral Tablet", "1 tablet by mouth at bedtime"),
}

PATIENT_CONDITIONS = {
    "01": ["hypertension"],
    "02": ["diabetes", "hypertension"],
    "03": ["asthma"],
    "04": ["hyperlipidemia"],
    "05": ["asthma"],
    "06": ["hypertension", "hyperlipidemia"],
    "07": ["diabetes"],
    "08": ["hypertension"],
    "09": [],
    "10": ["diabetes"],
    "11": [],
    "12": ["asthma"],
}


def ref(kind, ident):
    return {"reference": f"{kind}/{ident}"}


def coding(system, code, display):
    return {"system": system, "code": code, "display": display}


def concept(system, code, display, text=None):
    return {"coding": [coding(system, code, display)], "text": text or display}


def practitioner_of(p):
    """The practitioner assigned to patient p through any mechanism, or None."""
    if p in GENERAL_PRACTITIONER:
        return GENERAL_PRACTITIONER[p]
    if p in ENCOUNTER_PRACTITIONER:
        return ENCOUNTER_PRACTITIONER[p]
    for _, patient, pr in CARE_TEAMS:
        if patient == p:
            return pr
    return None


def practitioners():
    out = []
    for n, given, family, gender, npi in PRACTITIONERS:
        out.append({
            "resourceType": "Practitioner",
            "id": f"practitioner-{n}",
            "active": True,
            "identifier": [{"system": NPI_SYSTEM, "value": npi}],
            "name": [{
                "use": "official",
                "text": f"Dr. {given} {family}",
                "family": family,
                "given": [given],
                "prefix": ["Dr."],
            }],
            "telecom": [{"system": "email", "value": f"{given.lower()}.{family.lower()}@clinic.example.org",
                         "use": "work"}],
            "gender": gender,
        })
    return out


def patients():
    out = []
    for i, (n, given, family, gender, birth) in enumerate(PATIENTS):
        patient = {
            "resourceType": "Patient",
            "id": f"patient-{n}",
            "active": True,
            "identifier": [{
                "use": "usual",
                "type": concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"),
                "system": MRN_SYSTEM,
                "value": f"MRN-{1000 + i + 1}",
            }],
            "name": [{"use": "official", "text": f"{given} {family}", "family": family, "given": [given]}],
            "telecom": [{"system": "phone", "value": f"+1-555-01{i + 1:02d}", "use": "home"}],
            "gender": gender,
            "birthDate": birth,
            "address": [{
                "use": "home",
                "line": [f"{100 + 7 * i} Main Street"],
                "city": "Springfield",
                "postalCode": f"0{1100 + i}",
                "country": "US",
            }],
        }
        if n in GENERAL_PRACTITIONER:
            patient["generalPractitioner"] = [ref("Practitioner", f"practitioner-{GENERAL_PRACTITIONER[n]}")]
        out.append(patient)
    return out


def related_persons():
    out = []
    for n, p, given, family, role, display in RELATED_PERSONS:
        out.append({
            "resourceType": "RelatedPerson",
            "id": f"relatedperson-{n}",
            "active": True,
            "patient": ref("Patient", f"patient-{p}"),
            "relationship": [concept(V3_ROLE_CODE, role, display)],
            "name": [{"use": "official", "text": f"{given} {family}", "family": family, "given": [given]}],
        })
    return out


def care_teams():
    out = []
    for n, p, pr in CARE_TEAMS:
        out.append({
            "resourceType": "CareTeam",
            "id": f"careteam-{n}",
            "status": "active",
            "name": f"Care team of patient-{p}",
            "subject": ref("Patient", f"patient-{p}"),
            "period": {"start": "2023-01-01"},
            "participant": [{
                "role": [concept(SNOMED, "446050000", "Primary care physician")],
                "member": ref("Practitioner", f"practitioner-{pr}"),
            }],
        })
    return out


def encounter_ids(p):
    """Encounter ids of patient p (patients 01-09 have encounters)."""
    if int(p) > 9:
        return []
    if p in ENCOUNTER_PRACTITIONER:
        return [f"encounter-{p}-1", f"encounter-{p}-2"]
    return [f"encounter-{p}-1"]


def encounters():
    related = {p: n for n, p, *_ in RELATED_PERSONS}
    out = []
    for i, (p, *_rest) in enumerate(PATIENTS):
        for k, eid in enumerate(encounter_ids(p)):
            day = 1 + (3 * i + 11 * k) % 27
            month = 2 + k * 4
            start = f"2024-{month:02d}-{day:02d}T09:00:00Z"
            end = f"2024-{month:02d}-{day:02d}T09:45:00Z"
            if p in ENCOUNTER_PRACTITIONER:
                participant = {
                    "type": [concept(V3_PARTICIPATION, "ATND", "attender")],
                    "period": {"start": start, "end": end},
                    "individual": ref("Practitioner", f"practitioner-{ENCOUNTER_PRACTITIONER[p]}"),
                }
            else:
                participant = {
                    "type": [concept(V3_PARTICIPATION, "ESC", "escort")],
                    "period": {"start": start, "end": end},
                    "individual": ref("RelatedPerson", f"relatedperson-{related[p]}"),
                }
            out.append({
                "resourceType": "Encounter",
                "id": eid,
                "status": "finished",
                "class": coding(V3_ACT_CODE, "AMB", "ambulatory"),
                "type": [concept(SNOMED, "185349003", "Encounter for check up")],
                "subject": ref("Patient", f"patient-{p}"),
                "participant": [participant],
                "period": {"start": start, "end": end},
            })
    return out


def observation(oid, p, category, code, display, when, encounter=None, **value):
    obs = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [{"coding": [coding(OBS_CATEGORY, category, {
            "laboratory": "Laboratory",
            "vital-signs": "Vital Signs",
            "social-history": "Social History",
        }[category])]}],
        "code": concept(LOINC, code, display),
        "subject": ref("Patient", f"patient-{p}"),
        "effectiveDateTime": when,
    }
    if encounter:
        obs["encounter"] = ref("Encounter", encounter)
    obs.update(value)
    return obs


def quantity(value, unit, code=None):
    return {"value": value, "unit": unit, "system": UCUM, "code": code or unit}


def observations():
    out = []
    for i, (p, *_rest) in enumerate(PATIENTS):
        enc = encounter_ids(p)
        visit = enc[0] if enc else None
        day = 1 + (3 * i) % 27
        lab_time = f"2024-02-{day:02d}T08:15:00Z"
        vital_time = f"2024-02-{day:02d}T09:05:00Z"
        social_time = f"2024-02-{day:02d}T09:20:00Z"
        out.append(observation(
            f"observation-{p}-glucose", p, "laboratory", "2339-0", "Glucose [Mass/volume] in Blood", lab_time,
            valueQuantity=quantity(82 + (i * 13) % 60, "mg/dL")))
        out.append(observation(
            f"observation-{p}-hemoglobin", p, "laboratory", "718-7", "Hemoglobin [Mass/volume] in Blood", lab_time,
            valueQuantity=quantity(round(12.0 + (i * 7 % 40) / 10, 1), "g/dL")))
        out.append(observation(
            f"observation-{p}-heart-rate", p, "vital-signs", "8867-4", "Heart rate", vital_time, visit,
            valueQuantity=quantity(58 + (i * 9) % 40, "beats/minute", "/min")))
        out.append(observation(
            f"observation-{p}-body-weight", p, "vital-signs", "29463-7", "Body weight", vital_time, visit,
            valueQuantity=quantity(round(52.0 + (i * 17 % 45) + (i % 3) / 2, 1), "kg")))
        systolic = 108 + (i * 11) % 42
        diastolic = 68 + (i * 5) % 24
        out.append(observation(
            f"observation-{p}-blood-pressure", p, "vital-signs", "85354-9",
            "Blood pressure panel with all children optional", vital_time, visit,
            component=[
                {"code": concept(LOINC, "8480-6", "Systolic blood pressure"),
                 "valueQuantity": quantity(systolic, "mmHg", "mm[Hg]")},
                {"code": concept(LOINC, "8462-4", "Diastolic blood pressure"),
                 "valueQuantity": quantity(diastolic, "mmHg", "mm[Hg]")},
            ]))
        smoke_code, smoke_display = SMOKING[i % 3]
        out.append(observation(
            f"observation-{p}-smoking", p, "social-history", "72166-2", "Tobacco smoking status", social_time, visit,
            valueCodeableConcept=concept(SNOMED, smoke_code, smoke_display)))
    return out


def conditions_and_medications():
    conditions, meds = [], []
    for p, *_rest in PATIENTS:
        pr = practitioner_of(p)
        for k, name in enumerate(PATIENT_CONDITIONS[p], start=1):
            code, display, onset = CONDITIONS[name]
            cid = f"condition-{p}-{k}"
            condition = {
                "resourceType": "Condition",
                "id": cid,
                "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                          "active", "Active"),
                "verificationStatus": concept("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                              "confirmed", "Confirmed"),
                "category": [concept("http://terminology.hl7.org/CodeSystem/condition-category",
                                     "problem-list-item", "Problem List Item")],
                "code": concept(SNOMED, code, display),
                "subject": ref("Patient", f"patient-{p}"),
                "onsetDateTime": onset,
                "recordedDate": onset,
            }
            if pr:
                condition["recorder"] = ref("Practitioner", f"practitioner-{pr}")
            conditions.append(condition)
            rx, rx_display, dosage = MEDICATIONS[name]
            med = {
                "resourceType": "MedicationRequest",
                "id": f"medicationrequest-{p}-{k}",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": concept(RXNORM, rx, rx_display),
                "subject": ref("Patient", f"patient-{p}"),
                "authoredOn": f"{onset}T10:00:00Z",
                "reasonReference": [ref("Condition", cid)],
                "dosageInstruction": [{"text": dosage}],
            }
            if pr:
                med["requester"] = ref("Practitioner", f"practitioner-{pr}")
            meds.append(med)
    return conditions, meds


def consent(cid, p, when, provision):
    return {
        "resourceType": "Consent",
        "id": cid,
        "status": "active",
        "scope": concept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy",
                         "Privacy Consent"),
        "category": [concept(LOINC, "59284-0", "Patient Consent")],
        "patient": ref("Patient", f"patient-{p}"),
        "dateTime": when,
        "policyRule": concept(V3_ACT_CODE, "OPTIN", "opt-in"),
        "provision": provision,
    }


def actor(role_code, role_display, kind, ident):
    return {"role": concept(V3_PARTICIPATION, role_code, role_display), "reference": ref(kind, ident)}


def consents():
    period = {"start": "2024-01-01", "end": "2030-12-31"}
    return [
        # patient-01 permits her GP to see her record for treatment.
        consent("consent-01", "01", "2024-01-10T10:00:00Z", {
            "type": "permit",
            "period": period,
            "actor": [actor("PRCP", "primary information recipient", "Practitioner", "practitioner-01")],
            "purpose": [coding(V3_ACT_REASON, "TREAT", "treatment")],
        }),
        # patient-03 shares in general but denies her GP (practitioner-01).
        consent("consent-02", "03", "2024-01-12T10:00:00Z", {
            "type": "permit",
            "period": period,
            "provision": [{
                "type": "deny",
                "actor": [actor("PRCP", "primary information recipient", "Practitioner", "practitioner-01")],
            }],
        }),
        # patient-05 shares in general but denies any use for research.
        consent("consent-03", "05", "2024-01-15T10:00:00Z", {
            "type": "permit",
            "period": period,
            "provision": [{
                "type": "deny",
                "purpose": [coding(V3_ACT_REASON, "HRESCH", "healthcare research")],
            }],
        }),
    ]


def resources():
    conditions, meds = conditions_and_medications()
    return (practitioners() + patients() + related_persons() + care_teams() + encounters()
            + observations() + conditions + meds + consents())


def bundle():
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{
            "fullUrl": f"{r['resourceType']}/{r['id']}",
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        } for r in resources()],
    }


def check(rs):
    """Every reference must point to a resource of the set; ids are unique."""
    known = set()
    for r in rs:
        key = f"{r['resourceType']}/{r['id']}"
        assert key not in known, f"duplicate {key}"
        known.add(key)

    def walk(node):
        if isinstance(node, dict):
            if "reference" in node and isinstance(node["reference"], str):
                assert node["reference"] in known, f"dangling reference {node['reference']}"
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(rs)


def verify(base):
    """Searches BASE for every resource of the set and for the assignments."""
    problems = []

    def search(query):
        url = f"{base.rstrip('/')}/{query}"
        req = urllib.request.Request(url, headers={"Accept": "application/fhir+json", "Cache-Control": "no-cache"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.load(resp)
        except (urllib.error.URLError, OSError, ValueError) as e:
            problems.append(f"GET {url}: {e}")
            return {}

    def ids_of(bundle, kind):
        return {e["resource"]["id"] for e in bundle.get("entry", [])
                if e.get("resource", {}).get("resourceType") == kind}

    rs = resources()
    by_type = {}
    for r in rs:
        by_type.setdefault(r["resourceType"], []).append(r["id"])
    counts = []
    for kind, ids in by_type.items():
        query = urllib.parse.urlencode({"_id": ",".join(ids), "_summary": "count"})
        total = search(f"{kind}?{query}").get("total")
        counts.append(f"{kind} {total}/{len(ids)}")
        if total != len(ids):
            problems.append(f"{kind}: {total} of the {len(ids)} resources of the data set found")

    def expect(query, kind, wanted, label):
        got = ids_of(search(query + "&_count=100"), kind)
        missing = sorted(set(wanted) - got)
        if missing:
            problems.append(f"{label}: {query} lacks {', '.join(missing)}")

    by_gp = {}
    for p, pr in GENERAL_PRACTITIONER.items():
        by_gp.setdefault(pr, []).append(f"patient-{p}")
    for pr, wanted in by_gp.items():
        expect(f"Patient?general-practitioner=Practitioner/practitioner-{pr}", "Patient", wanted,
               "general practitioner")
    by_team = {}
    for n, _p, pr in CARE_TEAMS:
        by_team.setdefault(pr, []).append(f"careteam-{n}")
    for pr, wanted in by_team.items():
        expect(f"CareTeam?participant=Practitioner/practitioner-{pr}", "CareTeam", wanted, "care team")
    by_enc = {}
    for p, pr in ENCOUNTER_PRACTITIONER.items():
        by_enc.setdefault(pr, []).extend(encounter_ids(p))
    for pr, wanted in by_enc.items():
        expect(f"Encounter?participant=Practitioner/practitioner-{pr}", "Encounter", wanted, "encounter")
    for category in ("laboratory", "vital-signs", "social-history"):
        wanted = [r["id"] for r in rs if r["resourceType"] == "Observation"
                  and r["category"][0]["coding"][0]["code"] == category]
        token = urllib.parse.quote(f"{OBS_CATEGORY}|{category}", safe="")
        expect(f"Observation?category={token}", "Observation", wanted, "observation category")

    if problems:
        for line in problems:
            print(f"verify: {line}", file=sys.stderr)
        return 1
    print(f"verify: data set present at {base} ({', '.join(counts)})", file=sys.stderr)
    return 0


def main(argv):
    rs = resources()
    check(rs)
    if len(argv) > 1 and argv[1] == "--counts":
        counts = {}
        for r in rs:
            counts[r["resourceType"]] = counts.get(r["resourceType"], 0) + 1
        for kind, n in counts.items():
            print(kind, n)
    elif len(argv) > 2 and argv[1] == "--ids":
        print(",".join(r["id"] for r in rs if r["resourceType"] == argv[2]))
    elif len(argv) > 2 and argv[1] == "--verify":
        return verify(argv[2])
    elif len(argv) > 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    else:
        json.dump(bundle(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
