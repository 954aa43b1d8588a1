#include "fax/t30/spandsp/t30_engine.h"

#include <cstdio>

#include "c_callbacks.h"
#include "fax/base/log.h"
#include "fax/t30/spandsp/call_end_map.h"
#include "fax/t30/spandsp/spandsp.h"

namespace fax::t30::spandsp {

namespace {

FrontEndModem front_end_modem(int t30_modem) {
    switch (t30_modem) {
    case T30_MODEM_PAUSE: return FrontEndModem::Pause;
    case T30_MODEM_CED: return FrontEndModem::Ced;
    case T30_MODEM_CNG: return FrontEndModem::Cng;
    case T30_MODEM_V21: return FrontEndModem::V21;
    case T30_MODEM_V27TER: return FrontEndModem::V27ter;
    case T30_MODEM_V29: return FrontEndModem::V29;
    case T30_MODEM_V17: return FrontEndModem::V17;
    case T30_MODEM_DONE: return FrontEndModem::Done;
    default: return FrontEndModem::None;  // NONE, and V.34 which is never offered
    }
}

ModemRequest request(int type, int bit_rate, int short_train, int use_hdlc) {
    ModemRequest r;
    r.modem = front_end_modem(type);
    r.bit_rate = bit_rate;
    r.short_train = short_train != 0;
    r.hdlc = use_hdlc != 0;
    // A PAUSE carries its length in milliseconds in the short_train argument (notes).
    if (r.modem == FrontEndModem::Pause) r.pause_ms = short_train;
    return r;
}

int sig_status(RxSignal s) {
    switch (s) {
    case RxSignal::CarrierUp: return SIG_STATUS_CARRIER_UP;
    case RxSignal::FramingOk: return SIG_STATUS_FRAMING_OK;
    case RxSignal::TrainingSucceeded: return SIG_STATUS_TRAINING_SUCCEEDED;
    case RxSignal::CarrierDown: return SIG_STATUS_CARRIER_DOWN;
    }
    return SIG_STATUS_CARRIER_DOWN;
}

// T.30 §5.3.6.1.5: post-message responses.
std::string response_name(int fcf) {
    switch (fcf & 0xFE) {
    case T30_MCF: return "MCF";
    case T30_RTP: return "RTP";
    case T30_RTN: return "RTN";
    case T30_PIP: return "PIP";
    case T30_PIN: return "PIN";
    case T30_PPR: return "PPR";
    case T30_RNR: return "RNR";
    case T30_CRP: return "CRP";
    default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%02X", fcf);
        return buf;
    }
    }
}

std::string compression_name(int encoding) {
    switch (encoding) {
    case T4_COMPRESSION_ITU_T4_1D: return "MH";
    case T4_COMPRESSION_ITU_T4_2D: return "MR";
    case T4_COMPRESSION_ITU_T6: return "MMR";
    default: return "";
    }
}

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(' ');
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(' ');
    return s.substr(b, e - b + 1);
}

}  // namespace

std::string_view modulation_name(FrontEndModem m) {
    switch (m) {
    case FrontEndModem::V17: return "V.17";
    case FrontEndModem::V29: return "V.29";
    case FrontEndModem::V27ter: return "V.27ter";
    default: return "";
    }
}

void T30Engine::Free::operator()(t30_state_t* s) const noexcept { t30_free(s); }

T30Engine::T30Engine(const T30Config& config, T30Listener& listener) : config_(config), listener_(listener) {}
T30Engine::~T30Engine() = default;

