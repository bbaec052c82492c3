#include "jose/Base64Url.h"

#include <QTest>

using namespace ProxySmart::Jose;

class TestBase64Url : public QObject
{
    Q_OBJECT

private slots:
    void decodes_data();
    void decodes();
    void roundTripsEveryLength();
};

void TestBase64Url::decodes_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("bytes");

    QTest::newRow("empty text is empty bytes") << QByteArray() << true << QByteArray();
    QTest::newRow("two characters make one byte") << QByteArray("QQ") << true << QByteArray("A");
    QTest::newRow("url alphabet - and _ decode")
        << QByteArray("-_8") << true << QByteArray::fromHex("fbff");
    QTest::newRow("padding is refused") << QByteArray("QQ==") << false << QByteArray();
    QTest::newRow("standard alphabet + is refused") << QByteArray("+/8") << false << QByteArray();
    QTest::newRow("a space is refused") << QByteArray("QQ Q") << false << QByteArray();
    QTest::newRow("a newline is refused") << QByteArray("QUJD\n") << false << QByteArray();
    QTest::newRow("a length of 4n+1 is refused") << QByteArray("QUJDR") << false << QByteArray();
    QTest::newRow("non-zero unused bits after one byte are refused")
        << QByteArray("QR") << false << QByteArray();
    QTest::newRow("non-zero unused bits after two bytes are refused")
        << QByteArray("QUJ") << false << QByteArray();
    QTest::newRow("zero unused bits after two bytes decode")
        << QByteArray("QUI") << true << QByteArray("AB");
    QTest::newRow("a NUL byte is refused") << QByteArray("QQ\0A", 4) << false << QByteArray();
    QTest::newRow("a non-ASCII byte is refused")
        << QByteArray("QQ\xc3\xa9") << false << QByteArray();
}

void TestBase64Url::decodes()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QFETCH(QByteArray, bytes);
    const auto decoded = Base64Url::decode(text);
    QCOMPARE(decoded.has_value(), valid);
    if (valid)
        QCOMPARE(*decoded, bytes);
}

void TestBase64Url::roundTripsEveryLength()
{
    QByteArray data;
    for (int length = 0; length < 70; ++length) {
        const QByteArray text = Base64Url::encode(data);
        QVERIFY(!text.contains('='));
        const auto decoded = Base64Url::decode(text);
        QVERIFY(decoded.has_value());
        QCOMPARE(*decoded, data);
        data.append(char(length * 37 + 11));
    }
}

QTEST_GUILESS_MAIN(TestBase64Url)
#include "tst_base64url.moc"
