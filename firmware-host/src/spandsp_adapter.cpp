// The SpanDSP boundary of the simulator: RAII owners and C callback trampolines.
// This translation unit alone exposes SpanDSP's internal structures, to read the
// AT interpreter's mode, echo and result-code settings, which the 0.0.6 API
// does not export.
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES 1
#include "spandsp_adapter.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>

#include "fax/base/log.h"

namespace fax::sim::detail {
namespace {

constexpr std::string_view kComponent = "spandsp";

// Warnings SpanDSP 0.0.6 logs on calls that go perfectly well: a warning the station's
// log shows must mean that something went wrong. Each is an artefact of the library,
// measured on the simulated line:
//  - "ECM carrier not found": fax_state_t (the reference terminal, and the Class 2.0
//    modem's T.30) switches its receivers to V.17/V.29 + V.21 right after it sends CFR;
//    the switch reports carrier-down to T.30, which is already waiting for the first ECM
//    block (state F_DOC_ECM) and has not trained yet. Once per ECM call, every time,
//    before the sender has even started its carrier; the block then arrives and the call
//    completes. A carrier that really never comes ends the call with T2 or "carrier
//    lost", which the call's result reports at Warn or above.
constexpr std::array<std::string_view, 1> kNotAWarning = {"ECM carrier not found"};

// SpanDSP's message handler carries no user data: all SpanDSP objects share one
// sink, which forwards to fax::log. Each object's tag names the line.
void span_message(int level, const char* text) {
    std::string_view msg(text ? text : "");
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.remove_suffix(1);
    if (msg.empty()) return;
    log::Level l = level <= SPAN_LOG_WARNING ? log::Level::Warn
                   : level <= SPAN_LOG_FLOW  ? log::Level::Debug
                                             : log::Level::Trace;
    if (l == log::Level::Warn &&
        std::any_of(kNotAWarning.begin(), kNotAWarning.end(), [&](std::string_view a) { return msg.ends_with(a); }))
        l = log::Level::Debug;
    if (log::enabled(l)) log::write(l, kComponent, msg);
}

}  // namespace

// SpanDSP log detail follows our log level: Debug shows protocol flow, Trace everything.
// No sample-time stamp: these objects' log clocks are never advanced (it read 00:00:00.000).
void configure_logging(logging_state_t* ls, const std::string& tag) {
    if (!ls) return;
    int level = SPAN_LOG_WARNING;
    if (log::enabled(log::Level::Trace))
        level = SPAN_LOG_DEBUG;
    else if (log::enabled(log::Level::Debug))
        level = SPAN_LOG_FLOW;
    span_log_set_level(ls, level | SPAN_LOG_SHOW_TAG | SPAN_LOG_SHOW_PROTOCOL);
    span_log_set_tag(ls, tag.c_str());
    span_log_set_message_handler(ls, span_message);
}

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
    // With a T.38 packet handler t31 also sets up its T.38 front end (paced, as over UDP);
    // it stays on audio until set_t38.
    t31_state_t* s = t31_init(nullptr, &T31Engine::on_at_tx, e.get(), &T31Engine::on_control, e.get(),
                              &T31Engine::on_t38_tx, e.get());
    if (!s) return fail(Errc::Internal, "t31_init failed");
    e->state_.reset(s);
    configure_logging(t31_get_logging_state(s), e->tag_);
    configure_logging(&s->at_state.logging, e->tag_);
    auto front = T31T38Front::create(s, e->tag_);
    if (!front) return fail(front.error());
    e->t38_ = std::move(*front);
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

bool T31Engine::in_stuffed_tx_mode() const { return state_->at_state.at_rx_mode == AT_MODE_STUFFED; }

std::size_t T31Engine::tx_buffer_room() const {
    // tx.in_bytes is where the next data byte goes (each stuffed byte gives at most one);
    // keep one byte spare.
    const int used = state_->tx.in_bytes;
    return used >= T31_TX_BUF_LEN - 1 ? 0 : static_cast<std::size_t>(T31_TX_BUF_LEN - 1 - used);
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
    if (auto st = configure_t30(t30, config); !st) return fail(st.error());
    t30_set_phase_e_handler(t30, &FaxEngine::on_phase_e, e.get());
    return e;
}

Status configure_t30(t30_state_t* t30, const FaxConfig& config) {
    if (t30_set_tx_ident(t30, config.ident.c_str()) != 0)
        return fail(Errc::InvalidArgument, "terminal ident '" + config.ident + "' is not a valid T.30 ident");
    t30_set_ecm_capability(t30, config.ecm ? 1 : 0);
    t30_set_supported_compressions(t30, config.compressions);
    t30_set_supported_modems(t30, config.modems);
    if (config.resolutions != 0) t30_set_supported_resolutions(t30, config.resolutions);
    if (!config.tx_file.empty()) t30_set_tx_file(t30, config.tx_file.c_str(), -1, -1);
    if (!config.rx_file.empty()) t30_set_rx_file(t30, config.rx_file.c_str(), -1);
    if (config.rx_encoding != 0) t30_set_rx_encoding(t30, config.rx_encoding);
    return {};
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
    return t30_stats(fax_get_t30_state(state_.get()));
}

std::string FaxEngine::remote_ident() const {
    return t30_remote_ident(fax_get_t30_state(state_.get()));
}

FaxStats t30_stats(t30_state_t* t30) {
    t30_stats_t st{};
    t30_get_transfer_statistics(t30, &st);
    FaxStats out;
    out.pages_tx = st.pages_tx;
    out.pages_rx = st.pages_rx;
    out.bit_rate = st.bit_rate;
    out.ecm = st.error_correcting_mode != 0;
    out.encoding = st.encoding;
    return out;
}

std::string t30_remote_ident(t30_state_t* t30) {
    const char* id = t30_get_rx_ident(t30);
    return id ? std::string(id) : std::string();
}

std::string completion_text(int t30_completion_code) {
    const char* s = t30_completion_code_to_str(t30_completion_code);
    return s ? std::string(s) : std::string("unknown");
}

// ---------------------------------------------------------------- Class2T30Engine

void Class2T30Engine::Free::operator()(fax_state_t* s) const noexcept { fax_free(s); }

Class2T30Engine::Class2T30Engine(Class2T30Listener& listener) : listener_(listener) {}

Class2T30Engine::~Class2T30Engine() = default;

Result<std::unique_ptr<Class2T30Engine>> Class2T30Engine::create(const Class2T30Config& config,
                                                                 Class2T30Listener& listener,
                                                                 const std::string& log_tag) {
    std::unique_ptr<Class2T30Engine> e(new Class2T30Engine(listener));
    e->tag_ = log_tag;
    fax_state_t* s = fax_init(nullptr, config.calling_party ? 1 : 0);
    if (!s) return fail(Errc::Internal, "fax_init failed");
    e->state_.reset(s);
    configure_logging(fax_get_logging_state(s), e->tag_);
    t30_state_t* t30 = fax_get_t30_state(s);
    configure_logging(t30_get_logging_state(t30), e->tag_);
    if (t30_set_tx_ident(t30, config.ident.c_str()) != 0)
        return fail(Errc::InvalidArgument, "local id is not a valid T.30 ident");
    t30_set_ecm_capability(t30, config.ecm ? 1 : 0);
    t30_set_supported_compressions(t30, config.compressions);
    t30_set_supported_modems(t30, config.modems);
    if (config.resolutions != 0) t30_set_supported_resolutions(t30, config.resolutions);
    if (!config.rx_file.empty()) t30_set_rx_file(t30, config.rx_file.c_str(), -1);
    t30_set_phase_b_handler(t30, &Class2T30Engine::on_phase_b, e.get());
    t30_set_phase_d_handler(t30, &Class2T30Engine::on_phase_d, e.get());
    t30_set_phase_e_handler(t30, &Class2T30Engine::on_phase_e, e.get());
    t30_set_document_handler(t30, &Class2T30Engine::on_document, e.get());
    // fax.c re-initialises its HDLC receiver (with t30_hdlc_accept) on every change of
    // receive modem: wrap T.30's set_rx_type handler so that our frame handler is put
    // back each time. Nothing else of fax.c is changed.
    e->orig_set_rx_ = t30->set_rx_type_handler;
    e->orig_set_rx_user_ = t30->set_rx_type_user_data;
    t30->set_rx_type_handler = &Class2T30Engine::on_set_rx_type;
    t30->set_rx_type_user_data = e.get();
    e->patch_hdlc_rx();
    // Watch the frames T.30 sends (they still go to fax.c's HDLC transmitter): which
    // post-page message a far-end answer belongs to is known only from what was sent.
    e->orig_send_hdlc_ = t30->send_hdlc_handler;
    e->orig_send_hdlc_user_ = t30->send_hdlc_user_data;
    t30->send_hdlc_handler = &Class2T30Engine::on_send_hdlc;
    t30->send_hdlc_user_data = e.get();
    return e;
}

void Class2T30Engine::on_send_hdlc(void* user_data, const uint8_t* msg, int len) {
    auto* self = static_cast<Class2T30Engine*>(user_data);
    if (msg != nullptr && len >= 3) self->frame_sent(std::span<const uint8_t>(msg, static_cast<std::size_t>(len)));
    self->orig_send_hdlc_(self->orig_send_hdlc_user_, msg, len);
}

void Class2T30Engine::frame_sent(std::span<const uint8_t> frame) {
    const int fcf = frame[2] & 0xFE;
    switch (fcf) {
    case T30_MPS:
    case T30_PRI_MPS:
        page_mps_sent_ = true;
        break;
    case T30_EOM:
    case T30_PRI_EOM:
    case T30_EOP:
    case T30_PRI_EOP:
    case T30_EOS:
        page_mps_sent_ = false;
        break;
    case T30_PPS:
    case T30_EOR: {
        // T.30 Annex A: in ECM the post-page message rides in PPS (or EOR) as its second
        // octet; PPS-NULL ends a partial page (a block of at most 256 frames) inside a page.
        const int fcf2 = frame.size() > 3 ? frame[3] & 0xFE : T30_NULL;
        page_mps_sent_ = fcf2 == T30_MPS || fcf2 == T30_PRI_MPS;
        break;
    }
    default:
        break;  // FCD/RCP (ECM image data), RR, CTC, phase B frames: no post-page message
    }
    listener_.c2_frame_sent(frame);
}

void Class2T30Engine::patch_hdlc_rx() {
    hdlc_rx_set_frame_handler(&state_->modems.hdlc_rx, &Class2T30Engine::on_hdlc, this);
}

void Class2T30Engine::on_set_rx_type(void* user_data, int type, int bit_rate, int short_train, int use_hdlc) {
    auto* self = static_cast<Class2T30Engine*>(user_data);
    self->orig_set_rx_(self->orig_set_rx_user_, type, bit_rate, short_train, use_hdlc);
    self->patch_hdlc_rx();
}

void Class2T30Engine::on_hdlc(void* user_data, const uint8_t* msg, int len, int ok) {
    static_cast<Class2T30Engine*>(user_data)->hdlc(msg, len, ok);
}

namespace {
// The frame a held burst waits for: DIS, or a positive answer to MPS (T.30 §5.3.6.1.5:
// after MCF, RTP or PIP the sender goes on with the next page; RTN and PIN make it
// repeat the page it has, which needs nothing from the DTE). Whether the answer is to
// MPS at all is decided by the caller (Class2T30Engine::hdlc).
int wanted_fcf(const std::vector<std::vector<uint8_t>>& frames, Class2T30Engine::HoldFor what) {
    for (const auto& f : frames) {
        if (f.size() < 3) continue;
        const int fcf = f[2] & 0xFE;
        if (what == Class2T30Engine::HoldFor::Dis && fcf == T30_DIS) return fcf;
        if (what == Class2T30Engine::HoldFor::PageAccepted && (fcf == T30_MCF || fcf == T30_RTP || fcf == T30_PIP))
            return fcf;
    }
    return -1;
}
}  // namespace

void Class2T30Engine::hdlc(const uint8_t* msg, int len, int ok) {
    if (len >= 3 && ok && msg) listener_.c2_frame_received(std::span<const uint8_t>(msg, static_cast<std::size_t>(len)));
    if (!holding_) {
        t30_hdlc_accept(fax_get_t30_state(state_.get()), msg, len, ok);
        return;
    }
    HdlcEvent ev;
    ev.len = len;
    ev.ok = ok;
    if (len > 0 && msg) ev.bytes.assign(msg, msg + len);
    burst_.push_back(std::move(ev));
    if (len != SIG_STATUS_CARRIER_DOWN) return;
    // A burst is complete.
    std::vector<HdlcEvent> burst;
    burst.swap(burst_);
    std::vector<std::vector<uint8_t>> frames;
    for (const auto& e : burst)
        if (e.len >= 3 && e.ok) frames.push_back(e.bytes);
    int fcf = wanted_fcf(frames, hold_for_);
    // A page is accepted only by the answer to the post-page message that ended it. In ECM
    // a page of more than one partial page sends PPS-NULL after each block but the last,
    // and the MCF to PPS-NULL confirms that block only (T.30 Annex A): T.30 goes on with
    // the next block of the same page and needs nothing from the DTE.
    if (fcf >= 0 && hold_for_ == HoldFor::PageAccepted && !page_mps_sent_) fcf = -1;
    if (fcf < 0) {
        // Not what we wait for (CFR, RTN, DCN, MCF to a block, ...): T.30 must see it now.
        deliver(burst);
        return;
    }
    if (release_at_burst_end_) {
        release_at_burst_end_ = false;
        holding_ = false;
        held_.clear();
        deliver(burst);
        apply(after_release_);
        return;
    }
    const bool first = held_.empty();
    held_ = std::move(burst);
    if (first) listener_.c2_burst_held(fcf);
}

void Class2T30Engine::deliver(const std::vector<HdlcEvent>& events) {
    t30_state_t* t30 = fax_get_t30_state(state_.get());
    for (const auto& e : events) t30_hdlc_accept(t30, e.bytes.empty() ? nullptr : e.bytes.data(), e.len, e.ok);
}

void Class2T30Engine::hold(HoldFor what) {
    holding_ = true;
    hold_for_ = what;
    release_at_burst_end_ = false;
    held_.clear();
}

void Class2T30Engine::release(const AfterRelease& after) {
    if (!holding_) {
        apply(after);
        return;
    }
    after_release_ = after;
    if (!burst_.empty()) {
        // The far end is sending right now (repeating its DIS or MCF): answer that one
        // when it ends.
        release_at_burst_end_ = true;
        return;
    }
    holding_ = false;
    std::vector<HdlcEvent> held;
    held.swap(held_);
    deliver(held);
    apply(after);
}

void Class2T30Engine::release() { release(AfterRelease{}); }

void Class2T30Engine::apply(const AfterRelease& after) {
    // After DIS has been delivered T.30 has opened the document (t4_tx_init clears the
    // row hook), so page settings are made only now.
    if (after.more_pages) set_more_pages(*after.more_pages, after.more_of_next);
    if (after.hold_page_accepted) hold(HoldFor::PageAccepted);
}

void Class2T30Engine::set_more_pages(bool more, bool of_next) {
    t30_state_t* t30 = fax_get_t30_state(state_.get());
    // With a row-read hook, T.4 says "another page of the same format" while the current
    // page is below stop_page (t4_tx_next_page_has_different_format in 0.0.6), which is
    // what makes T.30 send MPS; at stop_page it asks the document handler (EOM or EOP).
    t4_tx_set_row_read_handler(&t30->t4.tx, &Class2T30Engine::on_row, this);
    t30->t4.tx.tiff.stop_page =
        more ? std::numeric_limits<int>::max() : t30->t4.tx.current_page + (of_next ? 1 : 0);
}

void Class2T30Engine::set_next_page_rows(std::vector<uint8_t> rows, std::size_t bytes_per_row) {
    next_rows_ = std::move(rows);
    next_row_bytes_ = bytes_per_row;
    next_row_pos_ = 0;
}

int Class2T30Engine::on_row(void* user_data, uint8_t buf[], size_t len) {
    auto* self = static_cast<Class2T30Engine*>(user_data);
    if (self->next_row_bytes_ == 0 || self->next_row_pos_ + self->next_row_bytes_ > self->next_rows_.size()) return 0;
    const std::size_t n = std::min(len, self->next_row_bytes_);
    std::memcpy(buf, self->next_rows_.data() + self->next_row_pos_, n);
    if (n < len) std::memset(buf + n, 0, len - n);
    self->next_row_pos_ += self->next_row_bytes_;
    return static_cast<int>(len);
}

void Class2T30Engine::set_tx_file(const std::string& path) {
    tx_file_ = path;  // SpanDSP copies the name; keep ours for logs
    t30_set_tx_file(fax_get_t30_state(state_.get()), tx_file_.c_str(), -1, -1);
}

int Class2T30Engine::on_phase_b(t30_state_t*, void* user_data, int fcf) {
    return static_cast<Class2T30Engine*>(user_data)->listener_.c2_phase_b(fcf);
}

int Class2T30Engine::on_phase_d(t30_state_t*, void* user_data, int fcf) {
    static_cast<Class2T30Engine*>(user_data)->listener_.c2_phase_d(fcf);
    return T30_ERR_OK;
}

void Class2T30Engine::on_phase_e(t30_state_t*, void* user_data, int completion_code) {
    static_cast<Class2T30Engine*>(user_data)->listener_.c2_phase_e(completion_code);
}

int Class2T30Engine::on_document(t30_state_t*, void* user_data, int) {
    return static_cast<Class2T30Engine*>(user_data)->listener_.c2_more_documents() ? 1 : 0;
}

std::size_t Class2T30Engine::tx(std::span<int16_t> out) {
    const int n = fax_tx(state_.get(), out.data(), static_cast<int>(out.size()));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

void Class2T30Engine::rx(std::span<const int16_t> in) {
    scratch_.assign(in.begin(), in.end());
    fax_rx(state_.get(), scratch_.data(), static_cast<int>(scratch_.size()));
}

void Class2T30Engine::terminate() { t30_terminate(fax_get_t30_state(state_.get())); }

FaxStats Class2T30Engine::stats() const {
    return t30_stats(fax_get_t30_state(state_.get()));
}

std::string Class2T30Engine::remote_ident() const {
    return t30_remote_ident(fax_get_t30_state(state_.get()));
}

// ---------------------------------------------------------------- T.4 page codec

namespace {
struct T4Free {
    void operator()(t4_state_t* s) const noexcept { t4_rx_free(s); }
};
struct T4TxFree {
    void operator()(t4_state_t* s) const noexcept { t4_tx_free(s); }
};
}  // namespace

Result<int> write_t4_page_tiff(const std::string& path, std::span<const uint8_t> data, const T4PageFormat& format) {
    std::unique_ptr<t4_state_t, T4Free> rx(t4_rx_init(nullptr, path.c_str(), T4_COMPRESSION_ITU_T4_2D));
    if (!rx) return fail(Errc::Io, "cannot create the page file");
    t4_rx_set_rx_encoding(rx.get(), format.encoding);
    t4_rx_set_image_width(rx.get(), format.width);
    t4_rx_set_x_resolution(rx.get(), T4_X_RESOLUTION_R8);
    t4_rx_set_y_resolution(rx.get(), format.fine ? T4_Y_RESOLUTION_FINE : T4_Y_RESOLUTION_STANDARD);
    if (t4_rx_start_page(rx.get()) != 0) return fail(Errc::Internal, "t4_rx_start_page failed");
    if (!data.empty()) t4_rx_put_chunk(rx.get(), data.data(), static_cast<int>(data.size()));
    if (t4_rx_end_page(rx.get()) != 0) return fail(Errc::InvalidInput, "the page data held no image rows");
    t4_stats_t st{};
    t4_rx_get_transfer_statistics(rx.get(), &st);
    return st.length;
}

namespace {
struct RowSink {
    std::vector<uint8_t>* rows;
    static int put(void* user_data, const uint8_t buf[], size_t len) {
        auto* self = static_cast<RowSink*>(user_data);
        if (buf != nullptr && len > 0) self->rows->insert(self->rows->end(), buf, buf + len);
        return 0;
    }
};
}  // namespace

Result<std::vector<uint8_t>> decode_t4_page_rows(const std::string& scratch_path, std::span<const uint8_t> data,
                                                 const T4PageFormat& format) {
    std::vector<uint8_t> rows;
    RowSink sink{&rows};
    {
        std::unique_ptr<t4_state_t, T4Free> rx(t4_rx_init(nullptr, scratch_path.c_str(), T4_COMPRESSION_ITU_T4_2D));
        if (!rx) return fail(Errc::Io, "cannot create the decoder's scratch file");
        t4_rx_set_row_write_handler(rx.get(), &RowSink::put, &sink);
        t4_rx_set_rx_encoding(rx.get(), format.encoding);
        t4_rx_set_image_width(rx.get(), format.width);
        t4_rx_set_x_resolution(rx.get(), T4_X_RESOLUTION_R8);
        t4_rx_set_y_resolution(rx.get(), format.fine ? T4_Y_RESOLUTION_FINE : T4_Y_RESOLUTION_STANDARD);
        if (t4_rx_start_page(rx.get()) != 0) return fail(Errc::Internal, "t4_rx_start_page failed");
        if (!data.empty()) t4_rx_put_chunk(rx.get(), data.data(), static_cast<int>(data.size()));
        if (t4_rx_end_page(rx.get()) != 0) return fail(Errc::InvalidInput, "the page data held no image rows");
    }
    std::error_code ec;
    std::filesystem::remove(scratch_path, ec);
    return rows;
}

Result<EncodedPage> encode_tiff_page(const std::string& path, int page, int encoding) {
    std::unique_ptr<t4_state_t, T4TxFree> tx(t4_tx_init(nullptr, path.c_str(), page, page));
    if (!tx) return fail(Errc::Io, "cannot open page " + std::to_string(page + 1) + " of the page file");
    t4_tx_set_tx_encoding(tx.get(), encoding);
    t4_tx_set_min_bits_per_row(tx.get(), 0);
    if (t4_tx_start_page(tx.get()) != 0) return fail(Errc::InvalidInput, "cannot read the page image");
    EncodedPage out;
    out.width = t4_tx_get_image_width(tx.get());
    out.fine = t4_tx_get_y_resolution(tx.get()) > (T4_Y_RESOLUTION_STANDARD + T4_Y_RESOLUTION_FINE) / 2;
    uint8_t buf[4096];
    for (;;) {
        const int n = t4_tx_get_chunk(tx.get(), buf, static_cast<int>(sizeof buf));
        if (n > 0) out.data.insert(out.data.end(), buf, buf + n);
        if (n < static_cast<int>(sizeof buf)) break;
    }
    t4_stats_t st{};
    t4_tx_get_transfer_statistics(tx.get(), &st);
    out.rows = st.length;
    t4_tx_end_page(tx.get());
    return out;
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
