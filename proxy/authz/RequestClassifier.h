#pragma once

#include "authz/FhirRequest.h"
#include "core/Result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QStringView>

namespace ProxySmart::Authz {

// Turns an HTTP request under the FHIR base into a FhirRequest: the
// interaction and every (resource type, permissions) it reaches. Pure and
// reentrant. Anything it does not understand, or that could be read two ways,
// is refused with a reason (Error codes "request.*"); it never guesses.
class RequestClassifier
{
public:
    // `pathUnderBase` is the path after the FHIR base ("Observation/123",
    // with or without a leading "/"), still percent-encoded as received;
    // `query` is the raw query string without "?". `ifNoneExist` is the
    // If-None-Exist header of a conditional create.
    static Result<FhirRequest> classify(QStringView method, QStringView pathUnderBase,
                                        QStringView query, QStringView contentType,
                                        const QByteArray &body, QStringView ifNoneExist = {});

    // Whether `id` is a valid FHIR id: [A-Za-z0-9-.]{1,64}, and not "." or "..".
    static bool isValidId(QStringView id);

    // Limits: larger bundles are refused.
    static constexpr int maxBundleEntries = 10000;
    static constexpr int maxParameters = 200;
};

} // namespace ProxySmart::Authz
