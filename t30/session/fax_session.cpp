// FaxSession: SpanDSP's T.30 engine on the host, a Class 1 modem as its front end.
//
// The engine's requests are recorded by the C callbacks (which never touch the
// modem); pump() turns them into Class 1 commands when the modem is ready. Results
// from the modem are handed back to the engine from the AtChannel's callbacks.
#include "fax/t30/fax_session.h"

#include "fax/driver/station_id.h"

#include <algorithm>
#include <cstring>
#include <deque>

#include "fax/base/log.h"
#include "fax/base/sha256.h"
#include "fax/driver/at_channel.h"
#include "fax/driver/class1_modulation.h"
#include "fax/t30/spandsp/spandsp.h"

namespace fax::t30 {

using driver::AtChannel;
using driver::AtCommand;
using driver::AtReply;
using driver::AtResult;
using driver::DataMode;

namespace {

constexpr Samples seconds(int s) { return Samples{8000LL * s}; }
constexpr Samples millis(int ms) { return Samples{8LL * ms}; }

// T.30 §5.3.6.1: the control field of the last frame of a sequence has the final bit.
constexpr uint8_t kControlFinal = 0x13;
// ECM image frames travel on the high-speed carrier, everything else on V.21 (T.4 Annex A).
constexpr uint8_t kFcfFcd = 0x06;
constexpr uint8_t kFcfRcp = 0x86;
// About 200 ms of flags before the first ECM frame (T.30 §5.3.1 / notes).
constexpr int kEcmPreambleMs = 200;

const char* modulation_name(int t30_modem) {
    switch (t30_modem) {
    case T30_MODEM_V17: return "V.17";
    case T30_MODEM_V29: return "V.29";
    case T30_MODEM_V27TER: return "V.27ter";
    default: return "";
    }
}

std::optional<driver::Modulation> to_modulation(int t30_modem) {
    switch (t30_modem) {
    case T30_MODEM_V17: return driver::Modulation::V17;
    case T30_MODEM_V29: return driver::Modulation::V29;
    case T30_MODEM_V27TER: return driver::Modulation::V27ter;
    default: return std::nullopt;
    }
}

std::string fcf_name(int fcf) {
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

// SpanDSP's log callback has no user data: route it to our log at Debug. T.30 flow
// logs carry frame names, station ids and parameters, never page data.
void spandsp_log(int, const char* text) {
    std::string line(text ? text : "");
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    fax::log::write(fax::log::Level::Debug, "t30", line);
}

struct T30Deleter {
    void operator()(t30_state_t* s) const { t30_free(s); }
};
struct HdlcTxDeleter {
    void operator()(hdlc_tx_state_t* s) const { hdlc_tx_free(s); }
};
struct HdlcRxDeleter {
    void operator()(hdlc_rx_state_t* s) const { hdlc_rx_free(s); }
};

}  // namespace

class FaxSession::Impl {
public:
    enum class Role { Transmit, Receive };

    Impl(Role role, SessionOptions opts) : role_(role), opts_(std::move(opts)) {
        const driver::ModemQuirks& q = opts_.quirks;
        driver::AtChannelOptions co;
        co.result_form = q.numeric_result_codes ? driver::ResultForm::Numeric : driver::ResultForm::Verbose;
        co.lone_dle_is_data = q.dle_bug;
        co.inband_flow = q.flow == hal::FlowControl::Software;
        channel_.configure(co);
        channel_.set_unsolicited([this](AtResult r, const std::string& line) { on_unsolicited(r, line); });
    }

    Status init_transmit(gate::ClearedRelease&& release) {
        if (!release.valid()) return fail(Errc::InvalidArgument, "the release was already used or never cleared");
        auto digest = sha256_file_hex(release.tiff_path());
        if (!digest) return fail(digest.take_error());
        if (*digest != release.content_sha256())
            return fail(Errc::InvalidInput, "job " + release.job_id() + ": the document changed after it was cleared");
        job_id_ = release.job_id();
        expected_csi_ = release.expected_csi();
        tx_tiff_ = release.tiff_path();
        result_.pages_in_document = release.page_count();
        dial_permit_ = release.consume();
        return {};
    }

    // ---- runner-facing ----
    void on_bytes(std::span<const uint8_t> b) {
        channel_.on_bytes(b);
        pump();
    }

    void advance_to(Samples now) {
        if (!started_) {
            started_ = true;
            start_time_ = now;
            last_time_ = now;
            channel_.set_time(now);
            start();
        }
        const Samples delta = now - last_time_;
        last_time_ = now;
        channel_.set_time(now);
        if (t30_ && delta.count() > 0 && !t30_done_) t30_timer_update(t30_.get(), static_cast<int>(delta.count()));
        if (pause_until_ && now >= *pause_until_) {
            pause_until_.reset();
            step_complete();
        }
        if (line_ == Line::TxConnectWait && now >= data_at_) {
            // The modem's training is on the line now (profile quirk connect_to_data_delay).
            line_ = Line::TxImage;
            begin_image_tx();
        }
        if (ring_deadline_ && now >= *ring_deadline_ && phase_ == CallPhase::WaitingForCall) {
            ring_deadline_.reset();
            finish_with(fail(Errc::Timeout, "no incoming call"));
        }
        pump();
    }

