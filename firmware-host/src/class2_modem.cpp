#include "class2_modem.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <system_error>

#include "fax/base/log.h"

namespace fax::sim::detail {

namespace {

constexpr std::string_view kComponent = "class2";
constexpr uint8_t kDle = 0x10, kEtx = 0x03, kSub = 0x1A, kDc2 = 0x12, kCan = 0x18;
constexpr std::size_t kMaxPage = 8u << 20;  // DTE page buffer cap (a dense A4 MH page is < 200 KiB)
constexpr std::size_t kMaxLine = 512;
// t30_state_t keeps file names in char[256].
constexpr std::size_t kMaxT30Path = 255;
// Keep the line after T.30 phase E until the last frame (DCN) has left, as a real modem does.
constexpr Samples kReleaseHold{8000};
constexpr Samples kMaxReleaseHold{10 * 8000};

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

uint8_t reverse_bits(uint8_t b) {
    b = static_cast<uint8_t>((b & 0xF0) >> 4 | (b & 0x0F) << 4);
    b = static_cast<uint8_t>((b & 0xCC) >> 2 | (b & 0x33) << 2);
    b = static_cast<uint8_t>((b & 0xAA) >> 1 | (b & 0x55) << 1);
    return b;
}

// T.30 §5.3.6.2.4 bit n of a DIS/DTC/DCS frame (address, control and FCF first).
bool fif_bit(const std::vector<uint8_t>& frame, int n) {
    const std::size_t i = 3 + static_cast<std::size_t>((n - 1) / 8);
    return i < frame.size() && ((frame[i] >> ((n - 1) % 8)) & 1) != 0;
}

// T.32 Table 21 VR codes: a bit map of vertical resolutions, in hexadecimal; R8 x 3.85
// (normal) has no bit, every terminal takes it.
constexpr int kVrFine = 0x01;       // R8 x 7.7 lines/mm
constexpr int kVrSuperfine = 0x02;  // R8 x 15.4 lines/mm
constexpr int kVrR16 = 0x04;        // R16 x 15.4 lines/mm
constexpr int kVr200x100 = 0x08;    // inch based
constexpr int kVr200x200 = 0x10;
constexpr int kVr200x400 = 0x20;
constexpr int kVr300x300 = 0x40;

// The resolutions a DIS offers (T.30 Table 2: bit 15 R8 x 7.7 and/or 200 x 200, bit 41 R8 x
// 15.4, bit 42 300 x 300, bit 43 R16 x 15.4 and/or 400 x 400, bit 44 inch based preferred)
// as T.32 VR: every one of them, not the best (HylaFAX reads +FIS VR so).
int vr_offered(const std::vector<uint8_t>& f) {
    const bool inch = fif_bit(f, 44);
    int vr = 0;
    if (fif_bit(f, 15)) vr |= kVrFine;
    if (fif_bit(f, 41)) vr |= kVrSuperfine;
    if (fif_bit(f, 43)) vr |= kVrR16;
    if (inch) {
        vr |= kVr200x100;
        if (fif_bit(f, 15)) vr |= kVr200x200;
        if (fif_bit(f, 41)) vr |= kVr200x400;
    }
    if (fif_bit(f, 42)) vr |= kVr300x300;
    return vr;
}

// The one resolution a DCS selects (bit 44 there: inch based in use).
int vr_selected(const std::vector<uint8_t>& f) {
    const bool inch = fif_bit(f, 44);
    if (fif_bit(f, 42)) return kVr300x300;
    if (fif_bit(f, 43)) return kVrR16;
    if (fif_bit(f, 41)) return inch ? kVr200x400 : kVrSuperfine;
    if (fif_bit(f, 15)) return inch ? kVr200x200 : kVrFine;
    return inch ? kVr200x100 : 0;
}

// T.30 Table 2 → T.32 Table 21 (DIS: what the far end can do).
Class2Params params_from_dis(const std::vector<uint8_t>& f) {
    Class2Params p;
    p.vr = vr_offered(f);
    const bool b11 = fif_bit(f, 11), b12 = fif_bit(f, 12), b14 = fif_bit(f, 14);
    if (b14 && b12 && b11) p.br = 5;       // V.17
    else if (b12 && b11) p.br = 3;         // V.29
    else if (b12) p.br = 1;                // V.27ter 4800
    else p.br = 0;
    p.wd = 0;
    p.ln = fif_bit(f, 20) ? 2 : (fif_bit(f, 19) ? 1 : 0);  // bit 20 unlimited, 19 B4
    p.ec = fif_bit(f, 27) ? 1 : 0;
    p.df = (fif_bit(f, 31) && p.ec) ? 3 : (fif_bit(f, 16) ? 1 : 0);
    return p;
}

// DCS: what this session uses.
Class2Params params_from_dcs(const std::vector<uint8_t>& f) {
    Class2Params p;
    p.vr = vr_selected(f);
    const bool b11 = fif_bit(f, 11), b12 = fif_bit(f, 12), b14 = fif_bit(f, 14);
    if (b14) p.br = (b11 && b12) ? 2 : b11 ? 3 : b12 ? 4 : 5;
    else p.br = (b11 && b12) ? 2 : b11 ? 3 : b12 ? 1 : 0;
    p.wd = 0;
    p.ln = fif_bit(f, 20) ? 2 : (fif_bit(f, 19) ? 1 : 0);  // bit 20 unlimited, 19 B4
    p.ec = fif_bit(f, 27) ? 1 : 0;
    p.df = fif_bit(f, 31) ? 3 : (fif_bit(f, 16) ? 1 : 0);
    return p;
}

// T.30 §5.3.6.2.4: the 20 ident characters are sent last character first.
std::string decode_ident(std::span<const uint8_t> frame) {
    std::string s;
    for (std::size_t i = frame.size(); i > 3; --i) s += static_cast<char>(frame[i - 1]);
    const auto b = s.find_first_not_of(' ');
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

int t4_encoding_for(int df) {
    switch (df) {
    case 1: return T4_COMPRESSION_ITU_T4_2D;
    case 3: return T4_COMPRESSION_ITU_T6;
    default: return T4_COMPRESSION_ITU_T4_1D;
    }
}

// Splits "a,b,,d" into ints; empty fields keep the current value.
bool parse_params(const std::string& v, Class2Params& p) {
    static constexpr int kMax[] = {1, 5, 4, 2, 3, 2, 1, 7};
    std::size_t i = 0, pos = 0;
    Class2Params out = p;
    int* out_fields[] = {&out.vr, &out.br, &out.wd, &out.ln, &out.df, &out.ec, &out.bf, &out.st};
    while (pos <= v.size() && i < 8) {
        const auto comma = v.find(',', pos);
        const std::string item = v.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!item.empty()) {
            if (!std::all_of(item.begin(), item.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
                item.size() > 2)
                return false;
            const int n = std::stoi(item);
            if (n > kMax[i]) return false;
            *out_fields[i] = n;
        }
        ++i;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    p = out;
    return true;
}

std::string quoted_value(const std::string& v) {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
    return v;
}

}  // namespace

std::string Class2Params::to_string() const {
    // T.32 Table 21 values are hexadecimal; only VR (a bit map) can exceed 9 here.
    char buf[64];
    std::snprintf(buf, sizeof buf, "%X,%d,%d,%d,%d,%d,%d,%d", static_cast<unsigned>(vr), br, wd, ln, df, ec, bf, st);
    return buf;
}

Class2Modem::Class2Modem(std::string number, Class2Port& port, std::filesystem::path spool_dir, std::string manufacturer,
                         std::string model, std::string revision)
    : number_(std::move(number)),
      port_(port),
      spool_(std::move(spool_dir)),
      manufacturer_(std::move(manufacturer)),
      model_(std::move(model)),
      revision_(std::move(revision)) {
    fcc_ = Class2Params{1, 5, 0, 2, 3, 1, 0, 0};
    fis_ = Class2Params{1, 5, 0, 2, 0, 0, 0, 0};
}

Class2Modem::~Class2Modem() {
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(spool_, ec);
}

// ---------------------------------------------------------------- DTE output

void Class2Modem::put(std::string_view text) {
    port_.c2_to_dte(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void Class2Modem::text_line(const std::string& text) { put(verbose_ ? "\r\n" + text + "\r\n" : text + "\r\n"); }

void Class2Modem::info(const std::string& text) {
    flush_frame_reports();
    text_line(text);
}

void Class2Modem::flush_frame_reports() {
    std::vector<std::string> reports;
    reports.swap(frame_reports_);
    for (const auto& r : reports) text_line(r);
}

// T.32 §8.6: with +FBU=1 every T.30 phase B and phase D HDLC frame is reported as it is
// sent (+FHT:) or received (+FHR:): address and control field kept, FCS dropped, octets
// in hexadecimal separated by spaces, the first bit on the line in the LSB ("+FHR: FF 13
// 80 ..." for a received DIS). +FBO bit 1 reverses the bit order of these phase B/D octets.
// The report goes out when the frame does, so it precedes the response derived from it
// (the DIS before +FIS); only while page data cross the DTE link does it wait for the end
// of the data. ECM image frames (FCD, RCP) belong to phase C and are not reported.
void Class2Modem::report_frame(std::string_view tag, std::span<const uint8_t> frame) {
    if (fbu_ == 0 || frame.size() < 3) return;
    if (frame[2] == T4_FCD || frame[2] == T4_RCP) return;
    std::string line(tag);
    line += ':';
    char hex[4];
    for (uint8_t b : frame) {
        std::snprintf(hex, sizeof hex, " %02X", (fbo_ & 2) ? reverse_bits(b) : b);
        line += hex;
    }
    if (data_ != Data::None) {
        frame_reports_.push_back(std::move(line));
        return;
    }
    info(line);
}

void Class2Modem::result(std::string_view code) {
    flush_frame_reports();
    if (quiet_) return;
    if (verbose_) {
        put("\r\n" + std::string(code) + "\r\n");
        return;
    }
    // V.250 §6.2.6 numeric result codes.
    const char* n = "4";
    if (code == "OK") n = "0";
    else if (code == "CONNECT") n = "1";
    else if (code == "RING") n = "2";
    else if (code == "NO CARRIER") n = "3";
    else if (code == "NO DIALTONE") n = "6";
    else if (code == "BUSY") n = "7";
    else if (code == "NO ANSWER") n = "8";
    put(std::string(n) + "\r");
}

void Class2Modem::finish_owed(std::string_view code) {
    owed_ = Owed::None;
    result(code);
}

// ---------------------------------------------------------------- DTE input

void Class2Modem::enter(const std::string& line, bool echo, bool verbose) {
    echo_ = echo;
    verbose_ = verbose && !numeric_only_;
    FAX_LOG(Info, kComponent, number_ + ": Class 2.0 selected");
    std::string l = line;
    while (!l.empty() && (l.back() == '\r' || l.back() == '\n')) l.pop_back();
    execute_line(l);
}

std::size_t Class2Modem::dte_input(std::span<const uint8_t> bytes) {
    left_ = false;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const uint8_t b = bytes[i];
        if (data_ == Data::TxPage) {
            page_data(bytes.subspan(i, 1));
            continue;
        }
        if (data_ == Data::RxWaitDc2) {
            // T.32 §8.3.4: the DTE releases the page data with DC2.
            if (b == kDc2) {
                data_ = Data::None;
                deliver_rx_page();
            } else if (b == kCan) {
                data_ = Data::None;
                finish_owed("OK");
            }
            continue;
        }
        if (b == kCan && (owed_ == Owed::Dial || owed_ == Owed::Answer)) {
            // Any character aborts a dial or answer in progress (V.250 §6.3.1).
            if (engine_ && !t30_done_) engine_->terminate();
            release_line();
            finish_owed("NO CARRIER");
            continue;
        }
        if (b == '\n') continue;
        if (echo_) put(std::string_view(reinterpret_cast<const char*>(&b), 1));
        if (b == '\r') {
            std::string line;
            line.swap(line_);
            execute_line(line);
            // A command may have left Class 2.0: the rest belongs to the Class 1 interpreter.
            if (left_) return i + 1;
            continue;
        }
        if (b == 0x08) {
            if (!line_.empty()) line_.pop_back();
            continue;
        }
        if (line_.size() < kMaxLine) line_ += static_cast<char>(b);
    }
    return bytes.size();
}

void Class2Modem::execute_line(const std::string& raw) {
    // Spaces outside quoted strings carry no meaning (V.250 §5.2.1).
    std::string line;
    bool in_quotes = false;
    for (char c : raw) {
        if (c == '"') in_quotes = !in_quotes;
        if (!in_quotes && std::isspace(static_cast<unsigned char>(c))) continue;
        line += c;
    }
    if (line.empty()) return;
    const std::string up = upper(line);
    if (up.size() < 2 || up.compare(0, 2, "AT") != 0) {
        result("ERROR");
        return;
    }
    // Commands that take the modem out of Class 2.0 go to the Class 1 interpreter whole.
    if (up.find("+FCLASS=0") != std::string::npos || up.find("+FCLASS=1") != std::string::npos ||
        up == "ATZ" || up.rfind("ATZ", 0) == 0 || up.rfind("AT&F", 0) == 0) {
        if (engine_ && !t30_done_) engine_->terminate();
        if (call_ != Call::Idle) release_line();
        left_ = true;
        port_.c2_leave(raw + "\r", echo_, verbose_);
        return;
    }
    std::string response;
    std::size_t pos = 2;
    while (pos < line.size()) {
        // One command: basic (letter [digits], &x, Sn=v, D...) or extended (+NAME[=v|?|=?]).
        std::string cmd;
        if (line[pos] == '+') {
            std::size_t end = pos + 1;
            bool q = false;
            while (end < line.size() && (q || line[end] != ';')) {
                if (line[end] == '"') q = !q;
                ++end;
            }
            cmd = line.substr(pos, end - pos);
            pos = end < line.size() ? end + 1 : end;
        } else {
            const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(line[pos])));
            if (c == 'D') {
                cmd = line.substr(pos);
                pos = line.size();
            } else if (c == 'S') {
                std::size_t end = pos + 1;
                while (end < line.size() && (std::isdigit(static_cast<unsigned char>(line[end])) || line[end] == '=' ||
                                             line[end] == '?'))
                    ++end;
                cmd = line.substr(pos, end - pos);
                pos = end;
            } else {
                std::size_t end = pos + 1;
                if (c == '&' && end < line.size()) ++end;
                while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) ++end;
                cmd = line.substr(pos, end - pos);
                pos = end;
            }
        }
        if (!execute_command(cmd, response)) {
            if (!response.empty()) put(response);
            result("ERROR");
            return;
        }
        if (owed_ != Owed::None || data_ != Data::None) {
            // The command owns the final result (ATD, ATA, +FDT, +FDR, ...).
            if (!response.empty()) put(response);
            return;
        }
    }
    if (!response.empty()) put(response);
    result("OK");
}

bool Class2Modem::execute_command(const std::string& cmd, std::string& response) {
    const std::string up = upper(cmd);
    auto text = [&](const std::string& t) { response += verbose_ ? "\r\n" + t + "\r\n" : t + "\r\n"; };
    if (up[0] == '+') {
        std::string name, op, value;
        std::size_t i = 1;
        while (i < up.size() && (std::isalnum(static_cast<unsigned char>(up[i])) || up[i] == '.')) ++i;
        name = up.substr(1, i - 1);
        if (i < up.size()) {
            if (up.compare(i, 2, "=?") == 0) op = "=?";
            else if (up[i] == '?') op = "?";
            else if (up[i] == '=') {
                op = "=";
                value = cmd.substr(i + 1);  // original case (station ids)
            } else return false;
        }
        return extended(name, op, value, response);
    }
    switch (up[0]) {
    case 'E': echo_ = up.size() < 2 || up[1] != '0'; return true;
    case 'V': verbose_ = !numeric_only_ && (up.size() < 2 || up[1] != '0'); return true;
    case 'Q': quiet_ = up.size() >= 2 && up[1] == '1'; return true;
    case 'I':
        if (up == "I3") text(manufacturer_ + " " + model_ + " " + revision_);
        else text(model_);
        return true;
    case 'S': {
        // Only S0 (rings before answering) matters to this modem; others are accepted.
        const auto eq = up.find('=');
        const std::string reg = up.substr(1, eq == std::string::npos ? up.find('?') - 1 : eq - 1);
        if (eq != std::string::npos) {
            const std::string v = up.substr(eq + 1);
            if (reg == "0" && !v.empty() && std::all_of(v.begin(), v.end(), ::isdigit)) s0_ = std::stoi(v);
        } else if (up.find('?') != std::string::npos) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "%03d", reg == "0" ? s0_ : 0);
            text(buf);
        }
        return true;
    }
    case 'H':
        if (call_ != Call::Idle || ringing_) {
            if (engine_ && !t30_done_) engine_->terminate();
            release_line();
        }
        answer_on_arrival_ = false;
        return true;
    case 'A':
        if (call_ != Call::Idle) return false;
        owed_ = Owed::Answer;
        calling_party_ = false;
        if (ringing_) {
            call_ = Call::Answering;
            port_.c2_answer();
        } else {
            // ATA before the ring: answer the next call at once (what efax relies on).
            answer_on_arrival_ = true;
            port_.c2_answer();
        }
        return true;
    case 'D': {
        if (call_ != Call::Idle) return false;
        std::string digits;
        for (char c : cmd.substr(1))
            if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
        FAX_LOG(Debug, kComponent, number_ + ": dial");
        call_ = Call::Dialing;
        calling_party_ = true;
        owed_ = Owed::Dial;
        port_.c2_dial(digits);
        return true;
    }
    default:
        // L, M, X, &C, &D, &K, ... : accepted, nothing to do on a simulated line.
        return std::isalpha(static_cast<unsigned char>(up[0])) || up[0] == '&';
    }
}

