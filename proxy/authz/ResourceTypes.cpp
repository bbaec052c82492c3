#include "authz/ResourceTypes.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace ProxySmart::Authz {

namespace {

struct TypeRow
{
    QStringView name;
    // The R4 Patient CompartmentDefinition's parameters, comma-separated;
    // empty when the type is never in a patient's compartment.
    QStringView compartment;
    // The parameter used to narrow a search to a patient.
    QStringView narrowing;
};

// FHIR R4 4.0.1: every resource type, with its Patient compartment membership
// (http://hl7.org/fhir/R4/compartmentdefinition-patient.html). Kept in
// alphabetical order; the unit tests check the order and the count.
constexpr TypeRow typeTable[] = {
    {u"Account", u"subject", u"patient"},
    {u"ActivityDefinition", {}, {}},
    {u"AdverseEvent", u"subject", u"subject"},
    {u"AllergyIntolerance", u"patient,recorder,asserter", u"patient"},
    {u"Appointment", u"actor", u"patient"},
    {u"AppointmentResponse", u"actor", u"patient"},
    {u"AuditEvent", u"patient", u"patient"},
    {u"Basic", u"patient,author", u"patient"},
    {u"Binary", {}, {}},
    {u"BiologicallyDerivedProduct", {}, {}},
    {u"BodyStructure", u"patient", u"patient"},
    {u"Bundle", {}, {}},
    {u"CapabilityStatement", {}, {}},
    {u"CarePlan", u"patient,performer", u"patient"},
    {u"CareTeam", u"patient,participant", u"patient"},
    {u"CatalogEntry", {}, {}},
    {u"ChargeItem", u"subject", u"patient"},
    {u"ChargeItemDefinition", {}, {}},
    {u"Claim", u"patient,payee", u"patient"},
    {u"ClaimResponse", u"patient", u"patient"},
    {u"ClinicalImpression", u"subject", u"patient"},
    {u"CodeSystem", {}, {}},
    {u"Communication", u"subject,sender,recipient", u"patient"},
    {u"CommunicationRequest", u"subject,sender,recipient,requester", u"patient"},
    {u"CompartmentDefinition", {}, {}},
    {u"Composition", u"subject,author,attester", u"patient"},
    {u"ConceptMap", {}, {}},
    {u"Condition", u"patient,asserter", u"patient"},
    {u"Consent", u"patient", u"patient"},
    {u"Contract", {}, {}},
    {u"Coverage", u"policy-holder,subscriber,beneficiary,payor", u"patient"},
    {u"CoverageEligibilityRequest", u"patient", u"patient"},
    {u"CoverageEligibilityResponse", u"patient", u"patient"},
    {u"DetectedIssue", u"patient", u"patient"},
    {u"Device", {}, {}},
    {u"DeviceDefinition", {}, {}},
    {u"DeviceMetric", {}, {}},
    {u"DeviceRequest", u"subject,performer", u"patient"},
    {u"DeviceUseStatement", u"subject", u"patient"},
    {u"DiagnosticReport", u"subject", u"patient"},
    {u"DocumentManifest", u"subject,author,recipient", u"patient"},
    {u"DocumentReference", u"subject,author", u"patient"},
    {u"EffectEvidenceSynthesis", {}, {}},
    {u"Encounter", u"patient", u"patient"},
    {u"Endpoint", {}, {}},
    {u"EnrollmentRequest", u"subject", u"patient"},
    {u"EnrollmentResponse", {}, {}},
    {u"EpisodeOfCare", u"patient", u"patient"},
    {u"EventDefinition", {}, {}},
    {u"Evidence", {}, {}},
    {u"EvidenceVariable", {}, {}},
    {u"ExampleScenario", {}, {}},
    {u"ExplanationOfBenefit", u"patient,payee", u"patient"},
    {u"FamilyMemberHistory", u"patient", u"patient"},
    {u"Flag", u"patient", u"patient"},
    {u"Goal", u"patient", u"patient"},
    {u"GraphDefinition", {}, {}},
    {u"Group", u"member", u"member"},
    {u"GuidanceResponse", {}, {}},
    {u"HealthcareService", {}, {}},
    {u"ImagingStudy", u"patient", u"patient"},
    {u"Immunization", u"patient", u"patient"},
    {u"ImmunizationEvaluation", u"patient", u"patient"},
    {u"ImmunizationRecommendation", u"patient", u"patient"},
    {u"ImplementationGuide", {}, {}},
    {u"InsurancePlan", {}, {}},
    {u"Invoice", u"subject,patient,recipient", u"patient"},
    {u"Library", {}, {}},
    {u"Linkage", {}, {}},
    {u"List", u"subject,source", u"patient"},
    {u"Location", {}, {}},
    {u"Measure", {}, {}},
    {u"MeasureReport", u"patient", u"patient"},
    {u"Media", u"subject", u"patient"},
    {u"Medication", {}, {}},
    {u"MedicationAdministration", u"patient,performer,subject", u"patient"},
    {u"MedicationDispense", u"subject,patient,receiver", u"patient"},
    {u"MedicationKnowledge", {}, {}},
    {u"MedicationRequest", u"subject", u"patient"},
    {u"MedicationStatement", u"subject", u"patient"},
    {u"MedicinalProduct", {}, {}},
    {u"MedicinalProductAuthorization", {}, {}},
    {u"MedicinalProductContraindication", {}, {}},
    {u"MedicinalProductIndication", {}, {}},
    {u"MedicinalProductIngredient", {}, {}},
    {u"MedicinalProductInteraction", {}, {}},
    {u"MedicinalProductManufactured", {}, {}},
    {u"MedicinalProductPackaged", {}, {}},
    {u"MedicinalProductPharmaceutical", {}, {}},
    {u"MedicinalProductUndesirableEffect", {}, {}},
    {u"MessageDefinition", {}, {}},
    {u"MessageHeader", {}, {}},
    {u"MolecularSequence", u"patient", u"patient"},
    {u"NamingSystem", {}, {}},
    {u"NutritionOrder", u"patient", u"patient"},
    {u"Observation", u"subject,performer", u"patient"},
    {u"ObservationDefinition", {}, {}},
    {u"OperationDefinition", {}, {}},
    {u"OperationOutcome", {}, {}},
    {u"Organization", {}, {}},
    {u"OrganizationAffiliation", {}, {}},
    {u"Parameters", {}, {}},
    {u"Patient", u"link", u"_id"},
    {u"PaymentNotice", {}, {}},
    {u"PaymentReconciliation", {}, {}},
    {u"Person", u"patient", u"patient"},
    {u"PlanDefinition", {}, {}},
    {u"Practitioner", {}, {}},
    {u"PractitionerRole", {}, {}},
    {u"Procedure", u"patient,performer", u"patient"},
    {u"Provenance", u"patient", u"patient"},
    {u"Questionnaire", {}, {}},
    {u"QuestionnaireResponse", u"subject,author", u"patient"},
    {u"RelatedPerson", u"patient", u"patient"},
    {u"RequestGroup", u"subject,participant", u"patient"},
    {u"ResearchDefinition", {}, {}},
    {u"ResearchElementDefinition", {}, {}},
    {u"ResearchStudy", {}, {}},
    {u"ResearchSubject", u"individual", u"individual"},
    {u"RiskAssessment", u"subject", u"patient"},
    {u"RiskEvidenceSynthesis", {}, {}},
    {u"Schedule", u"actor", u"actor"},
    {u"SearchParameter", {}, {}},
    {u"ServiceRequest", u"subject,performer", u"patient"},
    {u"Slot", {}, {}},
    {u"Specimen", u"subject", u"patient"},
    {u"SpecimenDefinition", {}, {}},
    {u"StructureDefinition", {}, {}},
    {u"StructureMap", {}, {}},
    {u"Subscription", {}, {}},
    {u"Substance", {}, {}},
    {u"SubstanceNucleicAcid", {}, {}},
    {u"SubstancePolymer", {}, {}},
    {u"SubstanceProtein", {}, {}},
    {u"SubstanceReferenceInformation", {}, {}},
    {u"SubstanceSourceMaterial", {}, {}},
    {u"SubstanceSpecification", {}, {}},
    {u"SupplyDelivery", u"patient", u"patient"},
    {u"SupplyRequest", u"subject", u"subject"},
    {u"Task", {}, {}},
    {u"TerminologyCapabilities", {}, {}},
    {u"TestReport", {}, {}},
    {u"TestScript", {}, {}},
    {u"ValueSet", {}, {}},
    {u"VerificationResult", {}, {}},
    {u"VisionPrescription", u"patient", u"patient"},
};

constexpr int typeCount = int(std::size(typeTable));

bool validIndex(int index)
{
    return index >= 0 && index < typeCount;
}

} // namespace

