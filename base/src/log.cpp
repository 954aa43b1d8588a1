#include "fax/base/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace fax::log {
namespace {
std::atomic<Level> g_level{Level::Warn};
std::mutex g_mutex;
std::function<void(Level, std::string_view, std::string_view)> g_sink;

const char* tag(Level l) {
    switch (l) {
    case Level::Trace: return "trace";
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
    case Level::Off: return "off";
    }
    return "?";
}
}  // namespace

void set_level(Level level) { g_level.store(level); }
Level level() { return g_level.load(); }
bool enabled(Level l) { return l >= g_level.load() && l != Level::Off; }

void set_sink(std::function<void(Level, std::string_view, std::string_view)> sink) {
    std::lock_guard lock(g_mutex);
    g_sink = std::move(sink);
}

void write(Level l, std::string_view component, std::string_view msg) {
    std::lock_guard lock(g_mutex);
    if (g_sink) {
        g_sink(l, component, msg);
        return;
    }
    std::fprintf(stderr, "%s [%.*s] %.*s\n", tag(l), static_cast<int>(component.size()), component.data(),
                 static_cast<int>(msg.size()), msg.data());
}

Level parse_level(std::string_view name, Level fallback) {
    if (name == "trace") return Level::Trace;
    if (name == "debug") return Level::Debug;
    if (name == "info") return Level::Info;
    if (name == "warn") return Level::Warn;
    if (name == "error") return Level::Error;
    if (name == "off") return Level::Off;
    return fallback;
}

}  // namespace fax::log
