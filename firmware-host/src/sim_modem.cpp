#include "fax/sim/sim_modem.h"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cstdint>

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "class2_modem.h"
#include "fax/base/log.h"
#include "spandsp_adapter.h"

namespace fax::sim {

namespace {
constexpr std::string_view kComponent = "simmodem";
constexpr uint8_t kXon = 0x11;
constexpr uint8_t kXoff = 0x13;
// Data is handed to t31 in slices no larger than this, re-checking CTS between
// them: t31 drops CTS at 3072 of 4096 bytes, so a slice never overruns it.
constexpr std::size_t kDataSlice = 256;
constexpr std::size_t kMaxCommandLine = 512;
constexpr std::size_t kOutputLogCap = 1 << 20;

// What SpanDSP 0.0.6's interpreter answers to identification queries (fixed in
// the library): ATI0 / +FMM? → model, ATI3 / +FMI? → manufacturer, +FMR? → version.
constexpr std::string_view kT31Manufacturer = "www.soft-switch.org";
constexpr std::string_view kT31Model = "spandsp";
constexpr std::string_view kT31Revision = "0.0.6";

std::string upper_compact(std::string_view line) {
    std::string s;
    for (char c : line)
        if (!std::isspace(static_cast<unsigned char>(c))) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string digits_only(const char* dial) {
    std::string d;
    for (const char* p = dial; p && *p; ++p)
        if (std::isdigit(static_cast<unsigned char>(*p))) d += *p;
    return d;
}

bool bytes_equal(std::span<const uint8_t> bytes, std::string_view s) {
    return bytes.size() == s.size() && std::equal(bytes.begin(), bytes.end(), s.begin(),
                                                  [](uint8_t b, char c) { return b == static_cast<uint8_t>(c); });
}
}  // namespace

// The Class 2.0 personality's way to the DTE and the line.
class SimModem::Class2Link final : public detail::Class2Port {
public:
    explicit Class2Link(SimModem& m) : m_(m) {}
    void c2_to_dte(std::span<const uint8_t> bytes) override { m_.on_output(bytes); }
    void c2_dial(const std::string& digits) override {
        m_.off_hook_ = true;
        m_.calling_ = true;
        m_.exchange_.dial(m_.number_, digits);
    }
    void c2_answer() override {
        m_.off_hook_ = true;
        if (m_.ringing_) m_.exchange_.answer(m_.number_);
        else m_.answer_pending_ = true;
    }
    void c2_hang_up() override {
        if (m_.in_call_ || m_.calling_) m_.exchange_.hang_up(m_.number_);
        m_.went_on_hook();
        m_.ringing_ = false;
    }
    void c2_leave(const std::string& line, bool echo, bool verbose) override { m_.leave_class2(line, echo, verbose); }

private:
    SimModem& m_;
};

class SimModem::Listener final : public detail::T31Listener {
public:
    explicit Listener(SimModem& m) : m_(m) {}
    void t31_at_output(std::span<const uint8_t> bytes) override { m_.on_output(bytes); }
    int t31_control(int op, const char* num) override { return m_.on_control(op, num); }

private:
    SimModem& m_;
};

SimModem::SimModem(std::string number, Exchange& exchange, ModemOptions options)
    : number_(std::move(number)),
      exchange_(exchange),
      options_(std::move(options)),
      link_(number_),
      listener_(std::make_unique<Listener>(*this)) {
    if (options_.quirks.inband_flow()) options_.inband_flow_control = true;
}

SimModem::~SimModem() = default;

Result<std::unique_ptr<SimModem>> SimModem::create(std::string number, Exchange& exchange, ModemOptions options) {
    std::unique_ptr<SimModem> m(new SimModem(std::move(number), exchange, std::move(options)));
    auto t31 = detail::T31Engine::create(*m->listener_, "modem " + m->number_);
    if (!t31) return fail(t31.take_error());
    m->t31_ = std::move(*t31);
    if (m->options_.offer_class2) {
        // Per-modem spool for the pages the Class 2.0 personality converts.
        static std::atomic<int> counter{0};
        const auto spool = std::filesystem::temp_directory_path() /
                           ("faxsim-c2-" + std::to_string(::getpid()) + "-" + m->number_ + "-" + std::to_string(counter++));
        m->class2_link_ = std::make_unique<Class2Link>(*m);
        m->class2_ = std::make_unique<detail::Class2Modem>(m->number_, *m->class2_link_, spool, m->options_.manufacturer,
                                                            m->options_.model, m->options_.revision);
        m->class2_->set_numeric_only(m->options_.quirks.numeric_results);
    }
    return m;
}

// ---------------------------------------------------------------- DTE → t31

void SimModem::take_dte_input() {
    // V.250 &D2: the DTE dropping DTR (closing the port) hangs the modem up.
    const bool dtr = link_.host_dtr();
    if (last_dtr_ && !dtr && (off_hook_ || in_call_ || calling_)) {
        FAX_LOG(Info, kComponent, number_ + ": DTR dropped, hanging up");
        if (class2_active_) {
            class2_->hang_up_now();
        } else {
            exchange_.hang_up(number_);
            deliver_event(AT_CALL_EVENT_HANGUP);
            went_on_hook();
        }
    }
    last_dtr_ = dtr;

    if (muted_) {
        // The firmware has hung: whatever the DTE sends is lost.
        while (!link_.dce_take(kDataSlice).empty()) {
        }
        pending_.clear();
        return;
    }
    for (;;) {
        // A slow or late answer: the modem takes nothing more until it has answered.
        if (hold_until_) break;
        if (pending_.empty()) {
            pending_ = link_.dce_take(kDataSlice);
            if (pending_.empty()) break;
        }
        if (class2_active_) {
            // Class 2.0 takes everything (it buffers pages itself); a command line that
            // leaves Class 2.0 hands the rest back to t31.
            const bool line = class2_->in_command_mode() &&
                              std::find(pending_.begin(), pending_.end(), uint8_t{'\r'}) != pending_.end();
            if (line) {
                const auto cr = std::find(pending_.begin(), pending_.end(), uint8_t{'\r'});
                begin_answer(upper_compact(std::string(pending_.begin(), cr)));
                if (muted_) {
                    pending_.clear();
                    return;
                }
            }
            const std::size_t used = class2_->dte_input(pending_);
            if (line) end_answer();
            pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
            continue;
        }
        if (t31_->in_command_mode()) {
            feed_command_bytes();
            if (muted_) return;
        } else {
            // With in-band flow control only (no CTS circuit) the modem takes what comes
            // and t31 drops what does not fit: the DTE must honour XOFF.
            if (!cts_ && !options_.quirks.inband_flow()) break;
            feed_data_bytes();
        }
    }
}

// Command mode: bytes go to the interpreter as they come (it echoes them), split
// at the line terminator so the mode is re-checked after every command line.
void SimModem::feed_command_bytes() {
    const char s3 = t31_->s3();
    const auto end = std::find(pending_.begin(), pending_.end(), static_cast<uint8_t>(s3));
    const bool complete = end != pending_.end();
    const auto stop = complete ? end + 1 : pending_.end();
    line_.append(pending_.begin(), complete ? end : pending_.end());
    if (line_.size() > kMaxCommandLine) line_.erase(0, line_.size() - kMaxCommandLine);

    std::vector<uint8_t> chunk(pending_.begin(), stop);
    pending_.erase(pending_.begin(), stop);
    const bool numeric = options_.quirks.numeric_results;
    if (!complete) {
        // numeric-results rewrites whole lines: nothing reaches t31 before the CR.
        if (numeric) return;
        line_fed_to_t31_ += chunk.size();
        t31_->at_rx(chunk);
        return;
    }
    begin_answer(upper_compact(line_));
    if (muted_) {
        line_.clear();
        line_fed_to_t31_ = 0;
        return;
    }
    if (numeric) {
        const std::string rewritten = numeric_rewrite(line_) + s3;
        chunk.assign(rewritten.begin(), rewritten.end());
    }
    if (class2_ && intercept_line(upper_compact(line_), chunk)) {
        line_.clear();
        line_fed_to_t31_ = 0;
        end_answer();
        return;
    }
    line_fed_to_t31_ = 0;
    // Any command line from the DTE abandons an ATA that is still waiting for a call.
    if (answer_pending_) {
        answer_pending_ = false;
        if (!in_call_ && !calling_) off_hook_ = false;
    }
    const std::string line = upper_compact(line_);
    line_.clear();
    // Rewrite t31's fixed identification strings while this line is processed.
    identity_line_ = line;
    rewriting_identity_ = true;
    // +FTM=<n> (not =?): its CONNECT and final result may be subject to quirks.
    ftm_line_ = line.rfind("AT+FTM=", 0) == 0 && line.find('?') == std::string::npos;
    ftm_connected_ = false;
    t31_->at_rx(chunk);
    rewriting_identity_ = false;
    identity_line_.clear();
    end_answer();
}

void SimModem::feed_data_bytes() {
    const bool inband = options_.quirks.inband_flow();
    while (!pending_.empty() && (cts_ || inband) && !t31_->in_command_mode()) {
        const std::size_t n = std::min(pending_.size(), kDataSlice);
        std::vector<uint8_t> slice(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
        if (drop_data_until_ && t31_->in_stuffed_tx_mode()) {
            if (now_ < *drop_data_until_) {
                // early-connect: the modem said CONNECT but is still training; what the
                // DTE sends now never reaches the line.
                early_dropped_ += slice.size();
                continue;
            }
            drop_data_until_.reset();
        }
        if (inband && t31_->in_stuffed_tx_mode()) {
            // No CTS: what does not fit in t31's buffer is lost (overrun), as on a modem
            // whose DTE ignored its XOFF.
            const std::size_t room = t31_->tx_buffer_room();
            if (slice.size() > room) {
                overrun_ += slice.size() - room;
                slice.resize(room);
            }
        }
        t31_->at_rx(slice);
    }
}

// ---------------------------------------------------------------- quirks

void SimModem::begin_answer(const std::string& upper_line) {
    const ModemQuirks& q = options_.quirks;
    ++lines_seen_;
    if (q.mute_after && lines_seen_ > *q.mute_after) {
        FAX_LOG(Info, kComponent, number_ + ": fault: the modem goes mute");
        muted_ = true;
        held_.clear();
        hold_until_.reset();
        return;
    }
    mangle_ = Mangle::None;
    if (q.garbage_after && lines_seen_ > *q.garbage_after) mangle_ = Mangle::Garbage;
    else if (q.truncate_after && lines_seen_ > *q.truncate_after) mangle_ = Mangle::Truncate;
    capturing_ = mangle_ != Mangle::None;
    capture_.clear();
    const bool atz = upper_line.rfind("ATZ", 0) == 0;
    Samples delay{0};
    if (atz && q.slow_atz.count() > 0) delay = q.slow_atz;
    else if (q.late_ok.count() > 0 && !off_hook_ && !in_call_ && !calling_ && upper_line.rfind("ATD", 0) != 0 &&
             upper_line.rfind("ATA", 0) != 0)
        delay = q.late_ok;  // set-up commands; a dial or answer goes at once
    if (delay.count() > 0 && !hold_until_) hold_until_ = now_ + delay;
}

void SimModem::end_answer() {
    if (!capturing_) return;
    capturing_ = false;
    std::vector<uint8_t> answer;
    answer.swap(capture_);
    if (mangle_ == Mangle::Garbage) {
        // A line of noise (no CR/LF, DLE or flow-control characters in it).
        std::string noise = "\r\n";
        for (int i = 0; i < 12; ++i) {
            rng_ = rng_ * 1103515245u + 12345u;
            noise += static_cast<char>(0x80 + ((rng_ >> 16) % 0x7F));
        }
        noise += "\r\n";
        answer.assign(noise.begin(), noise.end());
    } else if (mangle_ == Mangle::Truncate && answer.size() > 3) {
        answer.resize(3);
    }
    mangle_ = Mangle::None;
    emit(answer);
}

std::vector<uint8_t> SimModem::apply_dle_bug(std::span<const uint8_t> bytes) {
    // t31 doubles every data DLE (T.31 §8.3.4). This firmware sends a data DLE alone
    // unless the data byte after it is ETX, DLE or SUB, or the data end right after it
    // (where a lone DLE would read as a control pair): one byte of look-ahead, kept
    // across calls in dle_state_.
    constexpr uint8_t kDleByte = 0x10, kEtxByte = 0x03, kSubByte = 0x1A;
    std::vector<uint8_t> out;
    out.reserve(bytes.size());
    for (const uint8_t b : bytes) {
        switch (dle_state_) {
        case DleState::Normal:
            if (b == kDleByte) dle_state_ = DleState::SawDle;
            else out.push_back(b);
            break;
        case DleState::SawDle:
            if (b == kDleByte) {
                dle_state_ = DleState::DataDle;  // a stuffed data DLE: decide at the next byte
            } else {
                out.push_back(kDleByte);  // a control pair (DLE ETX)
                out.push_back(b);
                dle_state_ = DleState::Normal;
            }
            break;
        case DleState::DataDle:
            if (b == kDleByte) {
                dle_state_ = DleState::DataDleSawDle;
            } else {
                out.push_back(kDleByte);
                if (b == kEtxByte || b == kSubByte) out.push_back(kDleByte);
                out.push_back(b);
                dle_state_ = DleState::Normal;
            }
            break;
        case DleState::DataDleSawDle:
            // The data DLE is followed by another data DLE or by a control pair: doubled.
            out.push_back(kDleByte);
            out.push_back(kDleByte);
            if (b == kDleByte) {
                dle_state_ = DleState::DataDle;
            } else {
                out.push_back(kDleByte);
                out.push_back(b);
                dle_state_ = DleState::Normal;
            }
            break;
        }
    }
    return out;
}

// numeric-results: V1 in a line becomes V0, and a reset (Z, &F) is followed by V0, as if
// the stored profile said V0. Only the basic commands before any extended (+) or dial
// command are looked at.
std::string SimModem::numeric_rewrite(const std::string& line) const {
    std::string out = line;
    if (out.size() < 2) return out;
    bool reset = false;
    std::size_t i = 2;
    for (; i < out.size(); ++i) {
        const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(out[i])));
        if (c == '+' || c == 'D') break;
        if (c == '&') {
            if (i + 1 < out.size() && std::toupper(static_cast<unsigned char>(out[i + 1])) == 'F') reset = true;
            ++i;
            continue;
        }
        if (c == 'Z') reset = true;
        if (c == 'V') {
            if (i + 1 < out.size() && std::isdigit(static_cast<unsigned char>(out[i + 1])))
                out[i + 1] = '0';
            else
                out.insert(i + 1, "0");
        }
    }
    if (reset && i == out.size()) out += "V0";
    return out;
}

// A Class 1 command that a Class 2.0-only modem refuses (T.31 §8: +FCLASS=1, the
// data-mode and silence commands).
namespace {
bool class1_command(const std::string& line) {
    for (const char* c : {"+FCLASS=1", "+FTM", "+FRM", "+FTH", "+FRH", "+FTS", "+FRS"})
        if (line.find(c) != std::string::npos) return true;
    return false;
}
}  // namespace

// +FCLASS=? and +FCLASS=2.0 are answered here when Class 2.0 is offered (and the Class 1
// commands of a Class 2.0-only modem); everything else stays with t31. Returns true if
// the line was taken.
bool SimModem::intercept_line(const std::string& line, std::span<const uint8_t> last_chunk) {
    const bool query = line == "AT+FCLASS=?";
    const bool enter = line.find("+FCLASS=2.0") != std::string::npos;
    const bool refused = !options_.class1 && class1_command(line);
    if (!query && !enter && !refused) return false;
    // t31 echoed the part of the line it was given; echo the rest ourselves and make it
    // forget that part (backspaces, its output suppressed).
    const bool echo = t31_->echo();
    const int format = t31_->result_code_format();
    if (echo) on_output(last_chunk);
    if (line_fed_to_t31_ > 0) feed_t31_silently(std::string(line_fed_to_t31_, '\b'));
    auto say = [this](std::string_view reply) {
        on_output(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(reply.data()), reply.size()));
    };
    if (refused) {
        if (format == 1) say("\r\nERROR\r\n");
        else if (format == 2) say("4\r");
        return true;
    }
    if (query) {
        const std::string classes = options_.class1 ? "0,1,1.0,2.0" : "0,2.0";
        if (format == 1) say("\r\n" + classes + "\r\n\r\nOK\r\n");
        else if (format == 2) say(classes + "\r\n0\r");
        return true;
    }
    class2_active_ = true;
    class2_->enter(line_, echo, format == 1);
    return true;
}

