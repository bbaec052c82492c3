#pragma once

#include "core/EnforcementMode.h"
#include "core/Result.h"

#include <QHostAddress>
#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace ProxySmart {

// One FHIR server behind the gateway, served at /fhir/{id}/.
struct FhirServerConfig
{
    enum class UpstreamAuth { None, StaticHeader, ClientCredentials, MutualTls };

    QString id;
    QString name;
    QUrl url;
    QString fhirVersion = QStringLiteral("4.0.1");
    UpstreamAuth auth = UpstreamAuth::None;
    // static-header: the field sent upstream and where its value is read
    // (a file or an environment variable; never the secret itself).
    QByteArray authHeader;
    QString authValueFile;
    QString authValueEnv;
};

// An issuer whose access tokens the gateway accepts.
struct TokenIssuerConfig
{
    QString issuer;
    QString audience;
    QUrl jwksUri; // fetched and refreshed, or …
    QByteArray jwks; // … an inline JWKS (compact JSON)
    int leewaySeconds = 60;
    QStringList algorithms; // empty: every public-key algorithm
};

// How the patients a Practitioner may see are found.
struct RoleFilteringConfig
{
    // "generalPractitioner", "careTeam", "encounter"
    QStringList practitionerAssignment = {QStringLiteral("generalPractitioner"),
                                          QStringLiteral("careTeam"), QStringLiteral("encounter")};
    int cacheSeconds = 300;
};

struct UpstreamTimeouts
{
    int connectMs = 5000;
    int responseMs = 30000;
    int idleMs = 30000;
};

struct AuditConfig
{
    QString file; // empty: no file, the signal only
    qint64 maxBytes = 10 * 1024 * 1024;
    int keepFiles = 5;
};

// Modes of the pipeline stages after JWT validation, which always enforces.
struct PipelineModes
{
    EnforcementMode consent = EnforcementMode::Disabled;
    EnforcementMode ial = EnforcementMode::Disabled;
    EnforcementMode scopes = EnforcementMode::Enforce;
    EnforcementMode roleFiltering = EnforcementMode::Enforce;
};

struct GatewayConfig
{
    static constexpr quint16 defaultPort = 8090;

    QHostAddress listenAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 listenPort = defaultPort;
    // Binding anywhere but loopback must be asked for explicitly.
    bool allowNonLoopback = false;
    QString instanceId;
    QUrl publicBaseUrl; // empty: derived from the listen address
    QList<FhirServerConfig> fhirServers;
    PipelineModes modes;
    QList<TokenIssuerConfig> tokenIssuers;
    RoleFilteringConfig roleFiltering;
    UpstreamTimeouts upstreamTimeouts;
    AuditConfig audit;

    // Parses the JSON config format documented in README.md. Unknown keys and
    // wrong types are refused with a reason instead of being ignored.
    static Result<GatewayConfig> fromJson(const QByteArray &json);
    static Result<GatewayConfig> fromFile(const QString &path);

    // Applies SCOPE_ENFORCEMENT_MODE, ROLE_BASED_FILTERING_MODE,
    // CONSENT_ENFORCEMENT_MODE and IAL_ENFORCEMENT_MODE over the file's modes.
    Result<GatewayConfig> withEnvironment(const QProcessEnvironment &env) const;

    // Whether the listen address is acceptable (loopback, or explicitly allowed).
    Result<bool> validateListen() const;
    // Whether the pipeline can run as configured: consent and IAL have no
    // implementation yet, so any mode but disabled is refused (fail closed).
    Result<bool> validatePipeline() const;

    QUrl effectiveBaseUrl() const;
    const FhirServerConfig *fhirServer(QStringView id) const;
};

} // namespace ProxySmart