bool Class2Modem::extended(const std::string& name, const std::string& op, const std::string& value,
                           std::string& response) {
    auto text = [&](const std::string& t) { response += verbose_ ? "\r\n" + t + "\r\n" : t + "\r\n"; };
    auto int_param = [&](int& v, int max, const char* range) {
        if (op == "?") text(std::to_string(v));
        else if (op == "=?") text(range);
        else if (op == "=") {
            if (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit) || value.size() > 3) return false;
            const int n = std::stoi(value);
            if (n > max) return false;
            v = n;
        }
        return true;
    };
    auto str_param = [&](std::string& v, const char* range) {
        if (op == "?") text(v);
        else if (op == "=?") text(range);
        else if (op == "=") v = value;
        return true;
    };
    if (name == "FCLASS") {
        if (op == "?") text("2.0");
        else if (op == "=?") text("0,1,1.0,2.0");
        else if (op == "=" && value != "2.0") return false;
        return true;
    }
    if (name == "FMI" || name == "GMI") { text(manufacturer_); return true; }
    if (name == "FMM" || name == "GMM") { text(model_); return true; }
    if (name == "FMR" || name == "GMR") { text(revision_); return true; }
    if (name == "FLI" || name == "FPI") {
        std::string& id = name == "FLI" ? local_id_ : polling_id_;
        if (op == "?") text("\"" + id + "\"");
        else if (op == "=?") text("(20)(32-127)");
        else if (op == "=") {
            const std::string v = quoted_value(value);
            if (v.size() > 20) return false;
            id = v;
        }
        return true;
    }
    if (name == "FIS" || name == "FCC") {
        Class2Params& p = name == "FIS" ? fis_ : fcc_;
        if (op == "?") text(p.to_string());
        else if (op == "=?") text("(0,1),(0-5),(0-4),(0-2),(0-3),(0,1),(0),(0-7)");
        else if (op == "=") {
            if (!parse_params(value, p)) return false;
            if (name == "FCC") fis_ = fcc_;  // T.32 §8.5.1.1: +FCC also sets +FIS
        }
        return true;
    }
    if (name == "FCS") {
        if (op == "?") text(remote_dcs_ ? params_from_dcs(*remote_dcs_).to_string() : session_for_send().to_string());
        return op != "=";
    }
    if (name == "FIP") {
        fis_ = Class2Params{1, 5, 0, 2, 0, 0, 0, 0};
        fcc_ = Class2Params{1, 5, 0, 2, 3, 1, 0, 0};
        local_id_.clear();
        polling_id_.clear();
        fbo_ = 0;
        fbu_ = 0;
        return true;
    }
    if (name == "FBO") return int_param(fbo_, 3, "(0-3)");
    if (name == "FBU") return int_param(fbu_, 1, "(0,1)");
    if (name == "FLO") return int_param(flo_, 2, "(0-2)");
    if (name == "FCR") return int_param(fcr_, 1, "(0,1)");
    if (name == "FPP") return int_param(fpp_, 1, "(0,1)");
    if (name == "FCT") return int_param(fct_, 255, "(0-FF)");
    if (name == "FIE") return int_param(fie_, 1, "(0,1)");
    // +FPS=n (the DTE's verdict on a received page) is accepted, but T.30 in the modem has
    // already answered the page when the DTE sees it (store and forward, docs/class2.md).
    if (name == "FPS") return int_param(fps_, 5, "(1-5)");
    if (name == "FNR") return str_param(fnr_, "(0,1),(0,1),(0,1),(0,1)");
    if (name == "FCQ") return str_param(fcq_, "(0-2),(0-2)");
    if (name == "FAP") return str_param(fap_, "(0,1),(0,1),(0,1)");
    if (name == "FEA") return str_param(fea_, "(0,1)");
    if (name == "FSP") return str_param(fsp_, "(0,1)");
    if (name == "FRQ") return str_param(frq_, "(0-64),(0-FF)");
    if (name == "FMS") return str_param(fms_, "(0-5)");
    if (name == "FHS") {
        if (op != "?") return false;
        char buf[16];
        std::snprintf(buf, sizeof buf, "%02X", completion_ < 0 ? 0 : hangup_status(completion_));
        text(buf);
        return true;
    }
    if (name == "FDT") {
        if (!engine_ || !calling_party_ || t30_done_ || page_in_flight_ || owed_ != Owed::None) return false;
        owed_ = Owed::Fdt;
        try_fdt();
        return true;
    }
    if (name == "FET") {
        // T.32 §8.3.3: the post-page message after a page ended with DLE ETX.
        if (op != "=" || !awaiting_fet_ || value.size() != 1 || value[0] < '0' || value[0] > '2') return false;
        awaiting_fet_ = false;
        owed_ = Owed::PageResult;
        page_complete(value[0] - '0');
        return true;
    }
    if (name == "FDR") {
        if (calling_party_ && engine_) return false;
        owed_ = Owed::Fdr;
        try_fdr();
        return true;
    }
    if (name == "FKS") {
        if (!engine_ || t30_done_) return true;
        owed_ = Owed::Fks;
        if (calling_party_ && dis_available_ && engine_->has_held_burst()) {
            // Still in phase B with nothing sent: answer the far end's DIS with DCN.
            reject_dis_ = true;
            dis_available_ = false;
            engine_->release();
        } else {
            engine_->terminate();
        }
        return true;
    }
    return false;
}