void SimModem::feed_t31_silently(const std::string& text) {
    suppress_output_ = true;
    t31_->at_rx(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    suppress_output_ = false;
}

void SimModem::leave_class2(const std::string& line, bool echo, bool verbose) {
    FAX_LOG(Info, kComponent, number_ + ": back to Class 1");
    class2_active_ = false;
    // Bring t31's settings in line with what the DTE set in Class 2.0, without echo,
    // then let it execute the line (Class 2.0 has echoed it already).
    feed_t31_silently(std::string("ATE0V") + (verbose ? "1" : "0") + "\r");
    t31_->at_rx(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(line.data()), line.size()));
    if (echo) feed_t31_silently("ATE1\r");
}

// ---------------------------------------------------------------- t31 → DTE

void SimModem::on_output(std::span<const uint8_t> bytes) {
    if (suppress_output_) return;
    std::string replacement;
    bool replaced = false;
    if (rewriting_identity_) {
        // at_put_response() hands the text to the DTE in a call of its own, so
        // a whole chunk equal to one of t31's fixed strings is its answer.
        if (bytes_equal(bytes, kT31Manufacturer)) {
            replacement = identity_line_ == "ATI3"
                              ? options_.manufacturer + " " + options_.model + " " + options_.revision
                              : options_.manufacturer;
            replaced = true;
        } else if (bytes_equal(bytes, kT31Model)) {
            replacement = options_.model;
            replaced = true;
        } else if (bytes_equal(bytes, kT31Revision)) {
            replacement = options_.revision;
            replaced = true;
        }
    }
    std::span<const uint8_t> out = bytes;
    if (replaced) out = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(replacement.data()), replacement.size());
    const ModemQuirks& q = options_.quirks;
    if (ftm_line_ && !class2_active_) {
        const bool verbose = t31_->result_code_format() == 1;
        if (!ftm_connected_ && bytes_equal(out, verbose ? "CONNECT" : "1\r")) {
            ftm_connected_ = true;
            if (q.early_connect.count() > 0) drop_data_until_ = now_ + q.early_connect;
        } else if (ftm_connected_ && bytes_equal(out, verbose ? "OK" : "0\r")) {
            ftm_line_ = false;
            if (q.carrier_drop) {
                // The data have left; this firmware reports its carrier going as a failure.
                static const std::string_view kVerbose = "NO CARRIER", kNumeric = "3\r";
                const std::string_view nc = verbose ? kVerbose : kNumeric;
                emit(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(nc.data()), nc.size()));
                return;
            }
        } else if (ftm_connected_ && !t31_->in_stuffed_tx_mode() && !bytes_equal(out, "\r\n")) {
            ftm_line_ = false;  // ERROR or another answer: nothing to change
        }
    }
    if (q.dle_bug) {
        const auto buggy = apply_dle_bug(out);
        emit(buggy);
        return;
    }
    emit(out);
}

