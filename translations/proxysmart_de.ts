<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ProxySmart::Gateway</name>
    <message>
        <source>Cannot listen on %1:%2. Is another program using the port?</source>
        <translation>Kann nicht auf %1:%2 lauschen. Verwendet ein anderes Programm den Port?</translation>
    </message>
</context>
<context>
    <name>ProxySmart::Ui::MainWindow</name>
    <message>
        <source>Proxy Smart</source>
        <translation>Proxy Smart</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Seiten</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>&lt;h2&gt;Gateway&lt;/h2&gt;</source>
        <translation>&lt;h2&gt;Gateway&lt;/h2&gt;</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>Zustand:</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Angehalten</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>(not listening)</source>
        <translation>(lauscht nicht)</translation>
    </message>
    <message>
        <source>Stop gateway</source>
        <translation>Gateway anhalten</translation>
    </message>
    <message>
        <source>Start gateway</source>
        <translation>Gateway starten</translation>
    </message>
</context>
<context>
    <name>ProxySmart::Ui::TrayIcon</name>
    <message>
        <source>Open Proxy Smart</source>
        <translation>Proxy Smart öffnen</translation>
    </message>
    <message>
        <source>Start gateway</source>
        <translation>Gateway starten</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>Proxy Smart: gateway running at %1</source>
        <translation>Proxy Smart: Gateway läuft unter %1</translation>
    </message>
    <message>
        <source>Stop gateway</source>
        <translation>Gateway anhalten</translation>
    </message>
    <message>
        <source>Proxy Smart: gateway stopped</source>
        <translation>Proxy Smart: Gateway angehalten</translation>
    </message>
    <message>
        <source>Proxy Smart: %1</source>
        <translation>Proxy Smart: %1</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Proxy Smart admin and gateway</source>
        <translation>Proxy Smart – Verwaltung und Gateway</translation>
    </message>
    <message>
        <source>Gateway config file (JSON).</source>
        <translation>Gateway-Konfigurationsdatei (JSON).</translation>
    </message>
    <message>
        <source>Start in the tray without opening the window.</source>
        <translation>Im Infobereich starten, ohne das Fenster zu öffnen.</translation>
    </message>
    <message>
        <source>Quit after MS milliseconds (for smoke tests).</source>
        <translation>Nach MS Millisekunden beenden (für Rauchtests).</translation>
    </message>
</context>
</TS>