// ---------------------------------------------------------------- sending

Class2Params Class2Modem::session_for_send() const {
    Class2Params s = fis_;
    if (!remote_dis_) return s;
    const Class2Params r = params_from_dis(*remote_dis_);
    s.vr = (fis_.vr & kVrFine) && (r.vr & kVrFine) ? 1 : 0;
    s.br = std::min(fis_.br, r.br);
    s.ec = (fis_.ec && r.ec) ? 1 : 0;
    if (fis_.df >= 3 && r.df >= 3 && s.ec) s.df = 3;
    else if (fis_.df >= 1 && r.df >= 1) s.df = 1;
    else s.df = 0;
    s.bf = 0;
    s.st = 0;
    return s;
}

void Class2Modem::try_fdt() {
    if (owed_ != Owed::Fdt) return;
    if (t30_done_) return;  // phase E reports
    if (!dis_available_ && !continuation_ready_) return;  // waiting for DIS (after EOM) or MCF
    info("+FCS:" + session_for_send().to_string());
    owed_ = Owed::None;
    result("CONNECT");
    data_ = Data::TxPage;
    page_buf_.clear();
    page_dle_ = false;
}

void Class2Modem::page_data(std::span<const uint8_t> bytes) {
    for (uint8_t b : bytes) {
        if (page_dle_) {
            page_dle_ = false;
            switch (b) {
            case kDle: page_buf_.push_back(kDle); break;
            case kSub: page_buf_.push_back(kDle); page_buf_.push_back(kDle); break;
            case kEtx:
                // T.32 §8.3.3: end of the page; the post-page message follows as +FET.
                data_ = Data::None;
                awaiting_fet_ = true;
                result("OK");
                return;
            case ',': data_ = Data::None; owed_ = Owed::PageResult; page_complete(0); return;  // MPS
            case ';': data_ = Data::None; owed_ = Owed::PageResult; page_complete(1); return;  // EOM
            case '.': data_ = Data::None; owed_ = Owed::PageResult; page_complete(2); return;  // EOP
            default: break;  // other DLE pairs carry nothing for a page
            }
            continue;
        }
        if (b == kDle) {
            page_dle_ = true;
            continue;
        }
        if (page_buf_.size() < kMaxPage) page_buf_.push_back((fbo_ & 1) ? reverse_bits(b) : b);
    }
}

