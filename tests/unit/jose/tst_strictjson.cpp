#include "jose/StrictJson.h"

#include <QTest>

using namespace ProxySmart::Jose;

class TestStrictJson : public QObject
{
    Q_OBJECT

private slots:
    void parses_data();
    void parses();
};

void TestStrictJson::parses_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("code"); // empty: accepted

    QTest::newRow("a plain object is accepted")
        << QByteArray("{\"a\":1,\"b\":[true,null,\"x\"]}") << QString();
    QTest::newRow("whitespace around the object is accepted")
        << QByteArray(" \r\n{ \"a\" : 1 }\t") << QString();
    QTest::newRow("escapes and a surrogate pair are accepted")
        << QByteArray("{\"a\":\"\\n\\u00e9\\ud83d\\ude00\\/\"}") << QString();
    QTest::newRow("UTF-8 text is accepted")
        << QByteArray("{\"n\":\"\xc3\xa9\xe2\x80\x99\xf0\x9f\x98\x80\"}") << QString();
    QTest::newRow("numbers in every form are accepted")
        << QByteArray("{\"a\":[-0,1.5,2e10,3E-2,0.0]}") << QString();
    QTest::newRow("the same name in sibling objects is fine")
        << QByteArray("{\"a\":{\"x\":1},\"b\":{\"x\":2}}") << QString();
    QTest::newRow("a duplicate name is refused")
        << QByteArray("{\"a\":1,\"a\":1}") << "t.duplicate_key";
    QTest::newRow("a duplicate name spelt with an escape is refused")
        << QByteArray("{\"ab\":1,\"a\\u0062\":2}") << "t.duplicate_key";
    QTest::newRow("a duplicate name deep in an array is refused")
        << QByteArray("{\"a\":[{\"b\":{\"c\":1,\"c\":2}}]}") << "t.duplicate_key";
    QTest::newRow("an array at the top is refused") << QByteArray("[]") << "t.not_object";
    QTest::newRow("a string at the top is refused") << QByteArray("\"x\"") << "t.not_object";
    QTest::newRow("trailing data is refused") << QByteArray("{}x") << "t.invalid_json";
    QTest::newRow("a trailing comma is refused") << QByteArray("{\"a\":1,}") << "t.invalid_json";
    QTest::newRow("single quotes are refused") << QByteArray("{'a':1}") << "t.invalid_json";
    QTest::newRow("a leading zero is refused") << QByteArray("{\"a\":01}") << "t.invalid_json";
    QTest::newRow("a bare decimal point is refused")
        << QByteArray("{\"a\":1.}") << "t.invalid_json";
    QTest::newRow("NaN is refused") << QByteArray("{\"a\":NaN}") << "t.invalid_json";
    QTest::newRow("a raw tab in a string is refused")
        << QByteArray("{\"a\":\"x\ty\"}") << "t.invalid_json";
    QTest::newRow("a lone low surrogate is refused")
        << QByteArray("{\"a\":\"\\udc00\"}") << "t.invalid_json";
    QTest::newRow("a high surrogate without its pair is refused")
        << QByteArray("{\"a\":\"\\ud800x\"}") << "t.invalid_json";
    QTest::newRow("an unknown escape is refused")
        << QByteArray("{\"a\":\"\\x41\"}") << "t.invalid_json";
    QTest::newRow("invalid UTF-8 is refused") << QByteArray("{\"a\":\"\xfe\"}") << "t.invalid_json";
    QTest::newRow("UTF-8 encoding a surrogate is refused")
        << QByteArray("{\"a\":\"\xed\xa0\x80\"}") << "t.invalid_json";
    QTest::newRow("truncated UTF-8 is refused")
        << QByteArray("{\"a\":\"\xe2\x80\"}") << "t.invalid_json";
    QTest::newRow("an unterminated object is refused")
        << QByteArray("{\"a\":1") << "t.invalid_json";
    QTest::newRow("empty text is refused") << QByteArray() << "t.invalid_json";
    QTest::newRow("33 levels of nesting are refused")
        << (QByteArray("{\"a\":") + QByteArray(32, '[') + QByteArray(32, ']') + "}")
        << "t.too_deep";
    QTest::newRow("32 levels of nesting are accepted")
        << (QByteArray("{\"a\":") + QByteArray(31, '[') + QByteArray(31, ']') + "}") << QString();
}

void TestStrictJson::parses()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, code);
    const auto result = StrictJson::parseObject(text, QStringLiteral("t"));
    if (code.isEmpty()) {
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    } else {
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, code);
    }
}

QTEST_GUILESS_MAIN(TestStrictJson)
#include "tst_strictjson.moc"