void SimModem::emit(std::span<const uint8_t> out) {
    if (muted_) return;
    if (capturing_) {
        capture_.insert(capture_.end(), out.begin(), out.end());
        return;
    }
    if (hold_until_) {
        held_.insert(held_.end(), out.begin(), out.end());
        return;
    }
    send_to_dte(out);
}

void SimModem::send_to_dte(std::span<const uint8_t> out) {
    link_.dce_send(out);
    if (output_log_.size() + out.size() > kOutputLogCap)
        output_log_.erase(output_log_.begin(), output_log_.begin() + static_cast<std::ptrdiff_t>(
                                                                      std::min(output_log_.size(), kOutputLogCap / 2)));
    output_log_.insert(output_log_.end(), out.begin(), out.end());
}

// ---------------------------------------------------------------- modem control (t31 → line)

int SimModem::on_control(int op, const char* num) {
    switch (op) {
    case AT_MODEM_CONTROL_CALL: {
        if (!num) return 0;  // not a dial request
        const std::string digits = digits_only(num);
        FAX_LOG(Debug, kComponent, number_ + ": dial '" + digits + "'");
        off_hook_ = true;
        calling_ = true;
        exchange_.dial(number_, digits);
        return 0;
    }
    case AT_MODEM_CONTROL_ANSWER:
        off_hook_ = true;
        if (ringing_) {
            exchange_.answer(number_);
        } else {
            // ATA with nothing ringing: held until a call arrives (a real modem
            // would give up with NO CARRIER after S7; efax relies on the hold).
            answer_pending_ = true;
        }
        return 0;
    case AT_MODEM_CONTROL_HANGUP:
    case AT_MODEM_CONTROL_ONHOOK:
        // t31 reports ONHOOK itself while handling a HANGUP event we delivered.
        if (delivering_event_) return 0;
        if (in_call_ || calling_) exchange_.hang_up(number_);
        went_on_hook();
        return 0;
    case AT_MODEM_CONTROL_OFFHOOK:
        off_hook_ = true;
        return 0;
    case AT_MODEM_CONTROL_CTS: {
        const bool on = num != nullptr;
        if (on != cts_) {
            cts_ = on;
            FAX_LOG(Trace, kComponent, number_ + (on ? ": CTS on" : ": CTS off"));
            // lost-xon: this firmware forgets to say XON.
            if (options_.inband_flow_control && !muted_ && !(on && options_.quirks.lost_xon)) {
                const uint8_t c = on ? kXon : kXoff;
                link_.dce_send(std::span<const uint8_t>(&c, 1));
            }
        }
        return 0;
    }
    default:
        return 0;
    }
}

