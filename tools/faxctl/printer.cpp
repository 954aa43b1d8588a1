#include "printer.h"

namespace fax::faxctl {
namespace {

void put(std::FILE* f, std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), f);
    if (s.empty() || s.back() != '\n') std::fputc('\n', f);
    std::fflush(f);
}

}  // namespace

void Printer::emit(const nlohmann::json& j, std::string_view text) const {
    if (json_) {
        // Replace rather than throw on invalid UTF-8 (a modem can send anything as CSI).
        put(out_, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        put(out_, text);
    }
}

void Printer::text(std::string_view text) const {
    if (!json_) put(out_, text);
}

void Printer::error(const Error& e) const {
    put(err_, "faxctl: " + e.message);
    if (json_)
        put(out_, nlohmann::json{{"event", "error"}, {"code", std::string(to_string(e.code))}, {"message", e.message}}
                      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Printer::error(std::string_view message) const { error(Error{Errc::InvalidArgument, std::string(message)}); }

}  // namespace fax::faxctl
