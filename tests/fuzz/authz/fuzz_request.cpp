// libFuzzer target: request classification and the decision on what it
// classified. Input: "METHOD\nPATH?QUERY\nCONTENT-TYPE\nBODY".
#include "authz/Engine.h"
#include "authz/RequestClassifier.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace ProxySmart;
using namespace ProxySmart::Authz;

namespace {

QByteArray takeLine(QByteArray &input)
{
    const qsizetype newline = input.indexOf('\n');
    if (newline < 0) {
        QByteArray line = input;
        input.clear();
        return line;
    }
    QByteArray line = input.left(newline);
    input.remove(0, newline + 1);
    return line;
}

void checkDecision(const Decision &decision)
{
    if (decision.reasons.isEmpty())
        std::abort();
    if (!decision.allowed && !decision.constraints.isEmpty())
        std::abort();
    for (const Decision &entry : decision.entries)
        checkDecision(entry);
    (void)decision.toJson();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString method = QString::fromUtf8(takeLine(input));
    const QString url = QString::fromUtf8(takeLine(input));
    const QString contentType = QString::fromUtf8(takeLine(input));
    const QByteArray body = input;
    const qsizetype question = url.indexOf(u'?');
    const QStringView path = question >= 0 ? QStringView(url).left(question) : QStringView(url);
    const QStringView query = question >= 0 ? QStringView(url).mid(question + 1) : QStringView();

    const ProxySmart::Result<FhirRequest> request =
        RequestClassifier::classify(method, path, query, contentType, body);
    if (!request) {
        if (request.error().code.isEmpty() || request.error().message.isEmpty())
            std::abort();
        return 0;
    }
    // Every understood interaction other than the scope-free ones and
    // bundles reaches at least one resource type.
    const Interaction interaction = request->interaction;
    const bool scopeFree =
        interaction == Interaction::Capabilities || interaction == Interaction::SmartConfiguration;
    const bool bundle =
        interaction == Interaction::Batch || interaction == Interaction::Transaction;
    if (!scopeFree && !bundle && request->accesses.empty())
        std::abort();
    (void)request->toJson();
    (void)request->summary();

    static const ScopeSet none;
    static const ScopeSet patientRead = ScopeSet::parse(u"patient/*.rs patient/Observation.cud");
    static const ScopeSet granular = ScopeSet::parse(
        u"patient/Observation.rs?category=laboratory user/Condition.cruds system/Patient.rs");
    AuthzContext patient;
    patient.patientId = QStringLiteral("123");
    AuthzContext practitioner;
    practitioner.fhirUser = QStringLiteral("Practitioner/9");
    practitioner.assignedPatients = {QStringLiteral("1"), QStringLiteral("2")};
    practitioner.assignedPatientsKnown = true;

    const Decision nothing = Engine::decide(none, request.value(), patient);
    // Without scopes only the scope-free interactions (and empty bundles) pass.
    if (nothing.allowed && !scopeFree) {
        if (!bundle)
            std::abort();
        for (const FhirRequest &entry : request->entries) {
            if (entry.interaction != Interaction::Capabilities
                && entry.interaction != Interaction::SmartConfiguration)
                std::abort();
        }
    }
    checkDecision(nothing);
    checkDecision(Engine::decide(patientRead, request.value(), patient));
    checkDecision(Engine::decide(granular, request.value(), practitioner));
    checkDecision(Engine::decide(granular, request.value(), patient));
    return 0;
}
