// Decisions per second on one thread for a typical request: a read of an
// Observation under patient/*.rs. Reports classify + decide, and decide alone,
// beside the target of 500 000 per second per core.
#include "authz/Engine.h"
#include "authz/RequestClassifier.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTextStream>

#include <cstdio>

using namespace ProxySmart;
using namespace ProxySmart::Authz;

namespace {

constexpr double target = 500000.0;

template<typename Function> double perSecond(Function function, int iterations)
{
    // Warm up, then measure.
    for (int i = 0; i < iterations / 10; ++i)
        function(i);
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < iterations; ++i)
        function(i);
    const qint64 nanoseconds = timer.nsecsElapsed();
    return double(iterations) * 1e9 / double(nanoseconds);
}

void report(const char *name, double rate)
{
    std::printf("%-52s %12.0f /s   (target %.0f /s: %s)\n", name, rate, target,
                rate >= target ? "met" : "NOT met");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int iterations = argc > 1 ? QByteArray(argv[1]).toInt() : 2000000;

    const ScopeSet grants = ScopeSet::parse(u"launch/patient openid fhirUser patient/*.rs");
    AuthzContext context;
    context.patientId = QStringLiteral("123");
    const QString path = QStringLiteral("Observation/4567");
    const QByteArray noBody;
    long allowed = 0;

    const double full = perSecond(
        [&](int) {
            const Result<FhirRequest> request =
                RequestClassifier::classify(u"GET", path, {}, {}, noBody);
            const Decision decision = Engine::decide(grants, request.value(), context);
            allowed += decision.allowed;
        },
        iterations);

    const FhirRequest request = RequestClassifier::classify(u"GET", path, {}, {}, noBody).value();
    const double decideOnly = perSecond(
        [&](int) {
            const Decision decision = Engine::decide(grants, request, context);
            allowed += decision.allowed;
        },
        iterations);

    const QString searchQuery =
        QStringLiteral("code=http://loinc.org|1234-5&_include=Observation:patient&_count=50");
    const double search = perSecond(
        [&](int) {
            const Result<FhirRequest> searched =
                RequestClassifier::classify(u"GET", u"Observation", searchQuery, {}, noBody);
            const Decision decision = Engine::decide(grants, searched.value(), context);
            allowed += decision.allowed;
        },
        iterations / 4);

    const double parse = perSecond(
        [&](int) {
            const ScopeSet parsed =
                ScopeSet::parse(u"launch/patient openid fhirUser offline_access patient/*.rs "
                                u"patient/Observation.rs?category=laboratory");
            allowed += int(parsed.scopes().size());
        },
        iterations / 4);

    std::printf("bench_authz: single thread, %d iterations\n", iterations);
    report("read Observation/4567 under patient/*.rs: classify+decide", full);
    report("read Observation/4567 under patient/*.rs: decide only", decideOnly);
    std::printf("%-52s %12.0f /s\n", "search with _include under patient/*.rs: both", search);
    std::printf("%-52s %12.0f /s\n", "ScopeSet::parse of a 6-scope token (once per token)", parse);
    std::printf("(checksum %ld)\n", allowed);
    return allowed > 0 ? 0 : 1;
}
