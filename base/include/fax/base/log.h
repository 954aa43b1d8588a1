// Minimal levelled logging to stderr. Messages name devices, phases and codes; they
// must never carry patient identifiers or document contents (callers' responsibility,
// checked by tests that grep all output for the member reference).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace fax::log {

enum class Level { Trace = 0, Debug, Info, Warn, Error, Off };

void set_level(Level level);
Level level();
bool enabled(Level level);
// Replace the sink (default: stderr with a level tag). Tests capture output here.
void set_sink(std::function<void(Level, std::string_view component, std::string_view msg)> sink);
void write(Level level, std::string_view component, std::string_view msg);
Level parse_level(std::string_view name, Level fallback);

}  // namespace fax::log

#define FAX_LOG(lvl, component, msg)                                              \
    do {                                                                          \
        if (::fax::log::enabled(::fax::log::Level::lvl))                          \
            ::fax::log::write(::fax::log::Level::lvl, component, (msg));          \
    } while (0)
