// The T.38 half of the simulator's SpanDSP boundary (see spandsp_adapter.h): t31's T.38
// front end made whole for a Class 1 DTE, the T.38 reference terminal and the T.38
// gateway. Like spandsp_adapter.cpp, this translation unit reads SpanDSP's internal
// structures: the front ends' clocks (to step exactly to the next paced packet) and the
// cores' transmit sequence numbers, which 0.0.6 does not export.
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES 1
#include <algorithm>
#include <array>

#include "fax/base/log.h"
#include "spandsp_adapter.h"

namespace fax::sim::detail {
namespace {

constexpr int kTimedStepNone = 0;  // T38_TIMED_STEP_NONE in t31.c / t38_terminal.c
// Zero-delay steps run back to back within one advance (the front ends run one per call).
constexpr int kMaxStepsPerAdvance = 16;

std::vector<uint8_t> reversed(const uint8_t* buf, int len) {
    std::vector<uint8_t> out(static_cast<std::size_t>(std::max(len, 0)));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = bit_reverse8(buf[i]);
    return out;
}

int category_of(int data_type, int field_type) {
    const bool end = field_type != T38_FIELD_HDLC_DATA && field_type != T38_FIELD_T4_NON_ECM_DATA;
    if (data_type == T38_DATA_V21)
        return end ? T38_PACKET_CATEGORY_CONTROL_DATA_END : T38_PACKET_CATEGORY_CONTROL_DATA;
    return end ? T38_PACKET_CATEGORY_IMAGE_DATA_END : T38_PACKET_CATEGORY_IMAGE_DATA;
}

bool is_training(int indicator) {
    return indicator >= T38_IND_V27TER_2400_TRAINING && indicator <= T38_IND_V33_14400_TRAINING;
}

bool is_hdlc_field(int field_type) {
    switch (field_type) {
    case T38_FIELD_HDLC_DATA:
    case T38_FIELD_HDLC_SIG_END:
    case T38_FIELD_HDLC_FCS_OK:
    case T38_FIELD_HDLC_FCS_BAD:
    case T38_FIELD_HDLC_FCS_OK_SIG_END:
    case T38_FIELD_HDLC_FCS_BAD_SIG_END: return true;
    default: return false;
    }
}

int no_tx(t38_core_state_t*, void*, const uint8_t*, int, int) { return 0; }
int no_indicator(t38_core_state_t*, void*, int) { return 0; }
int no_data(t38_core_state_t*, void*, int, int, const uint8_t*, int) { return 0; }
int no_missing(t38_core_state_t*, void*, int, int) { return 0; }

// The samples until a paced front end's next timed step or receive timeout, if any.
template <typename Fe>
std::optional<int> front_end_due(const Fe& fe, bool paced) {
    std::optional<int> due;
    auto consider = [&](int d) { due = due ? std::min(*due, std::max(d, 0)) : std::max(d, 0); };
    if (fe.timed_step != kTimedStepNone) consider(paced ? fe.next_tx_samples - fe.samples : 0);
    if (fe.timeout_rx_samples != 0) consider(fe.timeout_rx_samples - fe.samples + 1);
    return due;
}

}  // namespace

// ---------------------------------------------------------------- T31Engine's T.38 side

int T31Engine::on_t38_tx(t38_core_state_t*, void* user_data, const uint8_t* buf, int len, int) {
    auto* self = static_cast<T31Engine*>(user_data);
    if (self->t38_) self->t38_->from_t31(buf, len);
    return 0;
}

void T31Engine::set_t38(bool on, IfpSink* sink, int t38_version) {
    if (on && sink)
        t38_->start(sink, t38_version);
    else
        t38_->stop();
}

bool T31Engine::t38() const { return t38_ && t38_->active(); }

void T31Engine::t38_advance(int samples) { t38_->advance(samples); }

std::optional<int> T31Engine::t38_next_due() const { return t38_->next_due(); }

void T31Engine::t38_rx(std::span<const uint8_t> ifp, uint16_t seq) { t38_->from_line(ifp, seq); }

// ---------------------------------------------------------------- T31T38Front

void T31T38Front::CoreFree::operator()(t38_core_state_t* s) const noexcept { t38_core_free(s); }
void T31T38Front::RxFree::operator()(hdlc_rx_state_t* s) const noexcept { hdlc_rx_free(s); }
void T31T38Front::TxFree::operator()(hdlc_tx_state_t* s) const noexcept { hdlc_tx_free(s); }

T31T38Front::T31T38Front(t31_state_t* t31) : t31_(t31) {}

T31T38Front::~T31T38Front() {
    // Give t31's core its own handlers back: it outlives nothing of ours, but stay tidy.
    t38_core_state_t* core = t31_get_t38_core_state(t31_);
    core->rx_indicator_handler = t31_rx_indicator_;
    core->rx_data_handler = t31_rx_data_;
    core->rx_missing_handler = t31_rx_missing_;
    core->rx_user_data = t31_rx_user_;
}

Result<std::unique_ptr<T31T38Front>> T31T38Front::create(t31_state_t* t31, const std::string& log_tag) {
    std::unique_ptr<T31T38Front> f(new T31T38Front(t31));
    f->tag_ = log_tag;
    f->decoder_.reset(t38_core_init(nullptr, &dec_indicator, &dec_data, &dec_missing, f.get(), &no_tx, f.get()));
    f->encoder_.reset(t38_core_init(nullptr, &no_indicator, &no_data, &no_missing, f.get(), &enc_tx, f.get()));
    f->deframer_.reset(hdlc_rx_init(nullptr, 0, 1, 2, &deframed, f.get()));
    f->framer_.reset(hdlc_tx_init(nullptr, 0, 2, 0, &framer_underflow, f.get()));
    if (!f->decoder_ || !f->encoder_ || !f->deframer_ || !f->framer_)
        return fail(Errc::Internal, "T.38 front end: SpanDSP init failed");
    configure_logging(t38_core_get_logging_state(f->decoder_.get()), f->tag_);
    configure_logging(t38_core_get_logging_state(f->encoder_.get()), f->tag_);
    t38_core_state_t* core = t31_get_t38_core_state(t31);
    // The line sees t31's redundancy settings (paced UDP: indicators and ends repeated).
    for (int c = 0; c < 5; ++c) t38_set_redundancy_control(f->encoder_.get(), c, core->category_control[c]);
    f->t31_rx_indicator_ = core->rx_indicator_handler;
    f->t31_rx_data_ = core->rx_data_handler;
    f->t31_rx_missing_ = core->rx_missing_handler;
    f->t31_rx_user_ = core->rx_user_data;
    core->rx_indicator_handler = &rx_indicator;
    core->rx_data_handler = &rx_data;
    core->rx_missing_handler = &rx_missing;
    core->rx_user_data = f.get();
    return f;
}

void T31T38Front::start(IfpSink* sink, int t38_version) {
    sink_ = sink;
    t38_core_state_t* core = t31_get_t38_core_state(t31_);
    for (t38_core_state_t* c : {core, decoder_.get(), encoder_.get()}) {
        t38_core_restart(c);
        t38_set_t38_version(c, t38_version);
    }
    auto& fe = t31_->t38_fe;
    fe.samples = 0;
    fe.next_tx_samples = 0;
    fe.timeout_rx_samples = 0;
    fe.timed_step = kTimedStepNone;
    fe.rx_data_missing = 0;
    fe.hdlc_rx.len = 0;
    hdlc_rx_restart(deframer_.get());
    hdlc_tx_restart(framer_.get());
    seen_t31_packet_ = false;
    ecm_ = false;
    cfr_seen_ = false;
    v21_out_.clear();
    v21_in_.clear();
    ecm_tx_type_ = -1;
    ecm_in_.clear();
    ecm_in_burst_ = false;
    t31_set_mode(t31_, 1);
}

void T31T38Front::stop() {
    if (!sink_) return;
    t31_set_mode(t31_, 0);
    sink_ = nullptr;
}

void T31T38Front::advance(int samples) {
    if (!sink_) return;
    // call_samples (the AT layer's clock: S7, the DTE data timeout) only advances through
    // the receive path, which T.38 does not use.
    if (samples > 0) t31_rx_fillin(t31_, samples);
    t31_t38_send_timeout(t31_, samples);
    const auto& fe = t31_->t38_fe;
    for (int i = 0; i < kMaxStepsPerAdvance && sink_; ++i) {
        if (fe.timed_step == kTimedStepNone) break;
        if (fe.ms_per_tx_chunk != 0 && fe.samples < fe.next_tx_samples) break;
        t31_t38_send_timeout(t31_, 0);
    }
}

std::optional<int> T31T38Front::next_due() const {
    if (!sink_) return std::nullopt;
    auto due = front_end_due(t31_->t38_fe, t31_->t38_fe.ms_per_tx_chunk != 0);
    if (t31_->dte_data_timeout != 0) {
        const int d = static_cast<int>(std::max<int64_t>(t31_->dte_data_timeout - t31_->call_samples + 1, 0));
        due = due ? std::min(*due, d) : d;
    }
    return due;
}

// t31's core → decoder → (translate) → encoder → line.
void T31T38Front::from_t31(const uint8_t* buf, int len) {
    if (!sink_) return;
    const auto seq = static_cast<uint16_t>(t31_get_t38_core_state(t31_)->tx_seq_no);
    if (seen_t31_packet_ && seq == last_t31_seq_) return;  // a repeat: the encoder repeats by itself
    seen_t31_packet_ = true;
    last_t31_seq_ = seq;
    t38_core_rx_ifp_packet(decoder_.get(), buf, len, seq);
}

int T31T38Front::dec_indicator(t38_core_state_t*, void* user_data, int indicator) {
    auto* self = static_cast<T31T38Front*>(user_data);
    if (!self->sink_) return 0;
    if (is_training(indicator)) {
        hdlc_rx_restart(self->deframer_.get());
        self->ecm_tx_type_ = -1;
    }
    t38_core_send_indicator(self->encoder_.get(), indicator);
    return 0;
}

int T31T38Front::dec_data(t38_core_state_t*, void* user_data, int data_type, int field_type, const uint8_t* buf,
                          int len) {
    static_cast<T31T38Front*>(user_data)->outgoing_data(data_type, field_type, buf, len);
    return 0;
}

int T31T38Front::dec_missing(t38_core_state_t*, void*, int, int) { return 0; }

void T31T38Front::outgoing_data(int data_type, int field_type, const uint8_t* buf, int len) {
    if (!sink_) return;
    if (data_type == T38_DATA_V21) {
        // Watch the DTE's frames for DCS: its bit 27 says whether phase C is ECM.
        if (field_type == T38_FIELD_HDLC_DATA && len > 0) {
            const auto r = reversed(buf, len);
            v21_out_.insert(v21_out_.end(), r.begin(), r.end());
        } else if (field_type == T38_FIELD_HDLC_FCS_OK || field_type == T38_FIELD_HDLC_FCS_OK_SIG_END) {
            if (v21_out_.size() >= 3 && (v21_out_[2] & 0xFE) == T30_DCS) {
                ecm_ = v21_out_.size() >= 7 && (v21_out_[6] & 0x04) != 0;
                cfr_seen_ = false;
                FAX_LOG(Debug, "t38", tag_ + ": DCS sent, phase C " + (ecm_ ? "ECM" : "non-ECM"));
            }
            // 0.0.6's t31 ends its last frame with FCS_OK and then only the no-signal
            // indicator, never a signal end, and a receiving t31 waits for one before it
            // says OK: end the last frame (control field 0x13) the way T.38 terminals do.
            if (field_type == T38_FIELD_HDLC_FCS_OK && v21_out_.size() >= 2 && v21_out_[1] == 0x13)
                field_type = T38_FIELD_HDLC_FCS_OK_SIG_END;
            v21_out_.clear();
        } else if (field_type != T38_FIELD_HDLC_DATA) {
            v21_out_.clear();
        }
        send(data_type, field_type, buf, len);
        return;
    }
    // Phase C is ECM once the far end confirmed the DCS with CFR; the TCF before it is plain data.
    if (ecm_ && cfr_seen_ && (field_type == T38_FIELD_T4_NON_ECM_DATA || field_type == T38_FIELD_T4_NON_ECM_SIG_END)) {
        ecm_tx_type_ = data_type;
        // The wire carries the DTE's bits first-bit-in-MSB: the order hdlc_rx takes.
        for (int i = 0; i < len; ++i) hdlc_rx_put_byte(deframer_.get(), buf[i]);
        if (field_type == T38_FIELD_T4_NON_ECM_SIG_END) {
            send(data_type, T38_FIELD_HDLC_SIG_END, nullptr, 0);
            hdlc_rx_restart(deframer_.get());
        }
        return;
    }
    send(data_type, field_type, buf, len);
}

void T31T38Front::deframed(void* user_data, const uint8_t* msg, int len, int ok) {
    auto* self = static_cast<T31T38Front*>(user_data);
    if (len < 0 || !self->sink_ || self->ecm_tx_type_ < 0) return;  // status reports
    // A bad frame still carries its FCS; T.38 never does.
    const int body = ok ? len : std::max(len - 2, 0);
    const auto wire = reversed(msg, body);
    // Data fields of the size t31 itself uses at this rate (30 ms of bits).
    const int chunk = std::max(self->t31_->t38_fe.octets_per_data_packet, 16);
    for (int pos = 0; pos < body; pos += chunk)
        self->send(self->ecm_tx_type_, T38_FIELD_HDLC_DATA, wire.data() + pos, std::min(chunk, body - pos));
    self->send(self->ecm_tx_type_, ok ? T38_FIELD_HDLC_FCS_OK : T38_FIELD_HDLC_FCS_BAD, nullptr, 0);
}

void T31T38Front::send(int data_type, int field_type, const uint8_t* buf, int len) {
    t38_core_send_data(encoder_.get(), data_type, field_type, buf, len, category_of(data_type, field_type));
}

int T31T38Front::enc_tx(t38_core_state_t* s, void* user_data, const uint8_t* buf, int len, int count) {
    auto* self = static_cast<T31T38Front*>(user_data);
    if (self->sink_)
        self->sink_->ifp_send(std::span<const uint8_t>(buf, static_cast<std::size_t>(len)),
                              static_cast<uint16_t>(s->tx_seq_no), count);
    return 0;
}

// line → t31's core → (translate) → t31's own handlers.
void T31T38Front::from_line(std::span<const uint8_t> ifp, uint16_t seq) {
    if (!sink_) return;
    t38_core_rx_ifp_packet(t31_get_t38_core_state(t31_), ifp.data(), static_cast<int>(ifp.size()), seq);
}

int T31T38Front::rx_indicator(t38_core_state_t* s, void* user_data, int indicator) {
    auto* self = static_cast<T31T38Front*>(user_data);
    if (is_training(indicator)) {
        self->ecm_in_.clear();
        self->ecm_in_burst_ = false;
        hdlc_tx_restart(self->framer_.get());
    }
    return self->t31_rx_indicator_(s, self->t31_rx_user_, indicator);
}

int T31T38Front::rx_missing(t38_core_state_t* s, void* user_data, int rx_seq_no, int expected_seq_no) {
    auto* self = static_cast<T31T38Front*>(user_data);
    return self->t31_rx_missing_(s, self->t31_rx_user_, rx_seq_no, expected_seq_no);
}

int T31T38Front::rx_data(t38_core_state_t*, void* user_data, int data_type, int field_type, const uint8_t* buf,
                         int len) {
    static_cast<T31T38Front*>(user_data)->incoming_data(data_type, field_type, buf, len);
    return 0;
}

void T31T38Front::to_dte(int data_type, int field_type, const std::vector<uint8_t>& bytes) {
    t31_rx_data_(t31_get_t38_core_state(t31_), t31_rx_user_, data_type, field_type, bytes.data(),
                 static_cast<int>(bytes.size()));
}

void T31T38Front::framer_underflow(void* user_data) { static_cast<T31T38Front*>(user_data)->underflow_ = true; }

void T31T38Front::frame_to_dte(int data_type, bool first) {
    hdlc_tx_state_t* tx = framer_.get();
    std::vector<uint8_t> out;
    // A preamble the DTE's deframer can lock on to (it wants a few flags first).
    if (first) hdlc_tx_flags(tx, 16);
    if (hdlc_tx_frame(tx, ecm_in_.data(), ecm_in_.size()) != 0) {
        FAX_LOG(Warn, "t38", tag_ + ": ECM frame of " + std::to_string(ecm_in_.size()) + " octets dropped");
        return;
    }
    underflow_ = false;
    // t31 (0.0.6) hands received non-ECM data to the DTE as it came off the wire, not bit
    // reversed: give it the DTE's order (first bit in the LSB) already.
    for (int guard = 0; !underflow_ && guard < 4 * 4096; ++guard)
        out.push_back(bit_reverse8(static_cast<uint8_t>(hdlc_tx_get_byte(tx))));
    for (int i = 0; i < 2; ++i) out.push_back(bit_reverse8(static_cast<uint8_t>(hdlc_tx_get_byte(tx))));
    to_dte(data_type, T38_FIELD_T4_NON_ECM_DATA, out);
}

void T31T38Front::incoming_data(int data_type, int field_type, const uint8_t* buf, int len) {
    if (data_type == T38_DATA_V21) {
        // Watch the far end's frames for CFR: from there on, a DCS with ECM means ECM phase C.
        if (field_type == T38_FIELD_HDLC_DATA && len > 0) {
            const auto r = reversed(buf, len);
            v21_in_.insert(v21_in_.end(), r.begin(), r.end());
        } else if (field_type == T38_FIELD_HDLC_FCS_OK || field_type == T38_FIELD_HDLC_FCS_OK_SIG_END) {
            if (v21_in_.size() >= 3 && (v21_in_[2] & 0xFE) == T30_CFR) cfr_seen_ = true;
            v21_in_.clear();
        } else {
            v21_in_.clear();
        }
    }
    if (data_type != T38_DATA_V21 && is_hdlc_field(field_type)) {
        // ECM image data: frames become the HDLC bit stream a Class 1 DTE reads after +FRM.
        auto end_burst = [&] {
            if (!ecm_in_burst_) return;
            std::vector<uint8_t> flags;
            for (int i = 0; i < 4; ++i) flags.push_back(bit_reverse8(static_cast<uint8_t>(hdlc_tx_get_byte(framer_.get()))));
            to_dte(data_type, T38_FIELD_T4_NON_ECM_SIG_END, flags);
            ecm_in_burst_ = false;
        };
        switch (field_type) {
        case T38_FIELD_HDLC_DATA:
            if (len > 0) {
                const auto r = reversed(buf, len);
                ecm_in_.insert(ecm_in_.end(), r.begin(), r.end());
            }
            break;
        case T38_FIELD_HDLC_FCS_OK:
        case T38_FIELD_HDLC_FCS_OK_SIG_END:
            if (!ecm_in_.empty()) {
                frame_to_dte(data_type, !ecm_in_burst_);
                ecm_in_burst_ = true;
            }
            ecm_in_.clear();
            if (field_type == T38_FIELD_HDLC_FCS_OK_SIG_END) end_burst();
            break;
        case T38_FIELD_HDLC_FCS_BAD:
        case T38_FIELD_HDLC_FCS_BAD_SIG_END:
            // A frame the far end knows is bad: leave it out, the DTE asks again (PPR).
            ecm_in_.clear();
            if (field_type == T38_FIELD_HDLC_FCS_BAD_SIG_END) end_burst();
            break;
        case T38_FIELD_HDLC_SIG_END:
            ecm_in_.clear();
            end_burst();
            break;
        default:
            break;
        }
        return;
    }
    if ((field_type == T38_FIELD_T4_NON_ECM_DATA || field_type == T38_FIELD_T4_NON_ECM_SIG_END) && len > 0) {
        to_dte(data_type, field_type, reversed(buf, len));
        return;
    }
    t31_rx_data_(t31_get_t38_core_state(t31_), t31_rx_user_, data_type, field_type, buf, len);
}

// ---------------------------------------------------------------- T38TerminalEngine

void T38TerminalEngine::Free::operator()(t38_terminal_state_t* s) const noexcept { t38_terminal_free(s); }

T38TerminalEngine::T38TerminalEngine(FaxListener& listener, IfpSink& sink) : listener_(listener), sink_(sink) {}

T38TerminalEngine::~T38TerminalEngine() = default;

Result<std::unique_ptr<T38TerminalEngine>> T38TerminalEngine::create(const FaxConfig& config, FaxListener& listener,
                                                                     IfpSink& sink, int t38_version,
                                                                     const std::string& log_tag) {
    std::unique_ptr<T38TerminalEngine> e(new T38TerminalEngine(listener, sink));
    e->tag_ = log_tag;
    t38_terminal_state_t* s = t38_terminal_init(nullptr, config.calling_party ? 1 : 0, &on_tx, e.get());
    if (!s) return fail(Errc::Internal, "t38_terminal_init failed");
    e->state_.reset(s);
    configure_logging(t38_terminal_get_logging_state(s), e->tag_);
    t30_state_t* t30 = t38_terminal_get_t30_state(s);
    configure_logging(t30_get_logging_state(t30), e->tag_);
    t38_core_state_t* core = t38_terminal_get_t38_core_state(s);
    configure_logging(t38_core_get_logging_state(core), e->tag_);
    t38_set_t38_version(core, t38_version);
    t38_terminal_set_config(s, 0);  // paced, as over UDP
    t38_terminal_set_tep_mode(s, 0);
    t38_terminal_set_fill_bit_removal(s, 0);
    if (auto st = configure_t30(t30, config); !st) return fail(st.error());
    t30_set_phase_e_handler(t30, &T38TerminalEngine::on_phase_e, e.get());
    return e;
}

void T38TerminalEngine::on_phase_e(t30_state_t*, void* user_data, int completion_code) {
    static_cast<T38TerminalEngine*>(user_data)->listener_.fax_phase_e(completion_code);
}

int T38TerminalEngine::on_tx(t38_core_state_t* s, void* user_data, const uint8_t* buf, int len, int count) {
    auto* self = static_cast<T38TerminalEngine*>(user_data);
    self->sink_.ifp_send(std::span<const uint8_t>(buf, static_cast<std::size_t>(len)),
                         static_cast<uint16_t>(s->tx_seq_no), count);
    return 0;
}

std::size_t T38TerminalEngine::tx(std::span<int16_t>) { return 0; }
void T38TerminalEngine::rx(std::span<const int16_t>) {}

void T38TerminalEngine::t38_advance(int samples) {
    t38_terminal_state_t* s = state_.get();
    t38_terminal_send_timeout(s, samples);
    const auto& fe = s->t38_fe;
    for (int i = 0; i < kMaxStepsPerAdvance; ++i) {
        if (fe.timed_step == kTimedStepNone) break;
        if (fe.us_per_tx_chunk != 0 && fe.samples < fe.next_tx_samples) break;
        if (t38_terminal_send_timeout(s, 0)) break;
    }
}

std::optional<int> T38TerminalEngine::t38_next_due() const {
    return front_end_due(state_->t38_fe, state_->t38_fe.us_per_tx_chunk != 0);
}

void T38TerminalEngine::t38_rx(std::span<const uint8_t> ifp, uint16_t seq) {
    t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(state_.get()), ifp.data(), static_cast<int>(ifp.size()),
                           seq);
}