void Class2Modem::page_complete(int ppm) {
    if (!engine_ || t30_done_) {
        end_call_reports();
        return;
    }
    const Class2Params s = session_for_send();
    T4PageFormat fmt;
    fmt.encoding = t4_encoding_for(s.df);
    fmt.fine = s.vr == 1;
    std::error_code ec;
    std::filesystem::create_directories(spool_, ec);
    Class2T30Engine::AfterRelease after;
    after.more_pages = ppm == 0;
    // After a page that MPS follows, hold the far end's answer until the next page is in.
    after.hold_page_accepted = ppm == 0;
    if (continuation_ready_) {
        // The next page of the document in progress: T.30 takes it from memory as soon as
        // it sees the (held) MCF, and goes straight to phase C (T.30 §5.3.2.5).
        auto rows = decode_t4_page_rows((spool_ / "scratch.tif").string(), page_buf_, fmt);
        page_buf_.clear();
        if (!rows) {
            FAX_LOG(Warn, kComponent, number_ + ": page from the DTE: " + rows.error().to_string());
            engine_->terminate();
            return;
        }
        constexpr std::size_t kBytesPerRow = 1728 / 8;
        page_rows_ = static_cast<int>(rows->size() / kBytesPerRow);
        page_ppm_ = ppm;
        page_in_flight_ = true;
        continuation_ready_ = false;
        engine_->set_next_page_rows(std::move(*rows), kBytesPerRow);
        engine_->set_more_pages(ppm == 0, true);
        after.more_pages.reset();
        engine_->release(after);
        return;
    }
    // The first page of a document: T.30 reads it from a TIFF when it answers the held DIS.
    const std::string path = (spool_ / ("tx-" + std::to_string(pages_sent_ + 1) + ".tif")).string();
    if (path.size() >= kMaxT30Path) {
        FAX_LOG(Error, kComponent, number_ + ": spool path too long for SpanDSP's T.30 (TMPDIR)");
        engine_->terminate();
        return;
    }
    auto rows = write_t4_page_tiff(path, page_buf_, fmt);
    page_buf_.clear();
    if (!rows) {
        FAX_LOG(Warn, kComponent, number_ + ": page from the DTE: " + rows.error().to_string());
        engine_->terminate();
        return;
    }
    page_rows_ = *rows;
    page_ppm_ = ppm;
    page_in_flight_ = true;
    dis_available_ = false;
    engine_->set_tx_file(path);
    // T.30 answers the far end's (held) DIS now: DCS, TCF, then this page.
    engine_->release(after);
}