    std::vector<uint8_t> take_output() { return channel_.take_output(); }

    void cancel() {
        cancelled_ = true;
        if (t30_ && !t30_done_) {
            t30_terminate(t30_.get());
        } else if (phase_ != CallPhase::Done) {
            finish_with(fail(Errc::Cancelled, "cancelled"));
        }
        pump();
    }

    // The bytes to and from the modem stopped (unplugged, I/O error): no DCN can be sent,
    // so the call ends here, with the transport's error as the session's status.
    void transport_failed(Error e) {
        FAX_LOG(Warn, "session", "transport: " + e.to_string());
        line_ = Line::Dead;
        finish_with(fail(std::move(e)));
    }

    bool finished() const { return phase_ == CallPhase::Done; }
    bool transmitting_data() const {
        return line_ == Line::TxHdlc || line_ == Line::TxHdlcBusy || line_ == Line::TxImage || line_ == Line::TxEnding ||
               line_ == Line::TxConnectWait;
    }
    CallPhase phase() const { return phase_; }
    const SessionResult& result() const { return result_; }
    const std::string& job_id() const { return job_id_; }
    void set_event_handler(std::function<void(const SessionEvent&)> fn) { events_ = std::move(fn); }
    void set_trace(std::function<void(bool, const std::string&)> fn) { channel_.set_trace(std::move(fn)); }

    // ---- t30 callbacks (record only; never touch the modem) ----
    static void cb_set_rx_type(void* ud, int type, int bit_rate, int short_train, int use_hdlc) {
        auto* self = static_cast<Impl*>(ud);
        self->rx_req_ = {type, bit_rate, short_train != 0, use_hdlc != 0};
    }
    static void cb_set_tx_type(void* ud, int type, int bit_rate, int short_train, int use_hdlc) {
        auto* self = static_cast<Impl*>(ud);
        self->tx_req_ = {type, bit_rate, short_train != 0, use_hdlc != 0};
        self->tx_req_serviced_ = false;
        // A PAUSE carries its length in milliseconds in the short_train argument (notes).
        if (type == T30_MODEM_PAUSE) self->tx_pause_ms_ = short_train;
    }
    static void cb_send_hdlc(void* ud, const uint8_t* msg, int len) {
        auto* self = static_cast<Impl*>(ud);
        Frame f;
        if (msg == nullptr || len <= 0) {
            f.end = true;
            f.fast = self->last_queued_fast_;
        } else {
            f.bytes.assign(msg, msg + len);
            f.fast = len >= 3 && (msg[2] == kFcfFcd || msg[2] == kFcfRcp);
            self->last_queued_fast_ = f.fast;
        }
        self->frames_.push_back(std::move(f));
    }
    static int cb_phase_b(t30_state_t* s, void* ud, int) {
        auto* self = static_cast<Impl*>(ud);
        const char* id = t30_get_rx_ident(s);
        self->result_.remote_ident = trim(id ? id : "");
        self->set_phase(CallPhase::Negotiating, "remote station id received");
        if (self->role_ == Role::Transmit && self->expected_csi_ &&
            !gate::station_ids_match(*self->expected_csi_, self->result_.remote_ident)) {
            // The remote is not the station the number was verified for: end the call
            // with DCN before any page (gate hook, the release's expected CSI).
            self->result_.remote_ident_mismatch = true;
            return T30_ERR_IDENT_UNACCEPTABLE;
        }
        return T30_ERR_OK;
    }
    static int cb_phase_d(t30_state_t*, void* ud, int fcf) {
        auto* self = static_cast<Impl*>(ud);
        if (self->role_ == Role::Transmit) {
            PageOutcome o;
            o.page = static_cast<int>(self->result_.page_outcomes.size()) + 1;
            o.response = fcf_name(fcf);
            const int f = fcf & 0xFE;
            o.confirmed = (f == T30_MCF || f == T30_RTP);
            if (o.confirmed) ++self->result_.pages_confirmed;
            self->result_.page_outcomes.push_back(o);
            self->set_phase(CallPhase::PostPage, "page " + std::to_string(o.page) + ": " + o.response);
        } else {
            self->set_phase(CallPhase::PostPage, "page received");
        }
        return T30_ERR_OK;
    }
    static void cb_phase_e(t30_state_t* s, void* ud, int completion) {
        auto* self = static_cast<Impl*>(ud);
        self->result_.completion_code = completion;
        self->result_.completion_text = t30_completion_code_to_str(completion);
        self->result_.call_completed = (completion == T30_ERR_OK);
        t30_stats_t st{};
        t30_get_transfer_statistics(s, &st);
        self->result_.bit_rate = st.bit_rate;
        self->result_.ecm = st.error_correcting_mode != 0;
        self->result_.compression = compression_name(st.encoding);
        if (self->role_ == Role::Receive) self->result_.pages_received = st.pages_rx;
        self->result_.modulation = modulation_name(self->last_image_modem_);
        self->t30_done_ = true;
    }
    static void cb_hdlc_underflow(void* ud) { static_cast<Impl*>(ud)->hdlc_underflow_ = true; }
    static void cb_hdlc_rx_frame(void* ud, const uint8_t* msg, int len, int ok) {
        auto* self = static_cast<Impl*>(ud);
        if (len < 0) return;  // status reports: carrier state is reported from the Class 1 side
        if (self->t30_) t30_hdlc_accept(self->t30_.get(), msg, len, ok);
    }

private:
    struct TypeReq {
        int type = T30_MODEM_NONE;
        int bit_rate = 0;
        bool short_train = false;
        bool hdlc = false;
        bool operator==(const TypeReq&) const = default;
    };
    struct Frame {
        std::vector<uint8_t> bytes;
        bool end = false;
        bool fast = false;
    };
    // What the modem is doing, from the driver's point of view.
    enum class Line {
        Idle,        // command mode, nothing in flight
        Command,     // a command without a data phase is in flight
        RxWait,      // +FRH/+FRM/ATD sent, CONNECT not yet seen
        RxData,      // receiving data (until DLE ETX)
        RxTail,      // data ended, waiting for the final result
        TxHdlc,      // V.21 HDLC transmit connected, between frames
        TxHdlcBusy,  // a V.21 frame sent, awaiting CONNECT/OK
        TxConnectWait,  // +FTM connected, waiting the profile's connect_to_data_delay before data
        TxImage,     // high-speed transmit connected (non-ECM data or software-framed ECM)
        TxEnding,    // DLE ETX sent after data, awaiting OK
        Aborting,    // receive aborted, awaiting OK
        Dead,        // gave up
    };
    enum class RxKind { None, V21, NonEcm, Ecm };

