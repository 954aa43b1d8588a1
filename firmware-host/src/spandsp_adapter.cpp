// The SpanDSP boundary of the simulator: RAII owners and C callback trampolines.
// This translation unit alone exposes SpanDSP's internal structures, to read the
// AT interpreter's mode, echo and result-code settings, which the 0.0.6 API
// does not export.
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES 1
#include "spandsp_adapter.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "fax/base/log.h"

namespace fax::sim::detail {
namespace {

constexpr std::string_view kComponent = "spandsp";

// SpanDSP's message handler carries no user data: all SpanDSP objects share one
// sink, which forwards to fax::log. Each object's tag names the line.
void span_message(int level, const char* text) {
    std::string_view msg(text ? text : "");
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.remove_suffix(1);
    if (msg.empty()) return;
    const log::Level l = level <= SPAN_LOG_WARNING ? log::Level::Warn
                         : level <= SPAN_LOG_FLOW  ? log::Level::Debug
                                                   : log::Level::Trace;
    log::write(l, kComponent, msg);
}

// SpanDSP log detail follows our log level: Debug shows protocol flow, Trace everything.
void configure_logging(logging_state_t* ls, const std::string& tag) {
    if (!ls) return;
    int level = SPAN_LOG_WARNING;
    if (log::enabled(log::Level::Trace))
        level = SPAN_LOG_DEBUG;
    else if (log::enabled(log::Level::Debug))
        level = SPAN_LOG_FLOW;
    span_log_set_level(ls, level | SPAN_LOG_SHOW_TAG | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_SHOW_SAMPLE_TIME);
    span_log_set_tag(ls, tag.c_str());
    span_log_set_message_handler(ls, span_message);
}

}  // namespace

// ---------------------------------------------------------------- T31Engine

// SpanDSP 0.0.6's t31_release() does not free the DTE->modem queue that t31_init()
// allocates (LeakSanitizer reports it for every modem): free it here, then the state.
void T31Engine::Free::operator()(t31_state_t* s) const noexcept {
    if (s->rx_queue) {
        queue_free(s->rx_queue);
        s->rx_queue = nullptr;
    }
    t31_free(s);
}

T31Engine::T31Engine(T31Listener& listener) : listener_(listener) {}

T31Engine::~T31Engine() = default;

Result<std::unique_ptr<T31Engine>> T31Engine::create(T31Listener& listener, const std::string& log_tag) {
    std::unique_ptr<T31Engine> e(new T31Engine(listener));
    e->tag_ = log_tag;  // SpanDSP keeps the pointer: it must live as long as the state
    t31_state_t* s = t31_init(nullptr, &T31Engine::on_at_tx, e.get(), &T31Engine::on_control, e.get(),
                              nullptr /* audio, not T.38 */, nullptr);
    if (!s) return fail(Errc::Internal, "t31_init failed");
    e->state_.reset(s);
    configure_logging(t31_get_logging_state(s), e->tag_);
    configure_logging(&s->at_state.logging, e->tag_);
    return e;
}

int T31Engine::on_at_tx(at_state_t*, void* user_data, const uint8_t* buf, size_t len) {
    auto* self = static_cast<T31Engine*>(user_data);
    self->listener_.t31_at_output(std::span<const uint8_t>(buf, len));
    return static_cast<int>(len);
}

int T31Engine::on_control(t31_state_t*, void* user_data, int op, const char* num) {
    auto* self = static_cast<T31Engine*>(user_data);
    return self->listener_.t31_control(op, num);
}

void T31Engine::at_rx(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return;
    t31_at_rx(state_.get(), reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size()));
}

