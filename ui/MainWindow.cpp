#include "MainWindow.h"

#include "GatewayController.h"

#include <QCloseEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace ProxySmart::Ui {

MainWindow::MainWindow(GatewayController *controller, QWidget *parent)
    : QMainWindow(parent)
    , m_controller(controller)
    , m_navigation(new QListWidget(this))
    , m_pages(new QStackedWidget(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Proxy Smart"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/proxy-smart.svg")));
    resize(1024, 700);

    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setAccessibleName(tr("Pages"));
    m_navigation->setMaximumWidth(220);
    m_pages->setObjectName(QStringLiteral("pages"));

    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->addWidget(m_navigation);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);

    addPage(tr("Dashboard"), QStringLiteral("dashboardPage"), createDashboardPage());
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages,
            &QStackedWidget::setCurrentIndex);
    m_navigation->setCurrentRow(0);

    connect(controller, &GatewayController::stateChanged, this, &MainWindow::updateGatewayState);
    updateGatewayState(controller->state());
}

void MainWindow::addPage(const QString &title, const QString &objectName, QWidget *page)
{
    page->setObjectName(objectName);
    page->setAccessibleName(title);
    m_pages->addWidget(page);
    m_navigation->addItem(title);
}

QWidget *MainWindow::createDashboardPage()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    auto *title = new QLabel(tr("<h2>Gateway</h2>"), page);
    layout->addWidget(title);

    auto *form = new QFormLayout();
    m_gatewayStateLabel = new QLabel(page);
    m_gatewayStateLabel->setObjectName(QStringLiteral("gatewayStateLabel"));
    m_gatewayAddressLabel = new QLabel(page);
    m_gatewayAddressLabel->setObjectName(QStringLiteral("gatewayAddressLabel"));
    m_gatewayAddressLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("State:"), m_gatewayStateLabel);
    form->addRow(tr("Address:"), m_gatewayAddressLabel);
    layout->addLayout(form);

    m_gatewayErrorLabel = new QLabel(page);
    m_gatewayErrorLabel->setObjectName(QStringLiteral("gatewayErrorLabel"));
    m_gatewayErrorLabel->setWordWrap(true);
    m_gatewayErrorLabel->setStyleSheet(QStringLiteral("color: #b00020;"));
    layout->addWidget(m_gatewayErrorLabel);

    m_gatewayToggleButton = new QPushButton(page);
    m_gatewayToggleButton->setObjectName(QStringLiteral("gatewayToggleButton"));
    connect(m_gatewayToggleButton, &QPushButton::clicked, m_controller, &GatewayController::toggle);
    layout->addWidget(m_gatewayToggleButton, 0, Qt::AlignLeft);
    layout->addStretch(1);
    return page;
}

void MainWindow::updateGatewayState(Gateway::State state)
{
    const bool running = state == Gateway::State::Running;
    switch (state) {
    case Gateway::State::Running:
        m_gatewayStateLabel->setText(tr("Running"));
        break;
    case Gateway::State::Stopped:
        m_gatewayStateLabel->setText(tr("Stopped"));
        break;
    case Gateway::State::Failed:
        m_gatewayStateLabel->setText(tr("Failed"));
        break;
    }
    m_gatewayAddressLabel->setText(running ? m_controller->baseUrl().toString()
                                           : tr("(not listening)"));
    m_gatewayErrorLabel->setText(state == Gateway::State::Failed ? m_controller->errorString()
                                                                 : QString());
    m_gatewayErrorLabel->setVisible(state == Gateway::State::Failed);
    m_gatewayToggleButton->setText(running ? tr("Stop gateway") : tr("Start gateway"));
    m_gatewayToggleButton->setAccessibleName(m_gatewayToggleButton->text());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_keepRunningInTray && m_controller->isRunning()) {
        hide();
        event->ignore();
        return;
    }
    QMainWindow::closeEvent(event);
}

} // namespace ProxySmart::Ui