    // ---- start-up: command table, then dial or wait for a call ----
    struct Step {
        const char* cmd;
        Samples timeout;
        bool required;
        void (Impl::*process)(const AtReply&);
    };

    void start() {
        set_phase(CallPhase::Init, "initialising modem");
        run_steps(0);
    }

    const std::vector<Step>& init_steps() {
        // Reset, then establish verbose results without echo, then Class 1 and its
        // capabilities (T.31 §8.2). The profile's quirks set the time-outs (a slow ATZ,
        // slow answers on hook) and add AT+FAR=1 (T.31 §8.5.1) where the model needs it.
        if (steps_.empty()) {
            const auto& q = opts_.quirks;
            const Samples reset = std::chrono::duration_cast<Samples>(q.reset_timeout);
            const Samples cmd = std::chrono::duration_cast<Samples>(q.command_timeout);
            steps_ = {
                {"ATZ", reset, false, nullptr},
                {"ATE0V1Q0", cmd, true, nullptr},
                {"AT+FCLASS=?", cmd, true, &Impl::on_fclass_caps},
                {"AT+FCLASS=1", cmd, true, nullptr},
                {"AT+FTM=?", cmd, true, &Impl::on_ftm_caps},
                {"AT+FRM=?", cmd, true, &Impl::on_frm_caps},
            };
            if (q.needs_far) steps_.push_back({"AT+FAR=1", cmd, false, nullptr});
        }
        return steps_;
    }

    void run_steps(std::size_t i) {
        const auto& steps = init_steps();
        if (i >= steps.size()) {
            after_init();
            return;
        }
        const Step& st = steps[i];
        line_ = Line::Command;
        channel_.send(AtCommand{st.cmd, st.timeout, DataMode::None}, [this, i, st](Result<AtReply> r) {
            line_ = Line::Idle;
            if (r.ok() && r->result == AtResult::Ok) {
                if (st.process) (this->*st.process)(*r);
                if (phase_ != CallPhase::Done) run_steps(i + 1);
                return;
            }
            if (!st.required && r.ok()) {
                run_steps(i + 1);
                return;
            }
            finish_with(r.ok() ? fail(driver::to_error(r->result, st.cmd)) : fail(r.take_error()));
        });
    }

    void on_fclass_caps(const AtReply& r) {
        std::string joined;
        for (const auto& l : r.info) joined += l;
        result_.modem_classes = joined;
        auto classes = driver::parse_class_list(joined);
        if (!classes || std::find(classes->begin(), classes->end(), "1") == classes->end())
            finish_with(fail(Errc::Unsupported, "the modem does not offer Class 1 (+FCLASS=? answered '" + joined + "')"));
    }
    void on_ftm_caps(const AtReply& r) { ftm_codes_ = parse_codes(r); }
    void on_frm_caps(const AtReply& r) { frm_codes_ = parse_codes(r); }
    static std::vector<int> parse_codes(const AtReply& r) {
        std::string joined;
        for (const auto& l : r.info) joined += (joined.empty() ? "" : ",") + l;
        auto v = driver::parse_int_list(joined);
        return v ? *v : std::vector<int>{};
    }

    void after_init() {
        const auto support = driver::support_from_codes(ftm_codes_, frm_codes_);
        int modems = 0;
        if (support.v27ter && opts_.allow_v27ter) modems |= T30_SUPPORT_V27TER;
        if (support.v29 && opts_.allow_v29) modems |= T30_SUPPORT_V29;
        if (support.v17 && opts_.allow_v17) modems |= T30_SUPPORT_V17;
        if (modems == 0) {
            finish_with(fail(Errc::Unsupported, "the modem offers no fax modulation both ways (+FTM/+FRM lists)"));
            return;
        }
        supported_modems_ = modems;
        if (role_ == Role::Transmit) {
            dial();
        } else {
            set_phase(CallPhase::WaitingForCall, "waiting for a call");
            line_ = Line::Command;
            const Samples cmd = std::chrono::duration_cast<Samples>(opts_.quirks.command_timeout);
            channel_.send(AtCommand{"ATS0=0", cmd, DataMode::None}, [this](Result<AtReply>) {
                line_ = Line::Idle;
                if (opts_.ring_timeout.count() > 0) ring_deadline_ = last_time_ + opts_.ring_timeout;
            });
        }
    }