bool T38TerminalEngine::t38_tx_idle() const { return state_->t38_fe.timed_step == kTimedStepNone; }

void T38TerminalEngine::terminate() { t30_terminate(t38_terminal_get_t30_state(state_.get())); }

FaxStats T38TerminalEngine::stats() const { return t30_stats(t38_terminal_get_t30_state(state_.get())); }

std::string T38TerminalEngine::remote_ident() const {
    return t30_remote_ident(t38_terminal_get_t30_state(state_.get()));
}

// ---------------------------------------------------------------- T38GatewayEngine

void T38GatewayEngine::Free::operator()(t38_gateway_state_t* s) const noexcept { t38_gateway_free(s); }

T38GatewayEngine::T38GatewayEngine(IfpSink& sink) : sink_(sink) {}

T38GatewayEngine::~T38GatewayEngine() = default;

Result<std::unique_ptr<T38GatewayEngine>> T38GatewayEngine::create(IfpSink& sink, int t38_version,
                                                                   const std::string& log_tag) {
    std::unique_ptr<T38GatewayEngine> g(new T38GatewayEngine(sink));
    g->tag_ = log_tag;
    t38_gateway_state_t* s = t38_gateway_init(nullptr, &on_tx, g.get());
    if (!s) return fail(Errc::Internal, "t38_gateway_init failed");
    g->state_.reset(s);
    configure_logging(t38_gateway_get_logging_state(s), g->tag_);
    t38_core_state_t* core = t38_gateway_get_t38_core_state(s);
    configure_logging(t38_core_get_logging_state(core), g->tag_);
    t38_set_t38_version(core, t38_version);
    t38_gateway_set_transmit_on_idle(s, 1);
    t38_gateway_set_supported_modems(s, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
    t38_gateway_set_ecm_capability(s, 1);
    t38_gateway_set_tep_mode(s, 0);
    // Pass NSF/NSS/NSC as they are: the simulated equipment has nothing to hide.
    t38_gateway_set_nsx_suppression(s, nullptr, 0, nullptr, 0);
    return g;
}

int T38GatewayEngine::on_tx(t38_core_state_t* s, void* user_data, const uint8_t* buf, int len, int count) {
    auto* self = static_cast<T38GatewayEngine*>(user_data);
    self->sink_.ifp_send(std::span<const uint8_t>(buf, static_cast<std::size_t>(len)),
                         static_cast<uint16_t>(s->tx_seq_no), count);
    return 0;
}

void T38GatewayEngine::audio_from_line(std::span<const int16_t> in) {
    scratch_.assign(in.begin(), in.end());
    t38_gateway_rx(state_.get(), scratch_.data(), static_cast<int>(scratch_.size()));
}

void T38GatewayEngine::audio_to_line(std::span<int16_t> out) {
    const int n = t38_gateway_tx(state_.get(), out.data(), static_cast<int>(out.size()));
    std::fill(out.begin() + std::max(n, 0), out.end(), int16_t{0});
}

void T38GatewayEngine::t38_rx(std::span<const uint8_t> ifp, uint16_t seq) {
    t38_core_rx_ifp_packet(t38_gateway_get_t38_core_state(state_.get()), ifp.data(), static_cast<int>(ifp.size()),
                           seq);
}

}  // namespace fax::sim::detail