bool Class2Modem::c2_more_documents() { return page_ppm_ != 2; }

// ---------------------------------------------------------------- receiving

void Class2Modem::try_fdr() {
    if (owed_ != Owed::Fdr) return;
    const int ready = engine_ ? engine_->stats().pages_rx : rx_pages_delivered_;
    if (ready > rx_pages_delivered_ && static_cast<int>(rx_ppm_.size()) > rx_pages_delivered_) {
        if (remote_dcs_) info("+FCS:" + params_from_dcs(*remote_dcs_).to_string());
        result("CONNECT");
        owed_ = Owed::None;
        data_ = Data::RxWaitDc2;
        return;
    }
    if (t30_done_ || call_ == Call::Idle) end_call_reports();
}

void Class2Modem::deliver_rx_page() {
    const int df = remote_dcs_ ? params_from_dcs(*remote_dcs_).df : 0;
    auto page = encode_tiff_page(rx_file_, rx_pages_delivered_, t4_encoding_for(df));
    std::vector<uint8_t> out;
    int rows = 0;
    if (page) {
        rows = page->rows;
        out.reserve(page->data.size() + 64);
        for (uint8_t b : page->data) {
            const uint8_t v = (fbo_ & 1) ? reverse_bits(b) : b;
            out.push_back(v);
            if (v == kDle) out.push_back(kDle);
        }
    } else {
        FAX_LOG(Warn, kComponent, number_ + ": received page: " + page.error().to_string());
    }
    // A little fill (zero bits, T.4 §4.1.2) after RTC/EOFB: SpanDSP's encoder ends the page
    // one bit after the last EOL, and a DTE that decodes with a look-ahead window (efax
    // reads 9 bits ahead) would meet DLE ETX before it has recognised RTC.
    out.push_back(0x00);
    out.push_back(0x00);
    out.push_back(kDle);
    out.push_back(kEtx);
    port_.c2_to_dte(out);
    const int ppm = rx_ppm_[static_cast<std::size_t>(rx_pages_delivered_)];
    ++rx_pages_delivered_;
    // T.32 §8.3.4: copy quality as judged by the modem's T.30 (it answered MCF).
    info("+FPS:1," + std::to_string(rows) + ",0,0,0");
    info("+FET:" + std::to_string(ppm));
    result("OK");
}