    Status make_t30(bool calling) {
        t30_.reset(t30_init(nullptr, calling ? 1 : 0, &Impl::cb_set_rx_type, this, &Impl::cb_set_tx_type, this,
                            &Impl::cb_send_hdlc, this));
        if (!t30_) return fail(Errc::Internal, "t30_init failed");
        t30_state_t* t = t30_.get();
        if (log::enabled(log::Level::Debug)) {
            logging_state_t* ls = t30_get_logging_state(t);
            span_log_set_level(ls, SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_FLOW);
            span_log_set_message_handler(ls, &spandsp_log);
        }
        t30_set_tx_ident(t, opts_.local_ident.c_str());
        t30_set_ecm_capability(t, opts_.ecm ? 1 : 0);
        int comp = 0;
        if (opts_.allow_mh) comp |= T30_SUPPORT_T4_1D_COMPRESSION;
        if (opts_.allow_mr) comp |= T30_SUPPORT_T4_2D_COMPRESSION;
        if (opts_.allow_mmr && opts_.ecm) comp |= T30_SUPPORT_T6_COMPRESSION;
        t30_set_supported_compressions(t, comp);
        t30_set_supported_modems(t, supported_modems_);
        t30_set_phase_b_handler(t, &Impl::cb_phase_b, this);
        t30_set_phase_d_handler(t, &Impl::cb_phase_d, this);
        t30_set_phase_e_handler(t, &Impl::cb_phase_e, this);
        if (role_ == Role::Transmit)
            t30_set_tx_file(t, tx_tiff_.c_str(), -1, -1);
        else
            t30_set_rx_file(t, rx_tiff_.c_str(), -1);
        hdlc_tx_.reset(hdlc_tx_init(nullptr, 0, 2, 0, &Impl::cb_hdlc_underflow, this));
        hdlc_rx_.reset(hdlc_rx_init(nullptr, 0, 1, 5, &Impl::cb_hdlc_rx_frame, this));
        if (!hdlc_tx_ || !hdlc_rx_) return fail(Errc::Internal, "HDLC init failed");
        return {};
    }

    void dial() {
        // The engine starts in phase A (CNG, listen for V.21) and the Class 1 modem's
        // ATD does the same: CONNECT arrives with the far end's V.21 flags (T.31 §8.3.1).
        if (auto s = make_t30(true); !s) {
            finish_with(std::move(s));
            return;
        }
        set_phase(CallPhase::Dialing, "dialing");
        offhook_time_ = last_time_;
        offhook_ = true;
        // Like start_receive(), but through the one door that dials: the release's permit.
        line_ = Line::RxWait;
        rx_kind_ = RxKind::V21;
        rx_buf_.clear();
        if (!dial_permit_) {
            finish_with(fail(Errc::Internal, "no dial permit"));
            return;
        }
        channel_.dial(std::move(*dial_permit_), opts_.dial_prefix, opts_.dial_timeout, DataMode::Receive,
                      [this](Result<AtReply> r) { on_rx_reply(std::move(r)); }, rx_sink());
    }

    void on_unsolicited(AtResult r, const std::string&) {
        if (r == AtResult::Ring && role_ == Role::Receive && phase_ == CallPhase::WaitingForCall && line_ == Line::Idle) {
            answer();
        }
    }

    void answer() {
        if (auto s = make_t30(false); !s) {
            finish_with(std::move(s));
            return;
        }
        set_phase(CallPhase::Answering, "answering");
        offhook_time_ = last_time_;
        offhook_ = true;
        // ATA: the modem sends CED, then behaves as after +FTH=3 (T.31 §8.3.2).
        line_ = Line::RxWait;
        channel_.send(AtCommand{"ATA", seconds(40), DataMode::Transmit}, [this](Result<AtReply> r) {
            if (r.ok() && r->result == AtResult::Connect) {
                line_ = Line::TxHdlc;
                set_phase(CallPhase::Negotiating, "answered");
                pump();
                return;
            }
            line_ = Line::Idle;
            if (r.ok() && r->result == AtResult::Ok) return;
            modem_failed(r.ok() ? driver::to_error(r->result, "ATA") : r.take_error());
        });
    }

    // ---- the pump: engine requests -> Class 1 commands ----
    RxKind wanted_rx() const {
        if (force_v21_) return RxKind::V21;
        switch (rx_req_.type) {
        case T30_MODEM_V21: return RxKind::V21;
        case T30_MODEM_V17:
        case T30_MODEM_V29:
        case T30_MODEM_V27TER: return rx_req_.hdlc ? RxKind::Ecm : RxKind::NonEcm;
        default: return RxKind::None;
        }
    }
    bool tx_wanted() const {
        if (!frames_.empty()) return true;
        switch (tx_req_.type) {
        case T30_MODEM_V17:
        case T30_MODEM_V29:
        case T30_MODEM_V27TER: return !tx_req_serviced_;
        case T30_MODEM_PAUSE: return !tx_req_serviced_;
        default: return false;
        }
    }