void SimModem::went_on_hook() {
    t31_->set_t38(false, nullptr, 0);
    off_hook_ = false;
    calling_ = false;
    in_call_ = false;
    answer_pending_ = false;
}

void SimModem::deliver_event(int at_call_event) {
    delivering_event_ = true;
    t31_->call_event(at_call_event);
    delivering_event_ = false;
}

// ---------------------------------------------------------------- line → t31

void SimModem::ring(int ring_number) {
    ringing_ = true;
    if (class2_active_) {
        class2_->ring(ring_number);
        return;
    }
    deliver_event(AT_CALL_EVENT_ALERTING);  // RING; with S0 reached t31 answers (control ANSWER)
}

void SimModem::call_connected() {
    calling_ = false;
    in_call_ = true;
    if (class2_active_) {
        class2_->call_connected();
        return;
    }
    deliver_event(AT_CALL_EVENT_CONNECTED);
}

void SimModem::call_answered() {
    ringing_ = false;
    answer_pending_ = false;
    off_hook_ = true;
    in_call_ = true;
    if (class2_active_) {
        class2_->call_answered();
        return;
    }
    deliver_event(AT_CALL_EVENT_ANSWERED);
}

void SimModem::call_failed(CallFailure why) {
    went_on_hook();
    if (class2_active_) {
        class2_->call_failed(why);
        return;
    }
    switch (why) {
    case CallFailure::Busy: deliver_event(AT_CALL_EVENT_BUSY); break;
    case CallFailure::NoAnswer: deliver_event(AT_CALL_EVENT_NO_ANSWER); break;
    case CallFailure::NoDialtone: deliver_event(AT_CALL_EVENT_NO_DIALTONE); break;
    case CallFailure::Unobtainable:
        // t31 has no call event for this and a HANGUP before CONNECT is silent:
        // reset it to on-hook, then say what a modem that gave up waiting says.
        deliver_event(AT_CALL_EVENT_HANGUP);
        t31_->put_response_code(AT_RESPONSE_CODE_NO_CARRIER);
        break;
    }
}