// ---------------------------------------------------------------- call control

void Class2Modem::start_engine(bool calling) {
    std::error_code ec;
    std::filesystem::create_directories(spool_, ec);
    rx_file_ = (spool_ / "rx.tif").string();
    std::filesystem::remove(rx_file_, ec);
    if (rx_file_.size() >= kMaxT30Path) {
        FAX_LOG(Error, kComponent, number_ + ": spool path too long for SpanDSP's T.30 (TMPDIR)");
        port_.c2_hang_up();
        call_ = Call::Idle;
        finish_owed("ERROR");
        return;
    }
    Class2T30Config cfg;
    cfg.calling_party = calling;
    cfg.ident = local_id_;
    cfg.ecm = fis_.ec > 0;
    cfg.compressions = T30_SUPPORT_T4_1D_COMPRESSION;
    if (fis_.df >= 1) cfg.compressions |= T30_SUPPORT_T4_2D_COMPRESSION;
    if (fis_.df >= 3 && cfg.ecm) cfg.compressions |= T30_SUPPORT_T6_COMPRESSION;
    // The DIS offers the resolutions +FIS allows, no more (SpanDSP's T.30 would offer
    // superfine by default): the DTE's data are normal or fine, as +FCS says.
    cfg.resolutions = T30_SUPPORT_R8_RESOLUTION | T30_SUPPORT_STANDARD_RESOLUTION;
    if (fis_.vr & kVrFine) cfg.resolutions |= T30_SUPPORT_FINE_RESOLUTION;
    cfg.modems = T30_SUPPORT_V27TER;
    if (fis_.br >= 2) cfg.modems |= T30_SUPPORT_V29;
    if (fis_.br >= 4) cfg.modems |= T30_SUPPORT_V17;
    if (!calling) cfg.rx_file = rx_file_;
    remote_csi_.clear();
    remote_tsi_.clear();
    remote_dis_.reset();
    remote_dcs_.reset();
    dis_available_ = false;
    reject_dis_ = false;
    t30_done_ = false;
    completion_ = -1;
    pages_sent_ = 0;
    page_in_flight_ = false;
    continuation_ready_ = false;
    phase_d_skip_ = 0;
    awaiting_fet_ = false;
    rx_pages_delivered_ = 0;
    rx_ppm_.clear();
    answer_reported_ = false;
    tx_idle_ = false;
    auto e = Class2T30Engine::create(cfg, *this, "modem " + number_);
    if (!e) {
        FAX_LOG(Error, kComponent, number_ + ": " + e.error().to_string());
        port_.c2_hang_up();
        call_ = Call::Idle;
        finish_owed("ERROR");
        return;
    }
    engine_ = std::move(*e);
    // Sending: no page yet, so T.30 must not answer DIS until the DTE has given one.
    if (calling) engine_->hold(Class2T30Engine::HoldFor::Dis);
    call_ = Call::Connected;
}