    void pump() {
        if (pumping_) return;
        pumping_ = true;
        for (int guard = 0; guard < 64 && pump_once(); ++guard) {
        }
        pumping_ = false;
    }

    bool pump_once() {
        if (phase_ == CallPhase::Done) return false;
        if (t30_ && (rx_req_.type == T30_MODEM_DONE || tx_req_.type == T30_MODEM_DONE)) t30_call_finished_ = true;
        switch (line_) {
        case Line::Command:
        case Line::RxTail:
        case Line::TxHdlcBusy:
        case Line::TxEnding:
        case Line::Aborting:
        case Line::Dead: return false;
        case Line::RxWait:
        case Line::RxData:
            if (dialing_or_answering()) return false;
            if (t30_call_finished_ || tx_wanted() || wanted_rx() != rx_kind_ ||
                (rx_kind_ != RxKind::V21 && rx_req_ != rx_active_req_)) {
                line_ = Line::Aborting;
                channel_.abort_receive();
                return true;
            }
            return false;
        case Line::TxConnectWait: return false;
        case Line::TxHdlc: return pump_tx_hdlc();
        case Line::TxImage: return pump_tx_image();
        case Line::Idle: return pump_idle();
        }
        return false;
    }

    bool dialing_or_answering() const { return phase_ == CallPhase::Dialing || phase_ == CallPhase::Answering; }

    bool pump_idle() {
        if (t30_call_finished_) {
            hang_up();
            return true;
        }
        if (!t30_) return false;
        if (tx_req_.type == T30_MODEM_PAUSE && !tx_req_serviced_) {
            tx_req_serviced_ = true;
            pause_until_ = last_time_ + millis(tx_pause_ms_);
            return false;
        }
        if (!frames_.empty() && frames_.front().end && !frames_.front().fast) {
            // End of a V.21 burst whose final frame already dropped the carrier.
            frames_.pop_front();
            step_complete();
            return true;
        }
        if (!frames_.empty() && !frames_.front().fast && tx_req_.type == T30_MODEM_V21) {
            start_transmit("AT+FTH=3", Line::TxHdlc);
            return true;
        }
        if (is_image(tx_req_.type) && !tx_req_serviced_ && (!tx_req_.hdlc || !frames_.empty())) {
            auto code = driver::class1_code(*to_modulation(tx_req_.type), tx_req_.bit_rate, tx_req_.short_train);
            if (!code) {
                modem_failed(make_error(Errc::Unsupported, "no Class 1 code for the requested modulation"));
                return false;
            }
            tx_req_serviced_ = true;
            last_image_modem_ = tx_req_.type;
            tx_image_hdlc_ = tx_req_.hdlc;
            start_transmit("AT+FTM=" + std::to_string(*code), Line::TxImage);
            return true;
        }
        const RxKind want = wanted_rx();
        if (want == RxKind::V21) {
            force_v21_ = false;
            start_receive(RxKind::V21, "AT+FRH=3", seconds(60));
            return true;
        }
        if (want == RxKind::NonEcm || want == RxKind::Ecm) {
            auto code = driver::class1_code(*to_modulation(rx_req_.type), rx_req_.bit_rate, rx_req_.short_train);
            if (!code) {
                modem_failed(make_error(Errc::Unsupported, "no Class 1 code for the requested modulation"));
                return false;
            }
            last_image_modem_ = rx_req_.type;
            rx_active_req_ = rx_req_;
            start_receive(want, "AT+FRM=" + std::to_string(*code), seconds(60));
            return true;
        }
        return false;
    }

    static bool is_image(int t) { return t == T30_MODEM_V17 || t == T30_MODEM_V29 || t == T30_MODEM_V27TER; }

    // +FTS=8 first: T.30 §5.3.2.4 wants 75 ms of silence before we start talking after
    // the other side, and the engine does not insert it itself (notes).
    void start_transmit(const std::string& cmd, Line connected_state) {
        line_ = Line::Command;
        channel_.send(AtCommand{"AT+FTS=8", seconds(3), DataMode::None}, [this, cmd, connected_state](Result<AtReply> r) {
            if (!r.ok() || r->result != AtResult::Ok) {
                line_ = Line::Idle;
                modem_failed(r.ok() ? driver::to_error(r->result, "AT+FTS=8") : r.take_error());
                return;
            }
            channel_.send(AtCommand{cmd, seconds(10), DataMode::Transmit}, [this, cmd, connected_state](Result<AtReply> r2) {
                if (r2.ok() && r2->result == AtResult::Connect) {
                    const auto delay = opts_.quirks.connect_to_data_delay;
                    if (connected_state == Line::TxImage && delay.count() > 0) {
                        // Some firmware says CONNECT before its training is on the line and
                        // loses what arrives meanwhile (profile quirk connect_to_data_delay).
                        line_ = Line::TxConnectWait;
                        data_at_ = channel_.now() + std::chrono::duration_cast<Samples>(delay);
                        return;
                    }
                    line_ = connected_state;
                    if (connected_state == Line::TxImage) begin_image_tx();
                    pump();
                    return;
                }
                line_ = Line::Idle;
                modem_failed(r2.ok() ? driver::to_error(r2->result, cmd) : r2.take_error());
            });
        });
    }