void SimModem::far_end_hung_up() {
    const bool was_in_call = in_call_;
    t31_->set_t38(false, nullptr, 0);
    ringing_ = false;
    if (was_in_call) went_on_hook();
    if (class2_active_) {
        class2_->far_end_hung_up();
        return;
    }
    deliver_event(AT_CALL_EVENT_HANGUP);
}

// ---------------------------------------------------------------- audio

void SimModem::audio_tx(std::span<int16_t> out) {
    const std::size_t n = class2_active_ ? class2_->audio_tx(out) : t31_->tx(out);
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), int16_t{0});
}

void SimModem::audio_rx(std::span<const int16_t> in) {
    if (class2_active_) class2_->audio_rx(in);
    else t31_->rx(in);
}

// ---------------------------------------------------------------- T.38

void SimModem::media_selected(LineKind kind, IfpSink& sink) {
    if (kind == LineKind::T38 && !class2_active_) {
        FAX_LOG(Debug, kComponent, number_ + ": call on T.38");
        t31_->set_t38(true, &sink, exchange_.options().t38_version);
    } else {
        t31_->set_t38(false, nullptr, 0);
    }
}

bool SimModem::on_t38() const { return t31_->t38(); }

void SimModem::t38_advance(Samples dt) {
    if (t31_->t38()) t31_->t38_advance(static_cast<int>(dt.count()));
}

std::optional<Samples> SimModem::t38_next_due() const {
    if (!t31_->t38()) return std::nullopt;
    const auto d = t31_->t38_next_due();
    return d ? std::optional<Samples>(Samples{*d}) : std::nullopt;
}

void SimModem::ifp_received(std::span<const std::uint8_t> ifp, std::uint16_t seq) {
    if (t31_->t38()) t31_->t38_rx(ifp, seq);
}

void SimModem::step_done(Samples now) {
    now_ = now;
    if (hold_until_ && now >= *hold_until_) {
        hold_until_.reset();
        std::vector<uint8_t> held;
        held.swap(held_);
        if (!held.empty()) emit(held);
    }
    if (class2_) class2_->step_done(now);
}

}  // namespace fax::sim
