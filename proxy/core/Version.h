#pragma once

#include <QString>

namespace ProxySmart {

inline QString versionString()
{
    return QStringLiteral(PROXYSMART_VERSION);
}

} // namespace ProxySmart
