// FaxSession: the small session that joins SpanDSP's T.30 engine (spandsp::T30Engine,
// t30/spandsp) to a Class 1 modem (Class1FrontEnd, class1_front_end.h). It owns what the
// call is about — the release (its dial permit and expected remote id) or the file to
// receive into — and what the caller sees: the phase, the events, the SessionResult.
//
// The engine's requests reach the front end through this session and the front end's
// reports reach the engine through it; neither knows the other.
#include "fax/t30/fax_session.h"

#include <optional>

#include "class1_front_end.h"
#include "fax/base/log.h"
#include "fax/base/sha256.h"
#include "fax/driver/station_id.h"
#include "fax/t30/part_file.h"
#include "fax/t30/spandsp/t30_engine.h"

namespace fax::t30 {

using spandsp::RxSignal;

class FaxSession::Impl final : public spandsp::T30Listener, public Class1Listener {
public:
    enum class Role { Transmit, Receive };

    Impl(Role role, SessionOptions opts) : role_(role), opts_(std::move(opts)), front_(opts_.quirks, *this) {}

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

    Status init_receive(const std::string& rx_tiff) {
        if (rx_tiff.empty()) return fail(Errc::InvalidArgument, "no output file for the received fax");
        // Pages are received into <rx_tiff>.part, private from the start (part_file.h).
        auto part = PartFile::create(rx_tiff);
        if (!part) return fail(part.take_error());
        rx_file_.emplace(std::move(*part));
        return {};
    }

    // ---- runner-facing (CallSession) ----
    void on_bytes(std::span<const uint8_t> b) { front_.on_bytes(b); }

    void advance_to(Samples now) {
        if (!started_) {
            started_ = true;
            last_time_ = now;
            front_.set_time(now);
            set_phase(CallPhase::Init, "initialising modem");
            front_.start();
        }
        const Samples delta = now - last_time_;
        last_time_ = now;
        front_.set_time(now);
        if (engine_) engine_->timer_update(delta);
        front_.run_timers();
        if (ring_deadline_ && now >= *ring_deadline_ && phase_ == CallPhase::WaitingForCall) {
            ring_deadline_.reset();
            finish_with(fail(Errc::Timeout, "no incoming call"));
        }
        front_.pump();
    }

    std::vector<uint8_t> take_output() { return front_.take_output(); }

    void cancel() {
        cancelled_ = true;
        if (engine_ && !engine_->ended()) {
            engine_->terminate();
        } else if (phase_ != CallPhase::Done) {
            finish_with(fail(Errc::Cancelled, "cancelled"));
        }
        front_.pump();
    }

    // The bytes to and from the modem stopped (unplugged, I/O error): no DCN can be sent,
    // so the call ends here, with the transport's error as the session's status.
    void transport_failed(Error e) {
        FAX_LOG(Warn, "session", "transport: " + e.to_string());
        front_.transport_failed();
        finish_with(fail(std::move(e)));
    }

    bool finished() const { return phase_ == CallPhase::Done; }
    bool transmitting_data() const { return front_.transmitting_data(); }
    CallPhase phase() const { return phase_; }
    const SessionResult& result() const { return result_; }
    const std::string& job_id() const { return job_id_; }
    void set_event_handler(std::function<void(const SessionEvent&)> fn) { events_ = std::move(fn); }
    void set_trace(std::function<void(bool, const std::string&)> fn) { front_.set_trace(std::move(fn)); }

private:
    // ---- the T.30 engine's requests and phases (spandsp::T30Listener) ----
    void t30_rx_request(const spandsp::ModemRequest& r) override { front_.set_rx(r); }
    void t30_tx_request(const spandsp::ModemRequest& r) override { front_.set_tx(r); }
    void t30_send_hdlc(std::span<const uint8_t> frame) override { front_.queue_frame(frame); }

    bool t30_remote_ident(const std::string& ident) override {
        result_.remote_ident = ident;
        set_phase(CallPhase::Negotiating, "remote station id received");
        if (role_ == Role::Transmit && expected_csi_ && !gate::station_ids_match(*expected_csi_, ident)) {
            // The remote is not the station the number was verified for: end the call
            // with DCN before any page (gate hook, the release's expected CSI).
            result_.remote_ident_mismatch = true;
            return false;
        }
        return true;
    }

