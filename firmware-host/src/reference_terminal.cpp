#include "fax/sim/reference_terminal.h"

#include <sys/stat.h>

#include <algorithm>

#include "fax/base/log.h"
#include "spandsp_adapter.h"

namespace fax::sim {

static_assert(kT30SupportT4_1D == T30_SUPPORT_T4_1D_COMPRESSION);
static_assert(kT30SupportT4_2D == T30_SUPPORT_T4_2D_COMPRESSION);
static_assert(kT30SupportT6 == T30_SUPPORT_T6_COMPRESSION);
static_assert(kT30SupportV27ter == T30_SUPPORT_V27TER);
static_assert(kT30SupportV29 == T30_SUPPORT_V29);
static_assert(kT30SupportV17 == T30_SUPPORT_V17);
static_assert(kT30SupportStandardResolution == T30_SUPPORT_STANDARD_RESOLUTION);
static_assert(kT30SupportFineResolution == T30_SUPPORT_FINE_RESOLUTION);
static_assert(kT30SupportSuperfineResolution == T30_SUPPORT_SUPERFINE_RESOLUTION);
static_assert(kT30SupportR8Resolution == T30_SUPPORT_R8_RESOLUTION);
static_assert(kT4CompressionT4_1D == T4_COMPRESSION_ITU_T4_1D);
static_assert(kT4CompressionT4_2D == T4_COMPRESSION_ITU_T4_2D);
static_assert(kT4CompressionT6 == T4_COMPRESSION_ITU_T6);
static_assert(kT30ErrOk == T30_ERR_OK);

namespace {
constexpr std::string_view kComponent = "terminal";
// If the transmitter never goes idle after phase E, hang up anyway after this.
constexpr Samples kMaxReleaseHold = Samples{10 * 8000};

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
}  // namespace

class ReferenceTerminal::Listener final : public detail::FaxListener {
public:
    explicit Listener(ReferenceTerminal& t) : t_(t) {}
    void fax_phase_e(int completion_code) override { t_.on_phase_e(completion_code); }

private:
    ReferenceTerminal& t_;
};

ReferenceTerminal::ReferenceTerminal(std::string number, TerminalOptions options, Exchange& exchange, Samples now)
    : number_(std::move(number)),
      options_(std::move(options)),
      exchange_(exchange),
      listener_(std::make_unique<Listener>(*this)),
      now_(now) {
    if (options_.dial) {
        state_ = State::WaitingToDial;
        dial_at_ = now + options_.dial_delay;
    }
}

ReferenceTerminal::~ReferenceTerminal() = default;

Result<std::unique_ptr<ReferenceTerminal>> ReferenceTerminal::create(std::string number, TerminalOptions options,
                                                                     Exchange& exchange, Samples now) {
    if (options.tiff.empty() && !options.rx_file_for_call)
        return fail(Errc::InvalidArgument, "terminal " + number + ": no TIFF file given");
    if (options.role == TerminalOptions::Role::Send && !file_exists(options.tiff))
        return fail(Errc::NotFound, "terminal " + number + ": " + options.tiff + ": no such file");
    if (options.dial && options.dial->empty())
        return fail(Errc::InvalidArgument, "terminal " + number + ": empty number to dial");
    if (options.ident.size() > 20)
        return fail(Errc::InvalidArgument, "terminal " + number + ": ident longer than 20 characters");
    return std::unique_ptr<ReferenceTerminal>(
        new ReferenceTerminal(std::move(number), std::move(options), exchange, now));
}

std::string ReferenceTerminal::rx_file(int call_index) const {
    if (options_.rx_file_for_call) return options_.rx_file_for_call(call_index);
    if (call_index == 0) return options_.tiff;
    return options_.tiff + "." + std::to_string(call_index);
}

// ---------------------------------------------------------------- signalling

void ReferenceTerminal::ring(int ring_number) {
    if (state_ != State::Idle || answer_requested_) return;
    if (ring_number >= options_.answer_after_rings) {
        answer_requested_ = true;
        exchange_.answer(number_);
    }
}

void ReferenceTerminal::call_connected() {
    if (state_ != State::Calling) return;
    start_session(true);
}

void ReferenceTerminal::call_answered() {
    answer_requested_ = false;
    start_session(false);
}

void ReferenceTerminal::call_failed(CallFailure why) {
    if (state_ != State::Calling) return;
    TerminalResult r;
    r.files = std::move(result_.files);
    r.calls = result_.calls;
    result_ = std::move(r);
    result_.finished = true;
    result_.call_failure = why;
    switch (why) {
    case CallFailure::Busy: result_.completion_text = "line busy"; break;
    case CallFailure::NoAnswer: result_.completion_text = "no answer"; break;
    case CallFailure::NoDialtone: result_.completion_text = "no dial tone"; break;
    case CallFailure::Unobtainable: result_.completion_text = "number unobtainable"; break;
    }
    state_ = State::Finished;
}

void ReferenceTerminal::far_end_hung_up() {
    answer_requested_ = false;
    if (state_ == State::InCall && fax_) {
        // Loop current dropped under a running session: T.30 ends it (phase E
        // normally fires from here with T30_ERR_CALLDROPPED or the like).
        fax_->terminate();
        if (state_ == State::InCall) on_phase_e(T30_ERR_CALLDROPPED);
    }
    if (state_ == State::Releasing) end_call();
}

// ---------------------------------------------------------------- session

void ReferenceTerminal::start_session(bool calling_party) {
    detail::FaxConfig cfg;
    cfg.calling_party = calling_party;
    cfg.ident = options_.ident;
    cfg.ecm = options_.ecm;
    cfg.compressions = options_.compressions;
    cfg.modems = options_.modems;
    cfg.resolutions = options_.resolutions;
    cfg.rx_encoding = options_.rx_encoding;
    current_rx_file_.clear();
    if (options_.role == TerminalOptions::Role::Send) {
        cfg.tx_file = options_.tiff;
    } else {
        current_rx_file_ = rx_file(result_.calls);
        cfg.rx_file = current_rx_file_;
    }
    const auto files = result_.files;
    const int calls = result_.calls + 1;
    result_ = TerminalResult{};
    result_.files = files;
    result_.calls = calls;

    Result<std::unique_ptr<detail::TerminalEngine>> fax = fail(Errc::Internal, "no engine");
    if (media_ == LineKind::T38 && sink_) {
        auto e = detail::T38TerminalEngine::create(cfg, *listener_, *sink_, exchange_.options().t38_version,
                                                   "term " + number_);
        if (e) fax = std::unique_ptr<detail::TerminalEngine>(std::move(*e));
        else fax = fail(e.error());
    } else {
        auto e = detail::FaxEngine::create(cfg, *listener_, "term " + number_);
        if (e) fax = std::unique_ptr<detail::TerminalEngine>(std::move(*e));
        else fax = fail(e.error());
    }
    if (!fax) {
        FAX_LOG(Error, kComponent, number_ + ": " + fax.error().to_string());
        result_.finished = true;
        result_.completion_text = fax.error().to_string();
        state_ = State::Releasing;
        phase_e_at_ = now_;
        tx_idle_ = true;
        return;
    }
    fax_ = std::move(*fax);
    state_ = State::InCall;
    connected_at_ = now_;
    tx_idle_ = false;
    FAX_LOG(Info, kComponent, number_ + ": session started (" + (calling_party ? "calling" : "answering") + ")");
}

void ReferenceTerminal::on_phase_e(int completion_code) {
    if (state_ != State::InCall) return;
    result_.completion_code = completion_code;
    result_.completion_text = detail::completion_text(completion_code);
    if (fax_) {
        const auto st = fax_->stats();
        result_.pages = options_.role == TerminalOptions::Role::Send ? st.pages_tx : st.pages_rx;
        result_.bit_rate = st.bit_rate;
        result_.ecm = st.ecm;
        result_.compression = st.encoding;
        result_.remote_ident = fax_->remote_ident();
    }
    result_.call_time = now_ - connected_at_;
    phase_e_at_ = now_;
    state_ = State::Releasing;
    FAX_LOG(Info, kComponent,
            number_ + ": phase E: " + result_.completion_text + ", " + std::to_string(result_.pages) + " page(s)");
}

void ReferenceTerminal::end_call() {
    fax_.reset();  // closes the received TIFF
    if (!current_rx_file_.empty() && file_exists(current_rx_file_)) result_.files.push_back(current_rx_file_);
    current_rx_file_.clear();
    result_.finished = true;
    state_ = options_.dial ? State::Finished : State::Idle;
}

// ---------------------------------------------------------------- audio and time

void ReferenceTerminal::audio_tx(std::span<int16_t> out) {
    std::size_t n = 0;
    if (fax_ && (state_ == State::InCall || state_ == State::Releasing)) {
        n = fax_->tx(out);
        tx_idle_ = n < out.size();
    }
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), int16_t{0});
}

