#include "keycloak/KeycloakAdmin.h"

#include "keycloak/KeycloakLogging.h"
#include "keycloak/KeycloakSession.h"
#include "keycloak/SmartScopeCatalogue.h"

#include <QHash>
#include <QJsonDocument>
#include <QSet>

namespace ProxySmart {

namespace {

using Next = std::function<void()>;
using Step = std::function<void(Next next)>;

// Finishes job with the T that an object answer represents, or fails if it
// is not a valid representation.
template<typename T> void succeedWithObject(KeycloakJob &job, const KeycloakResponse &response)
{
    QJsonObject representation;
    if (!job.readObject(response, &representation))
        return;
    auto item = T::fromRepresentation(representation);
    if (!item) {
        job.fail(item.error().code, item.error().message);
        return;
    }
    job.succeed(QVariant::fromValue(item.value()));
}

// Finishes job with the list of T that an array answer represents (the ones
// keep accepts, if given), or fails on the first element that is not a valid
// representation.
template<typename T>
void succeedWithList(KeycloakJob &job, const KeycloakResponse &response,
                     const std::function<bool(const T &)> &keep = {})
{
    QJsonArray array;
    if (!job.readArray(response, &array))
        return;
    QList<T> items;
    items.reserve(array.size());
    for (const QJsonValue &value : array) {
        if (!value.isObject()) {
            job.fail(QStringLiteral("malformed_response"),
                     QStringLiteral("an element of Keycloak's answer is not an object"));
            return;
        }
        auto item = T::fromRepresentation(value.toObject());
        if (!item) {
            job.fail(item.error().code, item.error().message);
            return;
        }
        if (!keep || keep(item.value()))
            items << item.value();
    }
    job.succeed(QVariant::fromValue(items));
}

// Runs asynchronous steps one after another; a step that fails the job
// simply never calls its `next`.
void runSteps(KeycloakJob &job, QList<Step> steps, Next done)
{
    if (job.state() != KeycloakJob::State::Running)
        return;
    if (steps.isEmpty()) {
        done();
        return;
    }
    const Step first = steps.takeFirst();
    first([&job, steps, done] { runSteps(job, steps, done); });
}

QString segment(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

QUrl withQuery(QUrl url, const QList<std::pair<QString, QString>> &items)
{
    QStringList parts;
    for (const auto &[key, value] : items)
        parts << segment(key) + u'=' + segment(value);
    url.setQuery(parts.join(u'&'), QUrl::StrictMode);
    return url;
}

QUrl adminUrl(KeycloakJob &job, const QString &path)
{
    return job.session()->adminUrl(path);
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// The client representation of `clientId`, or a "not_found" failure.
void findClient(KeycloakJob &job, const QString &clientId, std::function<void(QJsonObject)> next)
{
    const QUrl url = withQuery(adminUrl(job, QStringLiteral("/clients")),
                               {{QStringLiteral("clientId"), clientId}});
    job.call("GET", url, [&job, clientId, next](const KeycloakResponse &response) {
        QJsonArray clients;
        if (!job.readArray(response, &clients))
            return;
        for (const QJsonValue &client : clients) {
            if (client.toObject().value(u"clientId").toString() == clientId) {
                next(client.toObject());
                return;
            }
        }
        job.fail(QStringLiteral("not_found"), QStringLiteral("there is no app '%1'").arg(clientId));
    });
}

// The user representation of `username`, or a "not_found" failure.
void findUser(KeycloakJob &job, const QString &username, std::function<void(QJsonObject)> next)
{
    const QUrl url = withQuery(adminUrl(job, QStringLiteral("/users")),
                               {{QStringLiteral("username"), username},
                                {QStringLiteral("exact"), QStringLiteral("true")},
                                {QStringLiteral("briefRepresentation"), QStringLiteral("false")}});
    job.call("GET", url, [&job, username, next](const KeycloakResponse &response) {
        QJsonArray users;
        if (!job.readArray(response, &users))
            return;
        for (const QJsonValue &user : users) {
            if (user.toObject().value(u"username").toString().compare(username, Qt::CaseInsensitive)
                == 0) {
                next(user.toObject());
                return;
            }
        }
        job.fail(QStringLiteral("not_found"),
                 QStringLiteral("there is no user '%1'").arg(username));
    });
}

// name -> id of the realm's client scopes.
void readClientScopes(KeycloakJob &job, std::function<void(QHash<QString, QString>)> next)
{
    job.call("GET", adminUrl(job, QStringLiteral("/client-scopes")),
             [&job, next](const KeycloakResponse &response) {
                 QJsonArray scopes;
                 if (!job.readArray(response, &scopes))
                     return;
                 QHash<QString, QString> idByName;
                 for (const QJsonValue &scope : scopes) {
                     const QJsonObject object = scope.toObject();
                     const QString name = object.value(u"name").toString();
                     const QString id = object.value(u"id").toString();
                     if (name.isEmpty() || id.isEmpty()) {
                         job.fail(QStringLiteral("malformed_response"),
                                  QStringLiteral("a client scope from Keycloak has no name or id"));
                         return;
                     }
                     idByName.insert(name, id);
                 }
                 next(idByName);
             });
}

QStringList namesOf(const QJsonArray &scopes)
{
    QStringList names;
    for (const QJsonValue &scope : scopes)
        names << scope.toObject().value(u"name").toString();
    return names;
}

// Makes the client's optional client scopes exactly `desired` (default
// scopes are left alone). An unknown scope fails before anything changes.
void syncOptionalScopes(KeycloakJob &job, const QString &clientUuid, const QStringList &desired,
                        Next done)
{
    readClientScopes(job, [&job, clientUuid, desired, done](QHash<QString, QString> idByName) {
        for (const QString &scope : desired) {
            if (!idByName.contains(scope)) {
                job.fail(QStringLiteral("unknown_scope"),
                         QStringLiteral("'%1' is not a client scope of realm '%2' (run "
                                        "`proxy-smartd keycloak setup` for the SMART catalogue)")
                             .arg(scope, job.session()->realm()));
                return;
            }
        }
        const QString clientPath = QStringLiteral("/clients/") + segment(clientUuid);
        job.call(
            "GET", adminUrl(job, clientPath + QStringLiteral("/default-client-scopes")),
            [&job, clientPath, idByName, desired, done](const KeycloakResponse &defaults) {
                QJsonArray defaultScopes;
                if (!job.readArray(defaults, &defaultScopes))
                    return;
                job.call(
                    "GET", adminUrl(job, clientPath + QStringLiteral("/optional-client-scopes")),
                    [&job, clientPath, idByName, desired, done,
                     defaultNames = namesOf(defaultScopes)](const KeycloakResponse &optional) {
                        QJsonArray optionalScopes;
                        if (!job.readArray(optional, &optionalScopes))
                            return;
                        const QStringList current = namesOf(optionalScopes);
                        QList<Step> steps;
                        for (const QString &scope : desired) {
                            if (current.contains(scope) || defaultNames.contains(scope))
                                continue;
                            const QUrl url =
                                adminUrl(job,
                                         clientPath + QStringLiteral("/optional-client-scopes/")
                                             + segment(idByName.value(scope)));
                            steps << [&job, url](Next next) {
                                job.call("PUT", url, [next](const KeycloakResponse &) { next(); });
                            };
                        }
                        for (const QString &scope : current) {
                            if (desired.contains(scope) || !idByName.contains(scope))
                                continue;
                            const QUrl url =
                                adminUrl(job,
                                         clientPath + QStringLiteral("/optional-client-scopes/")
                                             + segment(idByName.value(scope)));
                            steps << [&job, url](Next next) {
                                job.call("DELETE", url,
                                         [next](const KeycloakResponse &) { next(); });
                            };
                        }
                        runSteps(job, steps, done);
                    });
            });
    });
}

// Reads the app with its optional scopes and finishes the job with it.
void finishWithApp(KeycloakJob &job, const QString &clientUuid, const QString &secret)
{
    const QString clientPath = QStringLiteral("/clients/") + segment(clientUuid);
    job.call("GET", adminUrl(job, clientPath),
             [&job, clientPath, secret](const KeycloakResponse &response) {
                 QJsonObject representation;
                 if (!job.readObject(response, &representation))
                     return;
                 auto app = SmartApp::fromRepresentation(representation);
                 if (!app) {
                     job.fail(app.error().code, app.error().message);
                     return;
                 }
                 job.call("GET",
                          adminUrl(job, clientPath + QStringLiteral("/optional-client-scopes")),
                          [&job, app = app.value(),
                           secret](const KeycloakResponse &scopesResponse) mutable {
                              QJsonArray scopes;
                              if (!job.readArray(scopesResponse, &scopes))
                                  return;
                              app.scopes = namesOf(scopes);
                              app.scopes.sort();
                              app.secret = secret;
                              job.succeed(QVariant::fromValue(app));
                          });
             });
}

void finishWithUser(KeycloakJob &job, const QString &userId)
{
    job.call("GET", adminUrl(job, QStringLiteral("/users/") + segment(userId)),
             [&job](const KeycloakResponse &response) {
                 succeedWithObject<KeycloakUser>(job, response);
             });
}

// Finds the user, lets `change` edit it, saves and finishes with the result.
void modifyUser(KeycloakJob &job, const QString &username,
                std::function<void(KeycloakUser &user)> change)
{
    findUser(job, username, [&job, change](QJsonObject representation) {
        auto user = KeycloakUser::fromRepresentation(representation);
        if (!user) {
            job.fail(user.error().code, user.error().message);
            return;
        }
        KeycloakUser changed = user.value();
        change(changed);
        if (const auto invalid = changed.validate()) {
            job.fail(invalid->code, invalid->message);
            return;
        }
        changed.applyTo(representation);
        const QString id = changed.id;
        job.call("PUT", adminUrl(job, QStringLiteral("/users/") + segment(id)), representation,
                 [&job, id](const KeycloakResponse &) { finishWithUser(job, id); });
    });
}

void ensureCatalogue(KeycloakJob &job, std::shared_ptr<SetupReport> report, Next done)
{
    readClientScopes(job, [&job, report, done](QHash<QString, QString> idByName) {
        QList<Step> steps;
        for (const QString &scope : SmartScopeCatalogue::scopes()) {
            const QString what = QStringLiteral("client scope '%1'").arg(scope);
            if (idByName.contains(scope)) {
                report->items.append({what, false});
                continue;
            }
            steps << [&job, report, scope, what](Next next) {
                job.call("POST", adminUrl(job, QStringLiteral("/client-scopes")),
                         SmartScopeCatalogue::clientScopeRepresentation(scope),
                         [report, what, next](const KeycloakResponse &) {
                             report->items.append({what, true});
                             next();
                         });
            };
        }
        // The fhirUser scope must carry the mapper that puts fhirUser in tokens.
        steps << [&job, report](Next next) {
            readClientScopes(job, [&job, report, next](QHash<QString, QString> ids) {
                const QString mappersPath = QStringLiteral("/client-scopes/")
                    + segment(ids.value(QStringLiteral("fhirUser")))
                    + QStringLiteral("/protocol-mappers/models");
                job.call("GET", adminUrl(job, mappersPath),
                         [&job, report, next, mappersPath](const KeycloakResponse &response) {
                             QJsonArray mappers;
                             if (!job.readArray(response, &mappers))
                                 return;
                             const QString what = QStringLiteral("fhirUser mapper");
                             for (const QJsonValue &mapper : mappers) {
                                 const QJsonObject object = mapper.toObject();
                                 if (object.value(u"protocolMapper").toString()
                                         == u"oidc-usermodel-attribute-mapper"
                                     && object.value(u"config")
                                             .toObject()
                                             .value(u"user.attribute")
                                             .toString()
                                         == u"fhirUser") {
                                     report->items.append({what, false});
                                     next();
                                     return;
                                 }
                             }
                             job.call("POST", adminUrl(job, mappersPath),
                                      SmartScopeCatalogue::fhirUserMapper(),
                                      [report, what, next](const KeycloakResponse &) {
                                          report->items.append({what, true});
                                          next();
                                      });
                         });
            });
        };
        runSteps(job, steps, done);
    });
}

} // namespace

int SetupReport::createdCount() const
{
    int count = 0;
    for (const Item &item : items)
        count += item.created ? 1 : 0;
    return count;
}

KeycloakAdmin::KeycloakAdmin(KeycloakSession *session)
    : m_session(session)
{ }

bool KeycloakAdmin::isBuiltInClient(const QString &clientId, const QString &realm)
{
    static const QStringList builtIn {
        QStringLiteral("account"),          QStringLiteral("account-console"),
        QStringLiteral("admin-cli"),        QStringLiteral("broker"),
        QStringLiteral("realm-management"), QStringLiteral("security-admin-console"),
    };
    return builtIn.contains(clientId)
        || (realm == u"master" && clientId.endsWith(QStringLiteral("-realm")));
}

KeycloakAdmin::Job KeycloakAdmin::makeJob(const QString &operation, KeycloakJob::Body body)
{
    return std::make_unique<KeycloakJob>(m_session, operation, std::move(body));
}

// --- Apps -------------------------------------------------------------------

KeycloakAdmin::Job KeycloakAdmin::listApps()
{
    return makeJob(QStringLiteral("listing apps"), [](KeycloakJob &job) {
        job.call("GET", adminUrl(job, QStringLiteral("/clients")),
                 [&job](const KeycloakResponse &response) {
                     const QString realm = job.session()->realm();
                     succeedWithList<SmartApp>(job, response, [&realm](const SmartApp &app) {
                         return !isBuiltInClient(app.clientId, realm);
                     });
                 });
    });
}

KeycloakAdmin::Job KeycloakAdmin::app(const QString &clientId)
{
    return makeJob(QStringLiteral("reading app '%1'").arg(clientId), [clientId](KeycloakJob &job) {
        findClient(job, clientId, [&job](const QJsonObject &representation) {
            finishWithApp(job, representation.value(u"id").toString(), {});
        });
    });
}

KeycloakAdmin::Job KeycloakAdmin::registerApp(const SmartApp &app)
{
    return makeJob(
        QStringLiteral("registering app '%1'").arg(app.clientId), [app](KeycloakJob &job) {
            if (const auto invalid = app.validate()) {
                job.fail(invalid->code, invalid->message);
                return;
            }
            job.call(
                "POST", adminUrl(job, QStringLiteral("/clients")), app.toRepresentation(),
                [&job, app](const KeycloakResponse &response) {
                    const QString id = response.createdId();
                    if (id.isEmpty()) {
                        job.fail(
                            QStringLiteral("malformed_response"),
                            QStringLiteral("Keycloak created the client but did not say where"));
                        return;
                    }
                    const QString clientPath = QStringLiteral("/clients/") + segment(id);
                    job.addUndo({"DELETE", adminUrl(job, clientPath),
                                 QStringLiteral("the client '%1'").arg(app.clientId)});
                    qCInfo(lcKeycloak).noquote() << "created client" << app.clientId;
                    syncOptionalScopes(job, id, app.scopes, [&job, app, id, clientPath] {
                        if (app.type != SmartApp::Type::Confidential) {
                            finishWithApp(job, id, {});
                            return;
                        }
                        job.call("GET",
                                 adminUrl(job, clientPath + QStringLiteral("/client-secret")),
                                 [&job, id](const KeycloakResponse &secretResponse) {
                                     QJsonObject credential;
                                     if (!job.readObject(secretResponse, &credential))
                                         return;
                                     const QString secret = credential.value(u"value").toString();
                                     if (secret.isEmpty()) {
                                         job.fail(QStringLiteral("malformed_response"),
                                                  QStringLiteral(
                                                      "Keycloak gave the new client no secret"));
                                         return;
                                     }
                                     finishWithApp(job, id, secret);
                                 });
                    });
                });
        });
}

KeycloakAdmin::Job KeycloakAdmin::updateApp(const SmartApp &app)
{
    return makeJob(QStringLiteral("updating app '%1'").arg(app.clientId), [app](KeycloakJob &job) {
        if (const auto invalid = app.validate()) {
            job.fail(invalid->code, invalid->message);
            return;
        }
        findClient(job, app.clientId, [&job, app](QJsonObject representation) {
            const QString id = representation.value(u"id").toString();
            const QUrl url = adminUrl(job, QStringLiteral("/clients/") + segment(id));
            QJsonObject restore = representation;
            app.applyTo(representation);
            // Keycloak merges attributes on update: to put the client back,
            // the attributes this update adds are set back to empty.
            QJsonObject restoredAttributes = restore.value(u"attributes").toObject();
            const QJsonObject newAttributes = representation.value(u"attributes").toObject();
            for (auto it = newAttributes.begin(); it != newAttributes.end(); ++it) {
                if (!restoredAttributes.contains(it.key()))
                    restoredAttributes.insert(it.key(), QString());
            }
            restore.insert(u"attributes", restoredAttributes);
            const QByteArray previous = compact(restore);
            job.call("PUT", url, representation,
                     [&job, app, id, url, previous](const KeycloakResponse &) {
                         // Should the scopes fail to change, the client is put back as it was.
                         job.addUndo({"PUT", url,
                                      QStringLiteral("the changes to '%1'").arg(app.clientId),
                                      previous});
                         syncOptionalScopes(job, id, app.scopes,
                                            [&job, id] { finishWithApp(job, id, {}); });
                     });
        });
    });
}

KeycloakAdmin::Job KeycloakAdmin::deleteApp(const QString &clientId)
{
    return makeJob(QStringLiteral("deleting app '%1'").arg(clientId), [clientId](KeycloakJob &job) {
        findClient(job, clientId, [&job](const QJsonObject &representation) {
            job.call("DELETE",
                     adminUrl(job,
                              QStringLiteral("/clients/")
                                  + segment(representation.value(u"id").toString())),
                     [&job](const KeycloakResponse &) { job.succeed(); });
        });
    });
}

KeycloakAdmin::Job KeycloakAdmin::rotateSecret(const QString &clientId)
{
    return makeJob(
        QStringLiteral("rotating the secret of app '%1'").arg(clientId),
        [clientId](KeycloakJob &job) {
            findClient(job, clientId, [&job, clientId](const QJsonObject &representation) {
                auto app = SmartApp::fromRepresentation(representation);
                if (!app) {
                    job.fail(app.error().code, app.error().message);
                    return;
                }
                if (app->type != SmartApp::Type::Confidential) {
                    job.fail(QStringLiteral("invalid_argument"),
                             QStringLiteral("'%1' is a %2 app and has no client secret")
                                 .arg(clientId, SmartApp::typeName(app->type)));
                    return;
                }
                job.call("POST",
                         adminUrl(job,
                                  QStringLiteral("/clients/") + segment(app->id)
                                      + QStringLiteral("/client-secret")),
                         QJsonObject(), [&job](const KeycloakResponse &response) {
                             QJsonObject credential;
                             if (!job.readObject(response, &credential))
                                 return;
                             const QString secret = credential.value(u"value").toString();
                             if (secret.isEmpty()) {
                                 job.fail(QStringLiteral("malformed_response"),
                                          QStringLiteral("Keycloak's answer has no new secret"));
                                 return;
                             }
                             job.succeed(secret);
                         });
            });
        });
}

// --- Scopes -------------------------------------------------------------------

KeycloakAdmin::Job KeycloakAdmin::listScopes()
{
    return makeJob(QStringLiteral("listing client scopes"), [](KeycloakJob &job) {
        readClientScopes(job, [&job](const QHash<QString, QString> &idByName) {
            QStringList names = idByName.keys();
            names.sort();
            job.succeed(names);
        });
    });
}

KeycloakAdmin::Job KeycloakAdmin::ensureScopeCatalogue()
{
    return makeJob(QStringLiteral("adding the SMART scope catalogue"), [](KeycloakJob &job) {
        auto report = std::make_shared<SetupReport>();
        ensureCatalogue(job, report, [&job, report] { job.succeed(QVariant::fromValue(*report)); });
    });
}

// --- Users --------------------------------------------------------------------

KeycloakAdmin::Job KeycloakAdmin::searchUsers(const QString &query, int max)
{
    return makeJob(QStringLiteral("searching users"), [query, max](KeycloakJob &job) {
        QList<std::pair<QString, QString>> items {
            {QStringLiteral("max"), QString::number(max)},
            {QStringLiteral("briefRepresentation"), QStringLiteral("false")}};
        if (!query.isEmpty())
            items.append({QStringLiteral("search"), query});
        job.call("GET", withQuery(adminUrl(job, QStringLiteral("/users")), items),
                 [&job](const KeycloakResponse &response) {
                     succeedWithList<KeycloakUser>(job, response);
                 });
    });
}

KeycloakAdmin::Job KeycloakAdmin::user(const QString &username)
{
    return makeJob(QStringLiteral("reading user '%1'").arg(username), [username](KeycloakJob &job) {
        findUser(job, username, [&job](const QJsonObject &representation) {
            auto user = KeycloakUser::fromRepresentation(representation);
            if (!user) {
                job.fail(user.error().code, user.error().message);
                return;
            }
            job.succeed(QVariant::fromValue(user.value()));
        });
    });
}

KeycloakAdmin::Job KeycloakAdmin::createUser(const KeycloakUser &user, const QString &password,
                                             bool temporaryPassword)
{
    return makeJob(
        QStringLiteral("creating user '%1'").arg(user.username),
        [user, password, temporaryPassword](KeycloakJob &job) {
            if (const auto invalid = user.validate()) {
                job.fail(invalid->code, invalid->message);
                return;
            }
            QJsonObject representation;
            user.applyTo(representation);
            job.call(
                "POST", adminUrl(job, QStringLiteral("/users")), representation,
                [&job, user, password, temporaryPassword](const KeycloakResponse &response) {
                    const QString id = response.createdId();
                    if (id.isEmpty()) {
                        job.fail(QStringLiteral("malformed_response"),
                                 QStringLiteral("Keycloak created the user but did not say where"));
                        return;
                    }
                    const QString userPath = QStringLiteral("/users/") + segment(id);
                    job.addUndo({"DELETE", adminUrl(job, userPath),
                                 QStringLiteral("the user '%1'").arg(user.username)});
                    if (password.isEmpty()) {
                        finishWithUser(job, id);
                        return;
                    }
                    const QJsonObject credential {
                        {QStringLiteral("type"), QStringLiteral("password")},
                        {QStringLiteral("value"), password},
                        {QStringLiteral("temporary"), temporaryPassword}};
                    job.call("PUT", adminUrl(job, userPath + QStringLiteral("/reset-password")),
                             credential,
                             [&job, id](const KeycloakResponse &) { finishWithUser(job, id); });
                });
        });
}

KeycloakAdmin::Job KeycloakAdmin::updateUser(const KeycloakUser &user)
{
    return makeJob(QStringLiteral("updating user '%1'").arg(user.username),
                   [user](KeycloakJob &job) {
                       modifyUser(job, user.username, [user](KeycloakUser &stored) {
                           const QString id = stored.id;
                           stored = user;
                           stored.id = id;
                       });
                   });
}

KeycloakAdmin::Job KeycloakAdmin::setUserEnabled(const QString &username, bool enabled)
{
    return makeJob(
        QStringLiteral("%1 user '%2'")
            .arg(enabled ? QStringLiteral("enabling") : QStringLiteral("disabling"), username),
        [username, enabled](KeycloakJob &job) {
            modifyUser(job, username, [enabled](KeycloakUser &user) { user.enabled = enabled; });
        });
}

KeycloakAdmin::Job KeycloakAdmin::resetPassword(const QString &username, const QString &password,
                                                bool temporary)
{
    return makeJob(
        QStringLiteral("resetting the password of user '%1'").arg(username),
        [username, password, temporary](KeycloakJob &job) {
            if (password.isEmpty()) {
                job.fail(QStringLiteral("invalid_argument"),
                         QStringLiteral("the password is empty"));
                return;
            }
            findUser(job, username, [&job, password, temporary](const QJsonObject &representation) {
                const QJsonObject credential {{QStringLiteral("type"), QStringLiteral("password")},
                                              {QStringLiteral("value"), password},
                                              {QStringLiteral("temporary"), temporary}};
                job.call("PUT",
                         adminUrl(job,
                                  QStringLiteral("/users/")
                                      + segment(representation.value(u"id").toString())
                                      + QStringLiteral("/reset-password")),
                         credential, [&job](const KeycloakResponse &) { job.succeed(); });
            });
        });
}

KeycloakAdmin::Job KeycloakAdmin::setRequiredActions(const QString &username,
                                                     const QStringList &actions)
{
    return makeJob(QStringLiteral("setting the required actions of user '%1'").arg(username),
                   [username, actions](KeycloakJob &job) {
                       modifyUser(job, username, [actions](KeycloakUser &user) {
                           user.requiredActions = actions;
                       });
                   });
}

KeycloakAdmin::Job KeycloakAdmin::linkFhirUser(const QString &username, const QString &reference)
{
    return makeJob(
        QStringLiteral("linking user '%1' to %2").arg(username, reference),
        [username, reference](KeycloakJob &job) {
            if (!reference.isEmpty() && !KeycloakUser::isFhirUserReference(reference)) {
                job.fail(QStringLiteral("invalid_argument"),
                         QStringLiteral("\"%1\" is not a Patient, Practitioner, RelatedPerson or "
                                        "Person reference such as Patient/123")
                             .arg(reference));
                return;
            }
            modifyUser(job, username,
                       [reference](KeycloakUser &user) { user.fhirUser = reference; });
        });
}

KeycloakAdmin::Job KeycloakAdmin::deleteUser(const QString &username)
{
    return makeJob(QStringLiteral("deleting user '%1'").arg(username),
                   [username](KeycloakJob &job) {
                       findUser(job, username, [&job](const QJsonObject &representation) {
                           job.call("DELETE",
                                    adminUrl(job,
                                             QStringLiteral("/users/")
                                                 + segment(representation.value(u"id").toString())),
                                    [&job](const KeycloakResponse &) { job.succeed(); });
                       });
                   });
}

// --- Identity providers -----------------------------------------------------------

namespace {

QString providerPath(const QString &alias)
{
    return QStringLiteral("/identity-provider/instances/") + segment(alias);
}

} // namespace

KeycloakAdmin::Job KeycloakAdmin::listIdentityProviders()
{
    return makeJob(QStringLiteral("listing identity providers"), [](KeycloakJob &job) {
        job.call("GET", adminUrl(job, QStringLiteral("/identity-provider/instances")),
                 [&job](const KeycloakResponse &response) {
                     succeedWithList<IdentityProvider>(job, response);
                 });
    });
}

KeycloakAdmin::Job KeycloakAdmin::identityProvider(const QString &alias)
{
    return makeJob(QStringLiteral("reading identity provider '%1'").arg(alias),
                   [alias](KeycloakJob &job) {
                       job.call("GET", adminUrl(job, providerPath(alias)),
                                [&job](const KeycloakResponse &response) {
                                    succeedWithObject<IdentityProvider>(job, response);
                                });
                   });
}

KeycloakAdmin::Job KeycloakAdmin::createIdentityProvider(const IdentityProvider &provider)
{
    return makeJob(QStringLiteral("adding identity provider '%1'").arg(provider.alias),
                   [provider](KeycloakJob &job) {
                       if (const auto invalid = provider.validate()) {
                           job.fail(invalid->code, invalid->message);
                           return;
                       }
                       QJsonObject representation;
                       provider.applyTo(representation);
                       job.call(
                           "POST", adminUrl(job, QStringLiteral("/identity-provider/instances")),
                           representation, [&job](const KeycloakResponse &) { job.succeed(); });
                   });
}

KeycloakAdmin::Job KeycloakAdmin::updateIdentityProvider(const IdentityProvider &provider)
{
    return makeJob(QStringLiteral("updating identity provider '%1'").arg(provider.alias),
                   [provider](KeycloakJob &job) {
                       if (const auto invalid = provider.validate()) {
                           job.fail(invalid->code, invalid->message);
                           return;
                       }
                       const QUrl url = adminUrl(job, providerPath(provider.alias));
                       job.call("GET", url,
                                [&job, url, provider](const KeycloakResponse &response) {
                                    QJsonObject representation;
                                    if (!job.readObject(response, &representation))
                                        return;
                                    provider.applyTo(representation);
                                    job.call("PUT", url, representation,
                                             [&job](const KeycloakResponse &) { job.succeed(); });
                                });
                   });
}

KeycloakAdmin::Job KeycloakAdmin::deleteIdentityProvider(const QString &alias)
{
    return makeJob(QStringLiteral("removing identity provider '%1'").arg(alias),
                   [alias](KeycloakJob &job) {
                       job.call("DELETE", adminUrl(job, providerPath(alias)),
                                [&job](const KeycloakResponse &) { job.succeed(); });
                   });
}

KeycloakAdmin::Job KeycloakAdmin::listIdentityProviderMappers(const QString &alias)
{
    return makeJob(QStringLiteral("listing the mappers of identity provider '%1'").arg(alias),
                   [alias](KeycloakJob &job) {
                       job.call("GET",
                                adminUrl(job, providerPath(alias) + QStringLiteral("/mappers")),
                                [&job](const KeycloakResponse &response) {
                                    succeedWithList<IdentityProviderMapper>(job, response);
                                });
                   });
}

KeycloakAdmin::Job KeycloakAdmin::addIdentityProviderMapper(const IdentityProviderMapper &mapper)
{
    return makeJob(
        QStringLiteral("adding mapper '%1' to identity provider '%2'")
            .arg(mapper.name, mapper.identityProviderAlias),
        [mapper](KeycloakJob &job) {
            if (mapper.name.isEmpty() || mapper.mapperType.isEmpty()) {
                job.fail(QStringLiteral("invalid_argument"),
                         QStringLiteral("a mapper needs a name and a mapper type"));
                return;
            }
            const QString mappersPath =
                providerPath(mapper.identityProviderAlias) + QStringLiteral("/mappers");
            IdentityProviderMapper toCreate = mapper;
            toCreate.id.clear();
            job.call("POST", adminUrl(job, mappersPath), toCreate.toRepresentation(),
                     [&job, mappersPath](const KeycloakResponse &response) {
                         const QString id = response.createdId();
                         if (id.isEmpty()) {
                             job.fail(QStringLiteral("malformed_response"),
                                      QStringLiteral(
                                          "Keycloak created the mapper but did not say where"));
                             return;
                         }
                         job.call("GET", adminUrl(job, mappersPath + u'/' + segment(id)),
                                  [&job](const KeycloakResponse &created) {
                                      QJsonObject representation;
                                      if (!job.readObject(created, &representation))
                                          return;
                                      auto parsed = IdentityProviderMapper::fromRepresentation(
                                          representation);
                                      if (!parsed) {
                                          job.fail(parsed.error().code, parsed.error().message);
                                          return;
                                      }
                                      job.succeed(QVariant::fromValue(parsed.value()));
                                  });
                     });
        });
}

KeycloakAdmin::Job KeycloakAdmin::deleteIdentityProviderMapper(const QString &alias,
                                                               const QString &mapperId)
{
    return makeJob(QStringLiteral("removing a mapper of identity provider '%1'").arg(alias),
                   [alias, mapperId](KeycloakJob &job) {
                       job.call("DELETE",
                                adminUrl(job,
                                         providerPath(alias) + QStringLiteral("/mappers/")
                                             + segment(mapperId)),
                                [&job](const KeycloakResponse &) { job.succeed(); });
                   });
}

// --- Realm ------------------------------------------------------------------------

KeycloakAdmin::Job KeycloakAdmin::tokenSettings()
{
    return makeJob(QStringLiteral("reading the realm's token settings"), [](KeycloakJob &job) {
        job.call("GET", adminUrl(job, {}), [&job](const KeycloakResponse &response) {
            succeedWithObject<RealmTokenSettings>(job, response);
        });
    });
}

KeycloakAdmin::Job KeycloakAdmin::setTokenSettings(const RealmTokenSettings &settings)
{
    return makeJob(QStringLiteral("changing the realm's token settings"),
                   [settings](KeycloakJob &job) {
                       if (const auto invalid = settings.validate()) {
                           job.fail(invalid->code, invalid->message);
                           return;
                       }
                       job.call("PUT", adminUrl(job, {}), settings.toRepresentation(),
                                [&job](const KeycloakResponse &) { job.succeed(); });
                   });
}

KeycloakAdmin::Job KeycloakAdmin::setupRealm(const SetupOptions &options)
{
    return makeJob(
        QStringLiteral("setting up realm '%1' for SMART").arg(m_session->realm()),
        [options](KeycloakJob &job) {
            auto report = std::make_shared<SetupReport>();
            auto gatewayId = std::make_shared<QString>();
            QList<Step> steps;
            // 1. The realm itself.
            steps << [&job, report, options](Next next) {
                job.request("GET", adminUrl(job, {}), {},
                            [&job, report, options, next](const KeycloakResponse &response) {
                                const QString what =
                                    QStringLiteral("realm '%1'").arg(job.session()->realm());
                                if (response.ok()) {
                                    report->items.append({what, false});
                                    next();
                                    return;
                                }
                                if (response.status != 404 || !options.createRealm) {
                                    job.failFromResponse(response);
                                    return;
                                }
                                const QJsonObject realm {
                                    {QStringLiteral("realm"), job.session()->realm()},
                                    {QStringLiteral("enabled"), true}};
                                job.call("POST", job.session()->realmsAdminUrl(), realm,
                                         [report, what, next](const KeycloakResponse &) {
                                             report->items.append({what, true});
                                             next();
                                         });
                            });
            };
            // 2. The user profile must declare fhirUser, or Keycloak drops it.
            steps << [&job, report](Next next) {
                const QUrl url = adminUrl(job, QStringLiteral("/users/profile"));
                job.call("GET", url, [&job, report, next, url](const KeycloakResponse &response) {
                    QJsonObject profile;
                    if (!job.readObject(response, &profile))
                        return;
                    const QString what = QStringLiteral("user profile attribute 'fhirUser'");
                    QJsonArray attributes = profile.value(u"attributes").toArray();
                    for (const QJsonValue &attribute : attributes) {
                        if (attribute.toObject().value(u"name").toString() == u"fhirUser") {
                            report->items.append({what, false});
                            next();
                            return;
                        }
                    }
                    attributes.append(SmartScopeCatalogue::fhirUserProfileAttribute());
                    profile.insert(u"attributes", attributes);
                    job.call("PUT", url, profile, [report, what, next](const KeycloakResponse &) {
                        report->items.append({what, true});
                        next();
                    });
                });
            };
            // 3. The scope catalogue and the fhirUser mapper.
            steps << [&job, report](Next next) {
                ensureCatalogue(job, report, next);
            };
            // 4. The gateway's own client.
            steps << [&job, report, options, gatewayId](Next next) {
                const QUrl url = withQuery(adminUrl(job, QStringLiteral("/clients")),
                                           {{QStringLiteral("clientId"), options.gatewayClientId}});
                job.call(
                    "GET", url,
                    [&job, report, options, gatewayId, next](const KeycloakResponse &response) {
                        QJsonArray clients;
                        if (!job.readArray(response, &clients))
                            return;
                        const QString what =
                            QStringLiteral("gateway client '%1'").arg(options.gatewayClientId);
                        for (const QJsonValue &client : clients) {
                            if (client.toObject().value(u"clientId").toString()
                                == options.gatewayClientId) {
                                *gatewayId = client.toObject().value(u"id").toString();
                                report->items.append({what, false});
                                next();
                                return;
                            }
                        }
                        const QJsonObject representation {
                            {QStringLiteral("clientId"), options.gatewayClientId},
                            {QStringLiteral("name"), QStringLiteral("Proxy Smart gateway")},
                            {QStringLiteral("protocol"), QStringLiteral("openid-connect")},
                            {QStringLiteral("publicClient"), false},
                            {QStringLiteral("clientAuthenticatorType"),
                             QStringLiteral("client-secret")},
                            {QStringLiteral("standardFlowEnabled"), true},
                            {QStringLiteral("directAccessGrantsEnabled"), false},
                            {QStringLiteral("implicitFlowEnabled"), false},
                            {QStringLiteral("serviceAccountsEnabled"), true},
                            {QStringLiteral("redirectUris"),
                             QJsonArray::fromStringList(options.gatewayRedirectUris)},
                            {QStringLiteral("attributes"),
                             QJsonObject {{QStringLiteral("pkce.code.challenge.method"),
                                           QStringLiteral("S256")}}},
                        };
                        job.call(
                            "POST", adminUrl(job, QStringLiteral("/clients")), representation,
                            [&job, report, what, gatewayId, next](const KeycloakResponse &created) {
                                *gatewayId = created.createdId();
                                job.call("GET",
                                         adminUrl(job,
                                                  QStringLiteral("/clients/") + segment(*gatewayId)
                                                      + QStringLiteral("/client-secret")),
                                         [&job, report, what,
                                          next](const KeycloakResponse &secretResponse) {
                                             QJsonObject credential;
                                             if (!job.readObject(secretResponse, &credential))
                                                 return;
                                             report->gatewaySecret =
                                                 credential.value(u"value").toString();
                                             report->items.append({what, true});
                                             next();
                                         });
                            });
                    });
            };
            // 5. The SMART scopes the gateway may request for the apps it fronts.
            steps << [&job, report, gatewayId](Next next) {
                readClientScopes(
                    job, [&job, report, gatewayId, next](QHash<QString, QString> idByName) {
                        const QString clientPath =
                            QStringLiteral("/clients/") + segment(*gatewayId);
                        job.call(
                            "GET",
                            adminUrl(job, clientPath + QStringLiteral("/optional-client-scopes")),
                            [&job, report, idByName, clientPath,
                             next](const KeycloakResponse &response) {
                                QJsonArray current;
                                if (!job.readArray(response, &current))
                                    return;
                                const QStringList have = namesOf(current);
                                QStringList wanted = SmartScopeCatalogue::userScopes();
                                wanted << QStringLiteral("offline_access");
                                QList<Step> adds;
                                for (const QString &scope : wanted) {
                                    if (have.contains(scope) || !idByName.contains(scope))
                                        continue;
                                    const QUrl url = adminUrl(
                                        job,
                                        clientPath + QStringLiteral("/optional-client-scopes/")
                                            + segment(idByName.value(scope)));
                                    adds << [&job, url](Next added) {
                                        job.call("PUT", url,
                                                 [added](const KeycloakResponse &) { added(); });
                                    };
                                }
                                const int count = static_cast<int>(adds.size());
                                runSteps(job, adds, [report, count, next] {
                                    report->items.append(
                                        {count > 0
                                             ? QStringLiteral(
                                                   "%1 SMART scopes offered to the gateway client")
                                                   .arg(count)
                                             : QStringLiteral("SMART scopes of the gateway client"),
                                         count > 0});
                                    next();
                                });
                            });
                    });
            };
            // 6. Just the roles the gateway needs to read the client registry.
            steps << [&job, report, gatewayId](Next next) {
                job.call(
                    "GET",
                    adminUrl(job,
                             QStringLiteral("/clients/") + segment(*gatewayId)
                                 + QStringLiteral("/service-account-user")),
                    [&job, report, next](const KeycloakResponse &response) {
                        QJsonObject serviceAccount;
                        if (!job.readObject(response, &serviceAccount))
                            return;
                        const QString userId = serviceAccount.value(u"id").toString();
                        findClient(
                            job, QStringLiteral("realm-management"),
                            [&job, report, next, userId](const QJsonObject &realmManagement) {
                                const QString managementId =
                                    realmManagement.value(u"id").toString();
                                const QUrl mappingsUrl =
                                    adminUrl(job,
                                             QStringLiteral("/users/") + segment(userId)
                                                 + QStringLiteral("/role-mappings/clients/")
                                                 + segment(managementId));
                                job.call(
                                    "GET", mappingsUrl,
                                    [&job, report, next, managementId,
                                     mappingsUrl](const KeycloakResponse &mapped) {
                                        QJsonArray roles;
                                        if (!job.readArray(mapped, &roles))
                                            return;
                                        const QStringList have = namesOf(roles);
                                        QList<Step> adds;
                                        for (const QString &role :
                                             {QStringLiteral("view-clients"),
                                              QStringLiteral("query-clients")}) {
                                            const QString what =
                                                QStringLiteral("gateway role '%1'").arg(role);
                                            if (have.contains(role)) {
                                                report->items.append({what, false});
                                                continue;
                                            }
                                            adds << [&job, report, what, role, managementId,
                                                     mappingsUrl](Next added) {
                                                job.call(
                                                    "GET",
                                                    adminUrl(job,
                                                             QStringLiteral("/clients/")
                                                                 + segment(managementId)
                                                                 + QStringLiteral("/roles/")
                                                                 + segment(role)),
                                                    [&job, report, what, mappingsUrl,
                                                     added](const KeycloakResponse &roleResponse) {
                                                        QJsonObject roleRepresentation;
                                                        if (!job.readObject(roleResponse,
                                                                            &roleRepresentation))
                                                            return;
                                                        job.call(
                                                            "POST", mappingsUrl,
                                                            QJsonArray {roleRepresentation},
                                                            [report, what,
                                                             added](const KeycloakResponse &) {
                                                                report->items.append({what, true});
                                                                added();
                                                            });
                                                    });
                                            };
                                        }
                                        runSteps(job, adds, next);
                                    });
                            });
                    });
            };
            runSteps(job, steps, [&job, report] {
                qCInfo(lcKeycloak).noquote()
                    << "realm" << job.session()->realm()
                    << "set up for SMART:" << report->createdCount() << "items created";
                job.succeed(QVariant::fromValue(*report));
            });
        });
}

} // namespace ProxySmart