void Class2Modem::ring(int ring_number) {
    ringing_ = true;
    result("RING");
    if (s0_ > 0 && ring_number >= s0_ && call_ == Call::Idle) {
        calling_party_ = false;
        call_ = Call::Answering;
        port_.c2_answer();
    }
}

void Class2Modem::call_connected() { start_engine(true); }

void Class2Modem::call_answered() {
    ringing_ = false;
    answer_on_arrival_ = false;
    calling_party_ = false;
    start_engine(false);
}

void Class2Modem::call_failed(CallFailure why) {
    call_ = Call::Idle;
    switch (why) {
    case CallFailure::Busy: finish_owed("BUSY"); break;
    case CallFailure::NoAnswer: finish_owed("NO ANSWER"); break;
    case CallFailure::NoDialtone: finish_owed("NO DIALTONE"); break;
    case CallFailure::Unobtainable: finish_owed("NO CARRIER"); break;
    }
}

void Class2Modem::far_end_hung_up() {
    ringing_ = false;
    if (engine_ && !t30_done_) engine_->terminate();  // phase E (call dropped) reports
    if (call_ == Call::Connected || call_ == Call::Releasing || call_ == Call::Answering) {
        engine_.reset();
        call_ = Call::Idle;
        // Pages already received stay deliverable with +FDR.
        if (owed_ == Owed::Fdr) try_fdr();
    }
}

void Class2Modem::hang_up_now() {
    if (engine_ && !t30_done_) engine_->terminate();
    release_line();
    data_ = Data::None;
    owed_ = Owed::None;
    answer_on_arrival_ = false;
    line_.clear();
}

void Class2Modem::release_line() {
    port_.c2_hang_up();
    call_ = Call::Idle;
    ringing_ = false;
    engine_.reset();
}

int Class2Modem::hangup_status(int completion_code) const {
    // T.32 Table 24 (+FHS codes, hexadecimal).
    if (reject_dis_ || owed_ == Owed::Fks) return 0x02;  // call aborted from +FKS
    switch (completion_code) {
    case T30_ERR_OK: return 0x00;
    case T30_ERR_CALLDROPPED: return 0x03;  // no loop current
    case T30_ERR_T0_EXPIRED:
    case T30_ERR_T1_EXPIRED: return 0x11;
    case T30_ERR_IDENT_UNACCEPTABLE: return 0x02;
    default: return calling_party_ ? 0x20 : 0x70;
    }
}

void Class2Modem::end_call_reports() {
    char buf[16];
    std::snprintf(buf, sizeof buf, "+FHS:%02X", hangup_status(completion_));
    switch (owed_) {
    case Owed::None: return;
    case Owed::Dial:
    case Owed::Answer:
        info(buf);
        finish_owed("NO CARRIER");
        return;
    case Owed::PageResult:
        info(buf);
        finish_owed(completion_ == T30_ERR_OK && !page_in_flight_ ? "OK" : "ERROR");
        return;
    case Owed::Fdt:
        info(buf);
        finish_owed("ERROR");
        return;
    case Owed::Fdr:
    case Owed::Fks:
        info(buf);
        finish_owed("OK");
        return;
    }
}

// ---------------------------------------------------------------- T.30 engine events