    bool pump_tx_hdlc() {
        if (!frames_.empty() && !frames_.front().fast) {
            Frame f = std::move(frames_.front());
            frames_.pop_front();
            line_ = Line::TxHdlcBusy;
            if (!f.end) channel_.write_data(f.bytes);
            // T.31 §8.3.5: CONNECT after a non-final frame, OK after the final one
            // (held by the modem until its carrier is off). An empty frame ends the burst.
            channel_.finish_data(seconds(10), [this](Result<AtReply> r) {
                if (r.ok() && r->result == AtResult::Connect) {
                    line_ = Line::TxHdlc;
                    step_complete();
                } else if (r.ok() && r->result == AtResult::Ok) {
                    line_ = Line::Idle;
                    step_complete();
                } else {
                    line_ = Line::Idle;
                    modem_failed(r.ok() ? driver::to_error(r->result, "HDLC frame") : r.take_error());
                }
                pump();
            });
            return true;
        }
        // CED after ATA: the modem did it; let the engine go on to DIS.
        if (tx_req_.type == T30_MODEM_CED && !tx_req_serviced_) {
            tx_req_serviced_ = true;
            step_complete();
            return true;
        }
        if (t30_call_finished_ || (tx_req_.type != T30_MODEM_V21 && tx_req_.type != T30_MODEM_CED && frames_.empty())) {
            // Nothing more to say on V.21: turn the carrier off.
            Frame end;
            end.end = true;
            frames_.push_front(end);
            return true;
        }
        return false;
    }

    void begin_image_tx() {
        image_bytes_ = 0;
        if (tx_image_hdlc_) {
            hdlc_tx_restart(hdlc_tx_.get());
            hdlc_tx_flags(hdlc_tx_.get(), tx_req_.bit_rate * kEcmPreambleMs / 8000);
            drain_hdlc_tx();
        } else {
            image_tx_done_ = false;
        }
        set_phase(CallPhase::Transfer, std::string(modulation_name(tx_req_.type)) + " " +
                                           std::to_string(tx_req_.bit_rate) + (tx_req_.hdlc ? " ECM" : ""));
    }

    // Pulls HDLC-encoded bytes until the encoder has nothing queued.
    void drain_hdlc_tx() {
        hdlc_underflow_ = false;
        std::vector<uint8_t> buf;
        for (int guard = 0; guard < 100000 && !hdlc_underflow_; ++guard) {
            // SpanDSP's HDLC byte API is MSB-first; Class 1 data is LSB-first.
            buf.push_back(driver::bit_reverse(static_cast<uint8_t>(hdlc_tx_get_byte(hdlc_tx_.get()))));
        }
        image_bytes_ += buf.size();
        channel_.write_data(buf);
    }

    bool pump_tx_image() {
        if (tx_image_hdlc_) {
            if (frames_.empty() || !frames_.front().fast) return false;
            Frame f = std::move(frames_.front());
            frames_.pop_front();
            if (f.end) {
                hdlc_tx_flags(hdlc_tx_.get(), 3);
                drain_hdlc_tx();
                end_image_tx();
                return true;
            }
            hdlc_tx_frame(hdlc_tx_.get(), f.bytes.data(), f.bytes.size());
            drain_hdlc_tx();
            step_complete();
            return true;
        }
        if (image_tx_done_) return false;
        // Non-ECM (TCF or a page): the engine's bytes are already LSB-first (notes).
        // Keep a few KiB ahead of the modem; flow control paces the rest.
        if (channel_.output_size() > 16384) return false;
        uint8_t buf[4096];
        const int n = t30_non_ecm_get_chunk(t30_.get(), buf, static_cast<int>(sizeof buf));
        if (n > 0) {
            channel_.write_data(std::span<const uint8_t>(buf, static_cast<std::size_t>(n)));
            image_bytes_ += static_cast<std::size_t>(n);
        }
        if (n < static_cast<int>(sizeof buf)) {
            image_tx_done_ = true;
            end_image_tx();
        }
        return true;
    }

    void end_image_tx() {
        line_ = Line::TxEnding;
        // The modem answers OK only when the last byte has left at the line rate: allow
        // for what is still queued (a 64 KiB ECM block is ~37 s at 14400 bit/s).
        const int rate = tx_req_.bit_rate > 0 ? tx_req_.bit_rate : 2400;
        const Samples on_line{static_cast<int64_t>(image_bytes_) * 8 * 8000 / rate};
        channel_.finish_data(seconds(15) + on_line, [this](Result<AtReply> r) {
            line_ = Line::Idle;
            if (r.ok() && r->result == AtResult::Ok) {
                step_complete();
            } else if (r.ok() && r->result == AtResult::NoCarrier && opts_.quirks.carrier_drop_between_pages) {
                // This model drops its carrier when the data end and says so: the data
                // went out, the call goes on (profile quirk carrier_drop_between_pages).
                FAX_LOG(Debug, "session", "NO CARRIER after image data: end of data (profile quirk)");
                step_complete();
            } else {
                modem_failed(r.ok() ? driver::to_error(r->result, "image data") : r.take_error());
            }
            pump();
        });
    }

    driver::AtChannel::DataSink rx_sink() {
        driver::AtChannel::DataSink sink;
        sink.data = [this](std::span<const uint8_t> d) { on_rx_data(d); };
        sink.end = [this]() { on_rx_end(); };
        return sink;
    }

