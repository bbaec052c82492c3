#include "core/Clock.h"

namespace ProxySmart {

const Clock &Clock::system()
{
    static const SystemClock clock;
    return clock;
}

} // namespace ProxySmart