    void t30_page_done(const spandsp::PostPageResponse& response) override {
        if (role_ == Role::Transmit) {
            PageOutcome o;
            o.page = static_cast<int>(result_.page_outcomes.size()) + 1;
            o.response = response.name;
            o.confirmed = response.confirmed;
            if (o.confirmed) ++result_.pages_confirmed;
            result_.page_outcomes.push_back(o);
            set_phase(CallPhase::PostPage, "page " + std::to_string(o.page) + ": " + o.response);
        } else {
            set_phase(CallPhase::PostPage, "page received");
        }
    }

    void t30_call_ended(const spandsp::T30Completion& c) override {
        protocol_end_ = c.end;
        result_.completion_code = c.code;
        result_.completion_text = c.text;
        result_.call_completed = c.end == CallEnd::Ok;
        result_.bit_rate = c.stats.bit_rate;
        result_.ecm = c.stats.ecm;
        result_.compression = c.stats.compression;
        if (role_ == Role::Receive) result_.pages_received = c.stats.pages_rx;
        result_.modulation = std::string(spandsp::modulation_name(front_.last_image_modem()));
    }

    // ---- what the modem heard, for the engine (Class1Listener) ----
    void class1_hdlc_frame(std::span<const uint8_t> frame, bool ok) override {
        if (engine_) engine_->hdlc_frame(frame, ok);
    }
    void class1_hdlc_signal(RxSignal s) override {
        if (engine_) engine_->hdlc_signal(s);
    }
    void class1_non_ecm_data(std::span<const uint8_t> d) override {
        if (engine_) engine_->non_ecm_data(d);
    }
    void class1_non_ecm_signal(RxSignal s) override {
        if (engine_) engine_->non_ecm_signal(s);
    }
    std::size_t class1_non_ecm_fill(std::span<uint8_t> out) override {
        return engine_ ? engine_->non_ecm_fill(out) : 0;
    }
    void class1_step_complete() override {
        if (engine_) engine_->send_step_complete();
    }

    // ---- how the call goes (Class1Listener) ----
    void class1_ready(Status s) override {
        result_.modem_classes = front_.modem_classes();
        if (!s.ok()) {
            finish_with(std::move(s));
            return;
        }
        if (phase_ == CallPhase::Done) return;
        const auto support = front_.modulations();
        v27ter_ = support.v27ter && opts_.allow_v27ter;
        v29_ = support.v29 && opts_.allow_v29;
        v17_ = support.v17 && opts_.allow_v17;
        if (!v27ter_ && !v29_ && !v17_) {
            finish_with(fail(Errc::Unsupported, "the modem offers no fax modulation both ways (+FTM/+FRM lists)"));
            return;
        }
        if (role_ == Role::Transmit) {
            dial();
        } else {
            set_phase(CallPhase::WaitingForCall, "waiting for a call");
            front_.wait_for_call();
        }
    }

    void class1_waiting() override {
        if (opts_.ring_timeout.count() > 0) ring_deadline_ = last_time_ + opts_.ring_timeout;
    }

    void class1_ring() override {
        if (role_ == Role::Receive && phase_ == CallPhase::WaitingForCall) answer();
    }

    void class1_connected(const std::string& detail) override { set_phase(CallPhase::Negotiating, detail); }
    void class1_dial_failed(Error e) override { finish_with(fail(std::move(e))); }
    void class1_transfer(const std::string& detail) override { set_phase(CallPhase::Transfer, detail); }

    void class1_modem_failed(Error e) override {
        // A modem-level failure mid-call: record it, let the engine end the call.
        FAX_LOG(Warn, "session", "modem: " + e.to_string());
        if (result_.status.ok()) result_.status = fail(e);
        if (front_.dead()) {
            finish_with(fail(std::move(e)));
            return;
        }
        if (engine_ && !engine_->ended()) engine_->terminate();
    }

    void class1_hanging_up() override { set_phase(CallPhase::HangingUp, "hanging up"); }
    void class1_hung_up() override { finish_with({}); }