int ResourceTypes::count()
{
    return typeCount;
}

int ResourceTypes::indexOf(QStringView name)
{
    if (name.isEmpty() || name.size() > 40)
        return None;
    const auto begin = std::begin(typeTable);
    const auto end = std::end(typeTable);
    // Ordinal (case-sensitive) comparison on UTF-16 code units.
    const auto it = std::lower_bound(begin, end, name, [](const TypeRow &row, QStringView key) {
        return row.name.compare(key, Qt::CaseSensitive) < 0;
    });
    if (it == end || it->name.compare(name, Qt::CaseSensitive) != 0)
        return None;
    return int(it - begin);
}

QStringView ResourceTypes::name(int index)
{
    if (index == All)
        return u"*";
    if (!validIndex(index))
        return {};
    return typeTable[index].name;
}

bool ResourceTypes::inPatientCompartment(int index)
{
    return validIndex(index) && !typeTable[index].compartment.isEmpty();
}

QList<QStringView> ResourceTypes::compartmentParameters(int index)
{
    if (!inPatientCompartment(index))
        return {};
    return typeTable[index].compartment.split(u',');
}

bool ResourceTypes::isCompartmentParameter(int index, QStringView parameter)
{
    if (!inPatientCompartment(index) || parameter.isEmpty())
        return false;
    for (QStringView candidate : typeTable[index].compartment.tokenize(u',')) {
        if (candidate == parameter)
            return true;
    }
    return false;
}

QStringView ResourceTypes::narrowingParameter(int index)
{
    if (!validIndex(index))
        return {};
    return typeTable[index].narrowing;
}

} // namespace ProxySmart::Authz