    void start_receive(RxKind kind, const std::string& cmd, Samples timeout) {
        line_ = Line::RxWait;
        rx_kind_ = kind;
        rx_buf_.clear();
        channel_.send(AtCommand{cmd, timeout, DataMode::Receive}, [this](Result<AtReply> r) { on_rx_reply(std::move(r)); },
                      rx_sink());
    }

    void on_rx_reply(Result<AtReply> r) {
        const bool dialing = phase_ == CallPhase::Dialing;
        if (r.ok() && r->result == AtResult::Connect) {
            line_ = Line::RxData;
            if (dialing) set_phase(CallPhase::Negotiating, "connected");
            const bool was_up = rx_carrier_;
            rx_carrier_ = true;
            switch (rx_kind_) {
            case RxKind::V21:
                // Between non-final frames the carrier stays up: report it once.
                if (!was_up) {
                    t30_hdlc_accept(t30_.get(), nullptr, SIG_STATUS_CARRIER_UP, 1);
                    t30_hdlc_accept(t30_.get(), nullptr, SIG_STATUS_FRAMING_OK, 1);
                }
                break;
            case RxKind::NonEcm: t30_non_ecm_put_bit(t30_.get(), SIG_STATUS_TRAINING_SUCCEEDED); break;
            case RxKind::Ecm:
                hdlc_rx_restart(hdlc_rx_.get());
                t30_hdlc_accept(t30_.get(), nullptr, SIG_STATUS_TRAINING_SUCCEEDED, 1);
                break;
            case RxKind::None: break;
            }
            return;
        }
        const bool was_aborting = line_ == Line::Aborting;
        line_ = Line::Idle;
        if (!r.ok()) {
            if (dialing) {
                finish_with(fail(r.take_error()));
                return;
            }
            modem_failed(r.take_error());
            return;
        }
        const AtResult res = r->result;
        if (dialing) {
            // BUSY, NO ANSWER, NO DIALTONE, NO CARRIER: the call never started.
            finish_with(fail(driver::to_error(res, "dial")));
            return;
        }
        switch (rx_kind_) {
        case RxKind::V21: finish_v21_frame(res, was_aborting); break;
        case RxKind::NonEcm:
        case RxKind::Ecm:
            if (res == AtResult::FcError) {
                // T.31 §8.3.4: the modem heard V.21 instead of the high-speed carrier.
                force_v21_ = true;
            } else if (rx_carrier_) {
                carrier_down();
            }
            break;
        case RxKind::None: break;
        }
        rx_kind_ = RxKind::None;
        pump();
    }

    void finish_v21_frame(AtResult res, bool aborted) {
        if (rx_got_frame_ && !aborted) {
            rx_got_frame_ = false;
            // The modem includes the two FCS bytes and has checked them: OK or ERROR (notes).
            const bool good = res == AtResult::Ok;
            const std::size_t n = rx_buf_.size() >= 2 ? rx_buf_.size() - 2 : 0;
            if (n > 0) t30_hdlc_accept(t30_.get(), rx_buf_.data(), static_cast<int>(n), good ? 1 : 0);
            const bool final_frame = n >= 2 && rx_buf_[1] == kControlFinal;
            if (final_frame || !good) carrier_down();
        } else if (rx_carrier_ && (res != AtResult::Ok || aborted)) {
            carrier_down();
        }
        rx_got_frame_ = false;
        rx_buf_.clear();
    }

    void carrier_down() {
        if (!rx_carrier_) return;
        rx_carrier_ = false;
        if (rx_kind_ == RxKind::NonEcm)
            t30_non_ecm_put_bit(t30_.get(), SIG_STATUS_CARRIER_DOWN);
        else
            t30_hdlc_accept(t30_.get(), nullptr, SIG_STATUS_CARRIER_DOWN, 1);
    }

    void on_rx_data(std::span<const uint8_t> d) {
        switch (rx_kind_) {
        case RxKind::V21: rx_buf_.insert(rx_buf_.end(), d.begin(), d.end()); break;
        case RxKind::NonEcm: t30_non_ecm_put_chunk(t30_.get(), d.data(), static_cast<int>(d.size())); break;
        case RxKind::Ecm:
            for (uint8_t b : d) hdlc_rx_put_byte(hdlc_rx_.get(), driver::bit_reverse(b));
            break;
        case RxKind::None: break;
        }
    }

    void on_rx_end() {
        // Data cut short by our own abort is not a frame.
        if (line_ == Line::Aborting) return;
        if (line_ == Line::RxData) line_ = Line::RxTail;
        if (rx_kind_ == RxKind::V21) rx_got_frame_ = !rx_buf_.empty();
    }

    void step_complete() {
        if (t30_ && !t30_done_) t30_front_end_status(t30_.get(), T30_FRONT_END_SEND_STEP_COMPLETE);
    }

    void modem_failed(Error e) {
        // A modem-level failure mid-call: record it, let the engine end the call.
        FAX_LOG(Warn, "session", "modem: " + e.to_string());
        if (result_.status.ok()) result_.status = fail(e);
        if (e.code == Errc::Disconnected || e.code == Errc::Timeout) {
            line_ = Line::Dead;
            finish_with(fail(std::move(e)));
            return;
        }
        if (t30_ && !t30_done_) t30_terminate(t30_.get());
    }