    // ---- the call ----
    Status start_engine(bool calling) {
        spandsp::T30Config c;
        c.calling_party = calling;
        c.local_ident = opts_.local_ident;
        c.ecm = opts_.ecm;
        c.mh = opts_.allow_mh;
        c.mr = opts_.allow_mr;
        c.mmr = opts_.allow_mmr;
        c.v27ter = v27ter_;
        c.v29 = v29_;
        c.v17 = v17_;
        if (role_ == Role::Transmit)
            c.tx_file = tx_tiff_;
        else
            c.rx_file = rx_file_->part_path();
        auto engine = spandsp::T30Engine::create(c, *this);
        if (!engine) return fail(engine.take_error());
        engine_ = std::move(*engine);
        return front_.prepare_call();
    }

    void dial() {
        // The engine starts in phase A (CNG, listen for V.21) and the Class 1 modem's
        // ATD does the same: CONNECT arrives with the far end's V.21 flags (T.31 §8.3.1).
        if (auto s = start_engine(true); !s) {
            finish_with(std::move(s));
            return;
        }
        set_phase(CallPhase::Dialing, "dialing");
        go_off_hook();
        if (!dial_permit_) {
            finish_with(fail(Errc::Internal, "no dial permit"));
            return;
        }
        front_.dial(std::move(*dial_permit_), opts_.dial_prefix, opts_.dial_timeout);
    }

    void answer() {
        if (auto s = start_engine(false); !s) {
            finish_with(std::move(s));
            return;
        }
        set_phase(CallPhase::Answering, "answering");
        go_off_hook();
        front_.answer();
    }

    void go_off_hook() {
        offhook_ = true;
        offhook_time_ = last_time_;
    }

    void finish_with(Status s) {
        if (phase_ == CallPhase::Done) return;
        if (!s.ok() && result_.status.ok()) result_.status = std::move(s);
        if (offhook_) result_.line_seconds = static_cast<double>((last_time_ - offhook_time_).count()) / 8000.0;
        if (engine_ && !engine_->ended() && role_ == Role::Receive) {
            // The engine never reached phase E: ask for its figures anyway.
            result_.pages_received = engine_->stats().pages_rx;
        }
        // Done with the engine: freeing it closes the received TIFF (if the call broke off
        // before phase E did) before the file is given its final name.
        engine_.reset();
        if (rx_file_) {
            if (result_.pages_received > 0) {
                if (auto c = rx_file_->commit(); !c && result_.status.ok()) result_.status = std::move(c);
            } else {
                rx_file_->discard();
            }
        }
        const Error* error = result_.status.ok() ? nullptr : &result_.status.error();
        result_.end = settle_call_end({result_.remote_ident_mismatch, error, phase_ == CallPhase::WaitingForCall,
                                       cancelled_, protocol_end_});
        phase_ = CallPhase::Done;
        front_.stop();
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

    Role role_;
    SessionOptions opts_;
    Class1FrontEnd front_;
    std::unique_ptr<spandsp::T30Engine> engine_;
    SessionResult result_;
    CallPhase phase_ = CallPhase::Init;
    std::function<void(const SessionEvent&)> events_;

    std::string job_id_;
    std::optional<gate::DialPermit> dial_permit_;  // transmit only: taken from the release
    std::optional<std::string> expected_csi_;
    std::string tx_tiff_;
    std::optional<PartFile> rx_file_;  // receive: <path>.part until the call ends with pages

    bool v27ter_ = false, v29_ = false, v17_ = false;  // what the modem and the options allow
    std::optional<CallEnd> protocol_end_;             // phase E's verdict
    bool cancelled_ = false;
    bool started_ = false;
    bool offhook_ = false;
    Samples last_time_{0}, offhook_time_{0};
    std::optional<Samples> ring_deadline_;
};

FaxSession::FaxSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaxSession::~FaxSession() = default;

Result<std::unique_ptr<FaxSession>> FaxSession::transmit(gate::ClearedRelease&& release, SessionOptions opts) {
    auto impl = std::make_unique<Impl>(Impl::Role::Transmit, std::move(opts));
    if (auto s = impl->init_transmit(std::move(release)); !s) return fail(s.take_error());
    return std::unique_ptr<FaxSession>(new FaxSession(std::move(impl)));
}

Result<std::unique_ptr<FaxSession>> FaxSession::receive(const std::string& rx_tiff, SessionOptions opts) {
    auto impl = std::make_unique<Impl>(Impl::Role::Receive, std::move(opts));
    if (auto s = impl->init_receive(rx_tiff); !s) return fail(s.take_error());
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