Result<std::unique_ptr<T30Engine>> T30Engine::create(const T30Config& config, T30Listener& listener) {
    std::unique_ptr<T30Engine> e(new T30Engine(config, listener));
    // t30_init restarts the engine: the handlers fire already in here (notes).
    e->state_.reset(t30_init(nullptr, config.calling_party ? 1 : 0, &CCallbacks::set_rx_type, e.get(),
                             &CCallbacks::set_tx_type, e.get(), &CCallbacks::send_hdlc, e.get()));
    if (!e->state_) return fail(Errc::Internal, "t30_init failed");
    t30_state_t* t = e->state_.get();
    if (log::enabled(log::Level::Debug)) {
        logging_state_t* ls = t30_get_logging_state(t);
        span_log_set_level(ls, SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_FLOW);
        span_log_set_message_handler(ls, &CCallbacks::log_message);
    }
    // SpanDSP keeps pointers to these strings: they live in config_.
    t30_set_tx_ident(t, e->config_.local_ident.c_str());
    t30_set_ecm_capability(t, config.ecm ? 1 : 0);
    int compressions = 0;
    if (config.mh) compressions |= T30_SUPPORT_T4_1D_COMPRESSION;
    if (config.mr) compressions |= T30_SUPPORT_T4_2D_COMPRESSION;
    if (config.mmr && config.ecm) compressions |= T30_SUPPORT_T6_COMPRESSION;  // T.6 needs ECM
    t30_set_supported_compressions(t, compressions);
    int modems = 0;
    if (config.v27ter) modems |= T30_SUPPORT_V27TER;
    if (config.v29) modems |= T30_SUPPORT_V29;
    if (config.v17) modems |= T30_SUPPORT_V17;
    t30_set_supported_modems(t, modems);
    t30_set_phase_b_handler(t, &CCallbacks::phase_b, e.get());
    t30_set_phase_d_handler(t, &CCallbacks::phase_d, e.get());
    t30_set_phase_e_handler(t, &CCallbacks::phase_e, e.get());
    if (!e->config_.tx_file.empty()) t30_set_tx_file(t, e->config_.tx_file.c_str(), -1, -1);
    if (!e->config_.rx_file.empty()) t30_set_rx_file(t, e->config_.rx_file.c_str(), -1);
    return e;
}

void T30Engine::timer_update(Samples elapsed) {
    if (ended_ || elapsed.count() <= 0) return;
    t30_timer_update(state_.get(), static_cast<int>(elapsed.count()));
}

void T30Engine::send_step_complete() {
    if (!ended_) t30_front_end_status(state_.get(), T30_FRONT_END_SEND_STEP_COMPLETE);
}

void T30Engine::terminate() { t30_terminate(state_.get()); }

void T30Engine::hdlc_frame(std::span<const uint8_t> frame, bool ok) {
    t30_hdlc_accept(state_.get(), frame.data(), static_cast<int>(frame.size()), ok ? 1 : 0);
}

void T30Engine::hdlc_signal(RxSignal signal) { t30_hdlc_accept(state_.get(), nullptr, sig_status(signal), 1); }

void T30Engine::non_ecm_data(std::span<const uint8_t> data) {
    t30_non_ecm_put_chunk(state_.get(), data.data(), static_cast<int>(data.size()));
}

void T30Engine::non_ecm_signal(RxSignal signal) { t30_non_ecm_put_bit(state_.get(), sig_status(signal)); }

std::size_t T30Engine::non_ecm_fill(std::span<uint8_t> out) {
    const int n = t30_non_ecm_get_chunk(state_.get(), out.data(), static_cast<int>(out.size()));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

T30Stats T30Engine::stats() const {
    t30_stats_t st{};
    t30_get_transfer_statistics(state_.get(), &st);
    T30Stats out;
    out.bit_rate = st.bit_rate;
    out.ecm = st.error_correcting_mode != 0;
    out.compression = compression_name(st.encoding);
    out.pages_tx = st.pages_tx;
    out.pages_rx = st.pages_rx;
    return out;
}

void T30Engine::on_rx_type(int type, int bit_rate, int short_train, int use_hdlc) {
    listener_.t30_rx_request(request(type, bit_rate, short_train, use_hdlc));
}

void T30Engine::on_tx_type(int type, int bit_rate, int short_train, int use_hdlc) {
    listener_.t30_tx_request(request(type, bit_rate, short_train, use_hdlc));
}

void T30Engine::on_send_hdlc(const uint8_t* msg, int len) {
    if (msg == nullptr || len <= 0) {
        listener_.t30_send_hdlc({});
        return;
    }
    listener_.t30_send_hdlc(std::span<const uint8_t>(msg, static_cast<std::size_t>(len)));
}

int T30Engine::on_phase_b() {
    const char* id = t30_get_rx_ident(state_.get());
    return listener_.t30_remote_ident(trim(id ? id : "")) ? T30_ERR_OK : T30_ERR_IDENT_UNACCEPTABLE;
}

int T30Engine::on_phase_d(int fcf) {
    PostPageResponse r;
    r.name = response_name(fcf);
    const int f = fcf & 0xFE;
    r.confirmed = f == T30_MCF || f == T30_RTP;
    listener_.t30_page_done(r);
    return T30_ERR_OK;
}

void T30Engine::on_phase_e(int completion_code) {
    T30Completion c;
    c.end = call_end_from_completion(completion_code);
    c.code = completion_code;
    c.text = completion_text(completion_code);
    c.stats = stats();
    ended_ = true;
    listener_.t30_call_ended(c);
}

}  // namespace fax::t30::spandsp