    void hang_up() {
        set_phase(CallPhase::HangingUp, "hanging up");
        line_ = Line::Command;
        channel_.send(AtCommand{"ATH", seconds(5), DataMode::None}, [this](Result<AtReply>) {
            line_ = Line::Idle;
            finish_with({});
        });
    }

    void finish_with(Status s) {
        if (phase_ == CallPhase::Done) return;
        if (!s.ok() && result_.status.ok()) result_.status = std::move(s);
        if (offhook_) result_.line_seconds = static_cast<double>((last_time_ - offhook_time_).count()) / 8000.0;
        if (t30_ && !t30_done_) {
            // The engine never reached phase E: ask for its figures anyway.
            t30_stats_t st{};
            t30_get_transfer_statistics(t30_.get(), &st);
            if (role_ == Role::Receive) result_.pages_received = st.pages_rx;
        }
        phase_ = CallPhase::Done;
        emit("call ended");
    }

    void set_phase(CallPhase p, std::string detail) {
        if (phase_ == CallPhase::Done) return;
        phase_ = p;
        emit(std::move(detail));
    }
    void emit(std::string detail) {
        if (events_) events_(SessionEvent{phase_, std::move(detail)});
    }

public:
    std::string rx_tiff_;
    int tx_pause_ms_ = 0;

private:
    Role role_;
    SessionOptions opts_;
    AtChannel channel_;
    std::unique_ptr<t30_state_t, T30Deleter> t30_;
    std::unique_ptr<hdlc_tx_state_t, HdlcTxDeleter> hdlc_tx_;
    std::unique_ptr<hdlc_rx_state_t, HdlcRxDeleter> hdlc_rx_;
    SessionResult result_;
    CallPhase phase_ = CallPhase::Init;
    std::function<void(const SessionEvent&)> events_;

    std::string job_id_;
    std::optional<gate::DialPermit> dial_permit_;  // transmit only: taken from the release
    std::optional<std::string> expected_csi_;
    std::string tx_tiff_;

    std::vector<int> ftm_codes_, frm_codes_;
    int supported_modems_ = 0;

    TypeReq rx_req_, tx_req_, rx_active_req_;
    bool tx_req_serviced_ = true;
    std::deque<Frame> frames_;
    bool last_queued_fast_ = false;
    Line line_ = Line::Idle;
    RxKind rx_kind_ = RxKind::None;
    bool rx_carrier_ = false;
    bool rx_got_frame_ = false;
    bool force_v21_ = false;
    std::vector<uint8_t> rx_buf_;
    bool tx_image_hdlc_ = false;
    bool image_tx_done_ = false;
    std::size_t image_bytes_ = 0;
    bool hdlc_underflow_ = false;
    int last_image_modem_ = T30_MODEM_NONE;
    bool t30_done_ = false;
    bool t30_call_finished_ = false;
    bool pumping_ = false;
    bool cancelled_ = false;

    bool started_ = false;
    bool offhook_ = false;
    Samples start_time_{0}, last_time_{0}, offhook_time_{0};
    std::optional<Samples> pause_until_;
    std::optional<Samples> ring_deadline_;
    Samples data_at_{0};
    std::vector<Step> steps_;
};

FaxSession::FaxSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaxSession::~FaxSession() = default;

Result<std::unique_ptr<FaxSession>> FaxSession::transmit(gate::ClearedRelease&& release, SessionOptions opts) {
    auto impl = std::make_unique<Impl>(Impl::Role::Transmit, std::move(opts));
    if (auto s = impl->init_transmit(std::move(release)); !s) return fail(s.take_error());
    return std::unique_ptr<FaxSession>(new FaxSession(std::move(impl)));
}

Result<std::unique_ptr<FaxSession>> FaxSession::receive(const std::string& rx_tiff, SessionOptions opts) {
    if (rx_tiff.empty()) return fail(Errc::InvalidArgument, "no output file for the received fax");
    auto impl = std::make_unique<Impl>(Impl::Role::Receive, std::move(opts));
    impl->rx_tiff_ = rx_tiff;
    return std::unique_ptr<FaxSession>(new FaxSession(std::move(impl)));
}

void FaxSession::on_bytes(std::span<const uint8_t> bytes) { impl_->on_bytes(bytes); }
void FaxSession::advance_to(Samples now) { impl_->advance_to(now); }
std::vector<uint8_t> FaxSession::take_output() { return impl_->take_output(); }
void FaxSession::cancel() { impl_->cancel(); }
void FaxSession::transport_failed(Error error) { impl_->transport_failed(std::move(error)); }
bool FaxSession::finished() const { return impl_->finished(); }
bool FaxSession::transmitting_data() const { return impl_->transmitting_data(); }
CallPhase FaxSession::phase() const { return impl_->phase(); }
const SessionResult& FaxSession::result() const { return impl_->result(); }
const std::string& FaxSession::job_id() const { return impl_->job_id(); }
void FaxSession::set_event_handler(std::function<void(const SessionEvent&)> fn) { impl_->set_event_handler(std::move(fn)); }
void FaxSession::set_trace(std::function<void(bool, const std::string&)> fn) { impl_->set_trace(std::move(fn)); }

}  // namespace fax::t30
