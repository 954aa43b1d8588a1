#include "printer.h"

namespace fax::faxctl {
namespace {

void put(std::FILE* f, std::string_view s) {
    std::fwrite(s.data(), 1, s.size(), f);
    if (s.empty() || s.back() != '\n') std::fputc('\n', f);
    std::fflush(f);
}

}  // namespace

std::string printable(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    auto byte_escape = [&](unsigned char c) {
        out += "\\x";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    };
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                byte_escape(c);
            else if (c == '\\')
                out += "\\\\";
            else
                out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        const std::size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len != 0 && i + len <= s.size();
        char32_t cp = len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            ok = (cc >> 6) == 2;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        static constexpr char32_t kMinOf[] = {0, 0, 0x80, 0x800, 0x10000};
        ok = ok && cp >= kMinOf[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        if (!ok) {
            byte_escape(c);
            ++i;
            continue;
        }
        if (cp <= 0x9F) {
            out += "\\u00";
            out.push_back(kHex[cp >> 4]);
            out.push_back(kHex[cp & 15]);
        } else {
            out.append(s.substr(i, len));
        }
        i += len;
    }
    return out;
}

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