std::size_t T31Engine::tx(std::span<int16_t> out) {
    const int n = t31_tx(state_.get(), out.data(), static_cast<int>(out.size()));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

void T31Engine::rx(std::span<const int16_t> in) {
    // t31_rx takes a non-const buffer (it does not write to it); hand it a copy.
    scratch_.assign(in.begin(), in.end());
    t31_rx(state_.get(), scratch_.data(), static_cast<int>(scratch_.size()));
}

void T31Engine::call_event(int at_call_event) { t31_call_event(state_.get(), at_call_event); }

bool T31Engine::in_command_mode() const {
    const int mode = state_->at_state.at_rx_mode;
    return mode == AT_MODE_ONHOOK_COMMAND || mode == AT_MODE_OFFHOOK_COMMAND;
}

bool T31Engine::echo() const { return state_->at_state.p.echo != 0; }

int T31Engine::result_code_format() const { return state_->at_state.p.result_code_format; }

char T31Engine::s3() const { return static_cast<char>(state_->at_state.p.s_regs[3]); }

void T31Engine::put_response_code(int code) { at_put_response_code(&state_->at_state, code); }

void T31Engine::put_response(const std::string& text) { at_put_response(&state_->at_state, text.c_str()); }

// ---------------------------------------------------------------- FaxEngine

void FaxEngine::Free::operator()(fax_state_t* s) const noexcept { fax_free(s); }

FaxEngine::FaxEngine(FaxListener& listener) : listener_(listener) {}

FaxEngine::~FaxEngine() = default;

Result<std::unique_ptr<FaxEngine>> FaxEngine::create(const FaxConfig& config, FaxListener& listener,
                                                     const std::string& log_tag) {
    std::unique_ptr<FaxEngine> e(new FaxEngine(listener));
    e->tag_ = log_tag;
    fax_state_t* s = fax_init(nullptr, config.calling_party ? 1 : 0);
    if (!s) return fail(Errc::Internal, "fax_init failed");
    e->state_.reset(s);
    configure_logging(fax_get_logging_state(s), e->tag_);
    t30_state_t* t30 = fax_get_t30_state(s);
    configure_logging(t30_get_logging_state(t30), e->tag_);

    if (t30_set_tx_ident(t30, config.ident.c_str()) != 0)
        return fail(Errc::InvalidArgument, "terminal ident '" + config.ident + "' is not a valid T.30 ident");
    t30_set_ecm_capability(t30, config.ecm ? 1 : 0);
    t30_set_supported_compressions(t30, config.compressions);
    t30_set_supported_modems(t30, config.modems);
    if (!config.tx_file.empty()) t30_set_tx_file(t30, config.tx_file.c_str(), -1, -1);
    if (!config.rx_file.empty()) t30_set_rx_file(t30, config.rx_file.c_str(), -1);
    if (config.rx_encoding != 0) t30_set_rx_encoding(t30, config.rx_encoding);
    t30_set_phase_e_handler(t30, &FaxEngine::on_phase_e, e.get());
    return e;
}

void FaxEngine::on_phase_e(t30_state_t*, void* user_data, int completion_code) {
    static_cast<FaxEngine*>(user_data)->listener_.fax_phase_e(completion_code);
}

std::size_t FaxEngine::tx(std::span<int16_t> out) {
    const int n = fax_tx(state_.get(), out.data(), static_cast<int>(out.size()));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

void FaxEngine::rx(std::span<const int16_t> in) {
    scratch_.assign(in.begin(), in.end());
    fax_rx(state_.get(), scratch_.data(), static_cast<int>(scratch_.size()));
}

void FaxEngine::terminate() { t30_terminate(fax_get_t30_state(state_.get())); }

FaxStats FaxEngine::stats() const {
    t30_stats_t st{};
    t30_get_transfer_statistics(fax_get_t30_state(state_.get()), &st);
    FaxStats out;
    out.pages_tx = st.pages_tx;
    out.pages_rx = st.pages_rx;
    out.bit_rate = st.bit_rate;
    out.ecm = st.error_correcting_mode != 0;
    out.encoding = st.encoding;
    return out;
}

std::string FaxEngine::remote_ident() const {
    const char* id = t30_get_rx_ident(fax_get_t30_state(state_.get()));
    return id ? std::string(id) : std::string();
}

std::string completion_text(int t30_completion_code) {
    const char* s = t30_completion_code_to_str(t30_completion_code);
    return s ? std::string(s) : std::string("unknown");
}

// ---------------------------------------------------------------- AwgnSource

void AwgnSource::Free::operator()(awgn_state_t* s) const noexcept { awgn_free(s); }

AwgnSource::~AwgnSource() = default;

Result<std::unique_ptr<AwgnSource>> AwgnSource::create(int seed, double dbm0) {
    std::unique_ptr<AwgnSource> a(new AwgnSource());
    awgn_state_t* s = awgn_init_dbm0(nullptr, seed, static_cast<float>(dbm0));
    if (!s) return fail(Errc::Internal, "awgn_init_dbm0 failed");
    a->state_.reset(s);
    return a;
}

void AwgnSource::add_to(std::span<int16_t> audio) {
    for (auto& x : audio) {
        const int v = int{x} + int{awgn(state_.get())};
        x = static_cast<int16_t>(std::clamp(v, int{std::numeric_limits<int16_t>::min()},
                                            int{std::numeric_limits<int16_t>::max()}));
    }
}

}  // namespace fax::sim::detail