void ReferenceTerminal::audio_rx(std::span<const int16_t> in) {
    if (fax_ && (state_ == State::InCall || state_ == State::Releasing)) fax_->rx(in);
}

void ReferenceTerminal::media_selected(LineKind kind, IfpSink& sink) {
    media_ = kind;
    sink_ = &sink;
}

void ReferenceTerminal::t38_advance(Samples dt) {
    if (!fax_ || !(state_ == State::InCall || state_ == State::Releasing)) return;
    fax_->t38_advance(static_cast<int>(dt.count()));
    tx_idle_ = fax_->t38_tx_idle();
}

std::optional<Samples> ReferenceTerminal::t38_next_due() const {
    if (!fax_ || !(state_ == State::InCall || state_ == State::Releasing)) return std::nullopt;
    const auto d = fax_->t38_next_due();
    return d ? std::optional<Samples>(Samples{*d}) : std::nullopt;
}

void ReferenceTerminal::ifp_received(std::span<const std::uint8_t> ifp, std::uint16_t seq) {
    if (fax_ && (state_ == State::InCall || state_ == State::Releasing)) fax_->t38_rx(ifp, seq);
}

void ReferenceTerminal::step_done(Samples now) {
    now_ = now;
    switch (state_) {
    case State::WaitingToDial:
        if (now >= dial_at_) {
            state_ = State::Calling;
            exchange_.dial(number_, *options_.dial);
        }
        break;
    case State::Releasing: {
        const Samples held = now - phase_e_at_;
        if ((held >= options_.hang_up_hold && tx_idle_) || held >= kMaxReleaseHold) {
            exchange_.hang_up(number_);
            end_call();
        }
        break;
    }
    default:
        break;
    }
}

}  // namespace fax::sim