void Class2Modem::c2_frame_sent(std::span<const uint8_t> frame) { report_frame("+FHT", frame); }

void Class2Modem::c2_frame_received(std::span<const uint8_t> frame) {
    report_frame("+FHR", frame);
    const int fcf = frame[2] & 0xFE;
    if (fcf == T30_CSI) remote_csi_ = decode_ident(frame);
    else if (fcf == (T30_TSI & 0xFE)) remote_tsi_ = decode_ident(frame);
    else if (fcf == T30_DIS && calling_party_) remote_dis_ = std::vector<uint8_t>(frame.begin(), frame.end());
    else if (fcf == (T30_DCS & 0xFE) && !calling_party_) remote_dcs_ = std::vector<uint8_t>(frame.begin(), frame.end());
}

void Class2Modem::c2_burst_held(int fcf) {
    if (fcf != T30_DIS) {
        // The far end accepted the page that MPS followed (MCF, RTP or PIP): tell the DTE,
        // which then hands over the next page; T.30 sees the answer with that page.
        if (!page_in_flight_) return;
        const int ppr = fcf == T30_MCF ? 1 : fcf == T30_RTP ? 3 : 5;
        page_in_flight_ = false;
        ++pages_sent_;
        ++phase_d_skip_;
        continuation_ready_ = true;
        info("+FPS:" + std::to_string(ppr) + "," + std::to_string(page_rows_) + ",0,0,0");
        if (owed_ == Owed::PageResult) finish_owed("OK");
        return;
    }
    dis_available_ = true;
    if (owed_ == Owed::Dial) {
        info("+FCO");
        if (!remote_csi_.empty()) info("+FCI:\"" + remote_csi_ + "\"");
        if (remote_dis_) info("+FIS:" + params_from_dis(*remote_dis_).to_string());
        finish_owed("OK");
        return;
    }
    try_fdt();
}

int Class2Modem::c2_phase_b(int) {
    if (calling_party_) return reject_dis_ ? T30_ERR_IDENT_UNACCEPTABLE : T30_ERR_OK;
    // Answering: the far end's DCS has arrived; T.32 §8.3.2: the answer completes here
    // (after ATA, or unsolicited after an automatic answer). A later DCS (after EOM) is
    // reported with the next +FDR.
    if (!answer_reported_) {
        answer_reported_ = true;
        info("+FCO");
        if (!remote_tsi_.empty()) info("+FTI:\"" + remote_tsi_ + "\"");
        if (remote_dcs_) info("+FCS:" + params_from_dcs(*remote_dcs_).to_string());
        if (owed_ == Owed::Answer) finish_owed("OK");
        else result("OK");
    }
    return T30_ERR_OK;
}

void Class2Modem::c2_phase_d(int fcf) {
    const int f = fcf & 0xFE;
    if (calling_party_) {
        int ppr = 0;
        if (f == T30_MCF) ppr = 1;
        else if (f == T30_RTP) ppr = 3;
        else if (f == T30_PIP) ppr = 5;
        if (ppr == 0) return;  // RTN/PIN: T.30 sends the page again itself
        if (phase_d_skip_ > 0) {
            --phase_d_skip_;  // reported when the answer was held (MPS)
            return;
        }
        if (!page_in_flight_) return;
        page_in_flight_ = false;
        ++pages_sent_;
        info("+FPS:" + std::to_string(ppr) + "," + std::to_string(page_rows_) + ",0,0,0");
        if (page_ppm_ != 2) {
            // EOM: the next page is the next T.30 document: hold the far end's next DIS.
            engine_->hold(Class2T30Engine::HoldFor::Dis);
            finish_owed("OK");
        }
        // EOP: the final OK follows phase E with +FHS.
        return;
    }
    // Receiving: a post-page message after a page.
    int ppm = 2;
    if (f == T30_MPS || f == (T30_PRI_MPS & 0xFE)) ppm = 0;
    else if (f == T30_EOM || f == (T30_PRI_EOM & 0xFE)) ppm = 1;
    const int pages = engine_ ? engine_->stats().pages_rx : 0;
    while (static_cast<int>(rx_ppm_.size()) < pages) rx_ppm_.push_back(ppm);
    try_fdr();
}

void Class2Modem::c2_phase_e(int completion_code) {
    t30_done_ = true;
    completion_ = completion_code;
    phase_e_at_ = now_;
    if (call_ == Call::Connected) call_ = Call::Releasing;
    FAX_LOG(Info, kComponent, number_ + ": phase E: " + completion_text(completion_code));
    if (owed_ == Owed::Fdr) {
        try_fdr();
        return;
    }
    end_call_reports();
}

// ---------------------------------------------------------------- audio and time

std::size_t Class2Modem::audio_tx(std::span<int16_t> out) {
    if (!engine_) return 0;
    const std::size_t n = engine_->tx(out);
    tx_idle_ = n < out.size();
    return n;
}

void Class2Modem::audio_rx(std::span<const int16_t> in) {
    if (engine_) engine_->rx(in);
}

void Class2Modem::step_done(Samples now) {
    now_ = now;
    if (call_ != Call::Releasing) return;
    const Samples held = now - phase_e_at_;
    if ((held >= kReleaseHold && tx_idle_) || held >= kMaxReleaseHold) release_line();
}

}  // namespace fax::sim::detail
