// The SMART scope catalogue offered as Keycloak client scopes.
#include "keycloak/SmartScopeCatalogue.h"

#include <QJsonArray>
#include <QSet>
#include <QTest>

using namespace ProxySmart;

class TestSmartScopeCatalogue : public QObject
{
    Q_OBJECT

private slots:
    void containsScope_data();
    void containsScope();
    void hasNoDuplicates();
    void systemScopesAreOnlyForBackendServices();
    void fhirUserScopeCarriesTheMapper();
};

void TestSmartScopeCatalogue::containsScope_data()
{
    QTest::addColumn<QString>("scope");
    QTest::addColumn<bool>("expected");
    QTest::newRow("the EHR launch scope") << "launch" << true;
    QTest::newRow("standalone patient context") << "launch/patient" << true;
    QTest::newRow("identity: fhirUser") << "fhirUser" << true;
    QTest::newRow("v1 patient wildcard read") << "patient/*.read" << true;
    QTest::newRow("v2 user wildcard read and search") << "user/*.rs" << true;
    QTest::newRow("v2 system everything") << "system/*.cruds" << true;
    QTest::newRow("v2 per-type Observation for patients") << "patient/Observation.rs" << true;
    QTest::newRow("v1 per-type Condition for users") << "user/Condition.read" << true;
    QTest::newRow("Keycloak's own openid is not ours") << "openid" << false;
    QTest::newRow("an unknown resource type") << "patient/Spaceship.rs" << false;
}

void TestSmartScopeCatalogue::containsScope()
{
    QFETCH(QString, scope);
    QFETCH(bool, expected);
    QCOMPARE(SmartScopeCatalogue::contains(scope), expected);
}

void TestSmartScopeCatalogue::hasNoDuplicates()
{
    const QStringList scopes = SmartScopeCatalogue::scopes();
    QCOMPARE(QSet<QString>(scopes.begin(), scopes.end()).size(), scopes.size());
    QCOMPARE(SmartScopeCatalogue::userScopes().size() + SmartScopeCatalogue::systemScopes().size(),
             scopes.size());
}

void TestSmartScopeCatalogue::systemScopesAreOnlyForBackendServices()
{
    for (const QString &scope : SmartScopeCatalogue::userScopes())
        QVERIFY2(!scope.startsWith(u"system/"), qPrintable(scope));
    for (const QString &scope : SmartScopeCatalogue::systemScopes())
        QVERIFY2(scope.startsWith(u"system/"), qPrintable(scope));
}

void TestSmartScopeCatalogue::fhirUserScopeCarriesTheMapper()
{
    const QJsonObject scope =
        SmartScopeCatalogue::clientScopeRepresentation(QStringLiteral("fhirUser"));
    const QJsonArray mappers = scope.value(u"protocolMappers").toArray();
    QCOMPARE(mappers.size(), 1);
    const QJsonObject config = mappers.first().toObject().value(u"config").toObject();
    QCOMPARE(config.value(u"user.attribute").toString(), QStringLiteral("fhirUser"));
    QCOMPARE(config.value(u"claim.name").toString(), QStringLiteral("fhirUser"));
    QCOMPARE(config.value(u"id.token.claim").toString(), QStringLiteral("true"));
    QVERIFY(!SmartScopeCatalogue::clientScopeRepresentation(QStringLiteral("launch"))
                 .contains(u"protocolMappers"));
}

QTEST_GUILESS_MAIN(TestSmartScopeCatalogue)
#include "tst_smartscopecatalogue.moc"
