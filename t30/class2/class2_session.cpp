// Class2Session: the host side of a Class 2.0 (T.32) call. The modem runs T.30; this
// engine sequences the AT commands, checks the gate's expectations and converts pages
// between the cleared fax TIFF and the T.4/T.6 data the modem takes and gives.
#include "fax/t30/class2_session.h"

#include "fax/driver/station_id.h"

#include <algorithm>
#include <array>

#include "fax/base/log.h"
#include "fax/base/sha256.h"
#include "fax/driver/at_step_runner.h"
#include "fax/driver/class2_channel.h"
#include "fax/t30/hangup_call_end.h"
#include "fax/t30/part_file.h"
#include "fax/t30/spandsp/spandsp.h"

namespace fax::t30 {

using driver::AtResult;
using driver::Class2Channel;
using driver::Class2Command;
using driver::Class2Data;
using driver::Class2Params;
using driver::Class2Reply;
using driver::PostPage;

namespace {

constexpr Samples seconds(int s) { return Samples{8000LL * s}; }

int t4_encoding(int df) {
    switch (df) {
    case 1: return T4_COMPRESSION_ITU_T4_2D;
    case 3: return T4_COMPRESSION_ITU_T6;
    default: return T4_COMPRESSION_ITU_T4_1D;
    }
}

std::string compression_name(int df) {
    switch (df) {
    case 0: return "MH";
    case 1: return "MR";
    case 3: return "MMR";
    default: return "";
    }
}

std::string modulation_for(int br, int remote_br) {
    if (br >= 4 || (br >= 2 && remote_br >= 5)) return "V.17";
    if (br >= 2) return "V.29";
    return "V.27ter";
}

struct T4TxFree {
    void operator()(t4_state_t* s) const noexcept { t4_tx_free(s); }
};
struct T4RxFree {
    void operator()(t4_state_t* s) const noexcept { t4_rx_free(s); }
};

// Page `page` (0-based) of a fax TIFF as T.4/T.6 data, first bit in the LSB (+FBO=0).
Result<std::vector<uint8_t>> encode_page(const std::string& tiff, int page, int df, bool fine) {
    std::unique_ptr<t4_state_t, T4TxFree> tx(t4_tx_init(nullptr, tiff.c_str(), page, page));
    if (!tx) return fail(Errc::Io, "cannot open page " + std::to_string(page + 1) + " of the document");
    const bool page_fine = t4_tx_get_y_resolution(tx.get()) > (T4_Y_RESOLUTION_STANDARD + T4_Y_RESOLUTION_FINE) / 2;
    if (page_fine != fine)
        return fail(Errc::Unsupported, "page " + std::to_string(page + 1) +
                                           ": the session's vertical resolution differs from the page's");
    t4_tx_set_tx_encoding(tx.get(), t4_encoding(df));
    t4_tx_set_min_bits_per_row(tx.get(), 0);
    if (t4_tx_start_page(tx.get()) != 0) return fail(Errc::InvalidInput, "cannot read page " + std::to_string(page + 1));
    std::vector<uint8_t> out;
    std::array<uint8_t, 4096> buf{};
    for (;;) {
        const int n = t4_tx_get_chunk(tx.get(), buf.data(), static_cast<int>(buf.size()));
        if (n > 0) out.insert(out.end(), buf.begin(), buf.begin() + n);
        if (n < static_cast<int>(buf.size())) break;
    }
    t4_tx_end_page(tx.get());
    return out;
}

}  // namespace

class Class2Session::Impl {
public:
    enum class Role { Transmit, Receive };

    Impl(Role role, Class2Options opts) : role_(role), opts_(std::move(opts)) {
        driver::Class2ChannelOptions co;
        co.result_form = opts_.quirks.numeric_result_codes ? driver::ResultForm::Numeric : driver::ResultForm::Verbose;
        co.lone_dle_is_data = opts_.quirks.dle_bug;
        channel_.configure(co);
        channel_.set_unsolicited([this](const std::string& line) { on_unsolicited(line); });
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

    Status init_receive(const std::string& rx_tiff) {
        if (rx_tiff.empty()) return fail(Errc::InvalidArgument, "no output file for the received fax");
        rx_tiff_ = rx_tiff;
        // Pages are received into <rx_tiff>.part, private from the start (part_file.h).
        auto part = PartFile::create(rx_tiff_);
        if (!part) return fail(part.take_error());
        rx_file_.emplace(std::move(*part));
        return {};
    }

    void on_bytes(std::span<const uint8_t> b) { channel_.on_bytes(b); }

    void advance_to(Samples now) {
        now_ = now;
        if (!started_) {
            started_ = true;
            run_setup();
        }
        channel_.set_time(now);
        if (ring_deadline_ && now >= *ring_deadline_ && phase_ == CallPhase::WaitingForCall) {
            ring_deadline_.reset();
            finish_with(fail(Errc::Timeout, "no incoming call"));
        }
        if (cancel_requested_ && !channel_.busy() && phase_ != CallPhase::Done && phase_ != CallPhase::HangingUp)
            end_call(fail(Errc::Cancelled, "cancelled"));
    }

    std::vector<uint8_t> take_output() { return channel_.take_output(); }

    void cancel() {
        if (phase_ == CallPhase::Done) return;
        cancel_requested_ = true;
        if (channel_.busy() && phase_ != CallPhase::HangingUp) channel_.abort();
    }

    void transport_failed(Error e) {
        FAX_LOG(Warn, "class2", "transport: " + e.to_string());
        finish_with(fail(std::move(e)));
    }

    bool finished() const { return phase_ == CallPhase::Done; }
    bool transmitting_data() const { return channel_.sending_page(); }
    CallPhase phase() const { return phase_; }
    const SessionResult& result() const { return result_; }
    const std::string& job_id() const { return job_id_; }
    void set_event_handler(std::function<void(const SessionEvent&)> fn) { events_ = std::move(fn); }
    void set_trace(std::function<void(bool, const std::string&)> fn) { channel_.set_trace(std::move(fn)); }

private:
    // ---- start-up (T.32 §8.2 / §8.5): Class 2.0 and the session parameters ----
    std::vector<driver::AtStep> init_steps() {
        Class2Params p;
        p.vr = 1;
        p.br = opts_.max_bit_rate_code;
        p.df = opts_.data_format;
        p.ec = opts_.ecm ? 1 : 0;
        // The profile sets the time-outs: a slow ATZ, slow answers on hook.
        const Samples reset = std::chrono::duration_cast<Samples>(opts_.quirks.reset_timeout);
        const Samples cmd = std::chrono::duration_cast<Samples>(opts_.quirks.command_timeout);
        const auto ok = driver::require_ok();
        std::vector<driver::AtStep> steps = {
            {"ATZ", reset, driver::tolerate_error(), {}},
            {"ATE0V1Q0", cmd, ok, {}},
            {"AT+FCLASS=?", cmd, driver::require_ok([this](const Class2Reply& r) { return on_fclass_caps(r); }), {}},
            {"AT+FCLASS=2.0", cmd, ok, {}},
            {"AT+FLI=\"" + opts_.local_ident + "\"", cmd, ok, {}},
            {"AT+FCC=" + p.to_string(), cmd, ok, {}},
            {"AT+FIS=" + p.to_string(), cmd, ok, {}},
            {"AT+FNR=1,1,1,0", cmd, driver::tolerate_error(), {}},
            {"AT+FBO=0", cmd, ok, {}},
            {"AT+FCR=1", cmd, ok, {}},
        };
        if (role_ == Role::Receive) steps.push_back({"ATS0=0", cmd, ok, {}});
        return steps;
    }

    // The set-up table, one command after the other (driver::AtStepRunner).
    void run_setup() {
        set_phase(CallPhase::Init, "initialising modem");
        auto send = driver::step_sender(channel_);
        setup_.run(
            init_steps(),
            [this, send](const driver::AtStep& step, driver::AtStepRunner::ReplyFn on_reply) {
                if (phase_ != CallPhase::Done) send(step, std::move(on_reply));
            },
            [this](Status s) {
                if (!s.ok()) {
                    finish_with(std::move(s));
                    return;
                }
                if (phase_ != CallPhase::Done) after_init();
            });
    }

    Status on_fclass_caps(const Class2Reply& r) {
        std::string joined;
        for (const auto& l : r.info) joined += l;
        result_.modem_classes = joined;
        auto classes = driver::parse_class_list(joined);
        if (!classes || std::find(classes->begin(), classes->end(), "2.0") == classes->end())
            return fail(Errc::Unsupported, "the modem does not offer Class 2.0 (+FCLASS=? answered '" + joined + "')");
        return {};
    }

    void after_init() {
        if (role_ == Role::Transmit) {
            dial();
        } else {
            set_phase(CallPhase::WaitingForCall, "waiting for a call");
            if (opts_.ring_timeout.count() > 0) ring_deadline_ = now_ + opts_.ring_timeout;
        }
    }

    // ---- transmit ----
    void dial() {
        set_phase(CallPhase::Dialing, "dialing");
        offhook_ = true;
        offhook_time_ = now_;
        // T.32 §8.3.1: ATD returns OK once the far end's DIS (and CSI) have been reported.
        if (!dial_permit_) {
            finish_with(fail(Errc::Internal, "no dial permit"));
            return;
        }
        channel_.dial(std::move(*dial_permit_), opts_.dial_prefix, opts_.dial_timeout,
                      [this](Result<Class2Reply> r) { on_dialled(std::move(r)); });
    }

    void on_dialled(Result<Class2Reply> r) {
        if (!r.ok()) {
            finish_with(fail(r.take_error()));
            return;
        }
        if (r->result != AtResult::Ok) {
            note_hangup(r->info);
            // BUSY, NO ANSWER, NO DIALTONE, NO CARRIER: the call never started.
            end_call(fail(driver::to_error(r->result, "ATD")));
            return;
        }
        if (auto csi = driver::find_report(r->info, "FCI")) result_.remote_ident = driver::unquote_ident(*csi);
        if (auto dis = driver::find_report(r->info, "FIS"))
            if (auto p = driver::parse_class2_params(*dis)) remote_caps_ = *p;
        set_phase(CallPhase::Negotiating, "remote station id received");
        if (expected_csi_ && !gate::station_ids_match(*expected_csi_, result_.remote_ident)) {
            // The remote is not the station the number was verified for: end the call
            // before any page (gate hook, the release's expected CSI). +FKS makes the
            // modem answer the DIS with DCN.
            result_.remote_ident_mismatch = true;
            result_.completion_text = "remote station id differs from the expected CSI";
            channel_.send(Class2Command{"AT+FKS", seconds(15), Class2Data::None}, [this](Result<Class2Reply> k) {
                if (k.ok()) note_hangup(k->info);
                hang_up({});
            });
            return;
        }
        send_page(0);
    }

    void send_page(int index) {
        page_index_ = index;
        channel_.send(Class2Command{"AT+FDT", seconds(60), Class2Data::SendPage}, [this](Result<Class2Reply> r) {
            on_fdt_reply(std::move(r));
        });
    }

    void on_fdt_reply(Result<Class2Reply> r) {
        if (!r.ok()) {
            end_call(fail(r.take_error()));
            return;
        }
        if (r->result == AtResult::Connect) {
            if (auto fcs = driver::find_report(r->info, "FCS"))
                if (auto p = driver::parse_class2_params(*fcs)) session_ = *p;
            record_session();
            auto data = encode_page(tx_tiff_, page_index_, session_.df, session_.vr == 1);
            if (!data) {
                // Nothing sensible can follow: abandon the page and the call.
                FAX_LOG(Warn, "class2", data.error().to_string());
                result_.status = fail(data.take_error());
                channel_.write_page_data({});
                channel_.end_page(PostPage::Eop, seconds(10));
                cancel_requested_ = true;
                return;
            }
            set_phase(CallPhase::Transfer, "page " + std::to_string(page_index_ + 1) + ": " + result_.modulation + " " +
                                               std::to_string(result_.bit_rate) + " " + result_.compression +
                                               (result_.ecm ? " ECM" : ""));
            channel_.write_page_data(*data);
            const bool last = page_index_ + 1 >= result_.pages_in_document;
            // The modem answers when the far end has answered the post-page message: allow
            // twice the page's line time, plus T.30 phase B for a new document.
            const int rate = session_.bit_rate();
            const Samples on_line{static_cast<int64_t>(data->size()) * 8 * 8000 / rate};
            channel_.end_page(last ? PostPage::Eop : PostPage::Mps, seconds(60) + on_line * 2);
            return;
        }
        // The final result after the page data (or a refusal of +FDT).
        on_page_result(*r);
    }

    void on_page_result(const Class2Reply& r) {
        note_hangup(r.info);
        PageOutcome o;
        o.page = page_index_ + 1;
        int ppr = 0;
        if (auto fps = driver::find_report(r.info, "FPS"))
            if (auto v = driver::parse_page_status(*fps)) ppr = *v;
        o.response = ppr ? std::string(driver::page_response_name(ppr)) : std::string("none");
        o.confirmed = r.result == AtResult::Ok && driver::page_confirmed(ppr);
        const bool sent = ppr != 0 || r.result == AtResult::Ok;
        if (sent) {
            if (o.confirmed) ++result_.pages_confirmed;
            result_.page_outcomes.push_back(o);
            set_phase(CallPhase::PostPage, "page " + std::to_string(o.page) + ": " + o.response);
        }
        if (r.result != AtResult::Ok) {
            end_call(hangup_status_ ? Status{} : fail(driver::to_error(r.result, "page data")));
            return;
        }
        if (page_index_ + 1 < result_.pages_in_document && !hangup_status_) {
            send_page(page_index_ + 1);
            return;
        }
        end_call({});
    }

    void record_session() {
        result_.bit_rate = session_.bit_rate();
        result_.modulation = modulation_for(session_.br, remote_caps_ ? remote_caps_->br : session_.br);
        result_.ecm = session_.ec != 0;
        result_.compression = compression_name(session_.df);
    }

    // ---- receive ----
    void on_unsolicited(const std::string& line) {
        const auto code = driver::parse_result_code(
            line, opts_.quirks.numeric_result_codes ? driver::ResultForm::Numeric : driver::ResultForm::Verbose);
        if (code && *code == AtResult::Ring && role_ == Role::Receive && phase_ == CallPhase::WaitingForCall &&
            !channel_.busy())
            answer();
    }

    void answer() {
        set_phase(CallPhase::Answering, "answering");
        offhook_ = true;
        offhook_time_ = now_;
        // T.32 §8.3.2: ATA returns OK after the far end's DCS (+FCO, +FTI, +FCS).
        channel_.send(Class2Command{"ATA", seconds(60), Class2Data::None}, [this](Result<Class2Reply> r) {
            if (!r.ok()) {
                finish_with(fail(r.take_error()));
                return;
            }
            note_hangup(r->info);
            if (r->result != AtResult::Ok) {
                end_call(fail(driver::to_error(r->result, "ATA")));
                return;
            }
            if (auto tsi = driver::find_report(r->info, "FTI")) result_.remote_ident = driver::unquote_ident(*tsi);
            if (auto fcs = driver::find_report(r->info, "FCS"))
                if (auto p = driver::parse_class2_params(*fcs)) session_ = *p;
            record_session();
            set_phase(CallPhase::Negotiating, "answered");
            receive_page();
        });
    }

    void receive_page() {
        rx_data_.clear();
        got_connect_ = false;
        channel_.send(
            Class2Command{"AT+FDR", seconds(120), Class2Data::ReceivePage},
            [this](Result<Class2Reply> r) { on_fdr_reply(std::move(r)); },
            [this](std::span<const uint8_t> d) { rx_data_.insert(rx_data_.end(), d.begin(), d.end()); });
    }

    void on_fdr_reply(Result<Class2Reply> r) {
        if (!r.ok()) {
            end_call(fail(r.take_error()));
            return;
        }
        if (r->result == AtResult::Connect) {
            got_connect_ = true;
            if (auto fcs = driver::find_report(r->info, "FCS"))
                if (auto p = driver::parse_class2_params(*fcs)) session_ = *p;
            record_session();
            set_phase(CallPhase::Transfer, "receiving page " + std::to_string(result_.pages_received + 1));
            return;
        }
        note_hangup(r->info);
        if (r->result != AtResult::Ok) {
            end_call(fail(driver::to_error(r->result, "AT+FDR")));
            return;
        }
        if (!got_connect_) {
            // No page: the far end has ended the document (T.32 §8.3.4).
            end_call({});
            return;
        }
        if (auto s = store_page(); !s) {
            end_call(std::move(s));
            return;
        }
        ++result_.pages_received;
        set_phase(CallPhase::PostPage, "page " + std::to_string(result_.pages_received) + " received");
        receive_page();
    }

    Status store_page() {
        if (!rx_) {
            rx_.reset(t4_rx_init(nullptr, rx_file_->part_path().c_str(), T4_COMPRESSION_ITU_T4_2D));
            if (!rx_) return fail(Errc::Io, "cannot create the received fax file");
        }
        t4_rx_set_rx_encoding(rx_.get(), t4_encoding(session_.df));
        t4_rx_set_image_width(rx_.get(), T4_WIDTH_R8_A4);
        t4_rx_set_x_resolution(rx_.get(), T4_X_RESOLUTION_R8);
        t4_rx_set_y_resolution(rx_.get(), session_.vr ? T4_Y_RESOLUTION_FINE : T4_Y_RESOLUTION_STANDARD);
        t4_rx_set_far_ident(rx_.get(), result_.remote_ident.c_str());
        if (t4_rx_start_page(rx_.get()) != 0) return fail(Errc::Internal, "cannot start a received page");
        if (!rx_data_.empty()) t4_rx_put_chunk(rx_.get(), rx_data_.data(), static_cast<int>(rx_data_.size()));
        if (t4_rx_end_page(rx_.get()) != 0) return fail(Errc::Protocol, "the modem's page data held no image");
        rx_data_.clear();
        return {};
    }

    // ---- the end ----
    void note_hangup(const std::vector<std::string>& info) {
        if (auto fhs = driver::find_report(info, "FHS"))
            if (auto v = driver::parse_hangup_status(*fhs)) hangup_status_ = *v;
    }

    void end_call(Status s) {
        if (!s.ok() && result_.status.ok()) result_.status = std::move(s);
        if (!hangup_status_ && offhook_ && !channel_.busy()) {
            // Still in a call as far as we know: terminate the session first.
            channel_.send(Class2Command{"AT+FKS", seconds(15), Class2Data::None}, [this](Result<Class2Reply> r) {
                if (r.ok()) note_hangup(r->info);
                hang_up({});
            });
            return;
        }
        hang_up({});
    }

    void hang_up(Status s) {
        if (!s.ok() && result_.status.ok()) result_.status = std::move(s);
        set_phase(CallPhase::HangingUp, "hanging up");
        channel_.send(Class2Command{"ATH", seconds(5), Class2Data::None}, [this](Result<Class2Reply>) {
            finish_with({});
        });
    }

    void finish_with(Status s) {
        if (phase_ == CallPhase::Done) return;
        if (!s.ok() && result_.status.ok()) result_.status = std::move(s);
        rx_.reset();  // closes the received TIFF
        if (rx_file_) {
            // Under its final name only with pages in it.
            if (result_.pages_received > 0) {
                if (auto c = rx_file_->commit(); !c && result_.status.ok()) result_.status = std::move(c);
            } else {
                rx_file_->discard();
            }
        }
        if (offhook_) result_.line_seconds = static_cast<double>((now_ - offhook_time_).count()) / 8000.0;
        if (hangup_status_) {
            result_.completion_code = *hangup_status_;
            if (result_.completion_text.empty()) result_.completion_text = driver::hangup_status_text(*hangup_status_);
        }
        const Error* error = result_.status.ok() ? nullptr : &result_.status.error();
        std::optional<CallEnd> hangup_end;
        if (hangup_status_) hangup_end = call_end_for_hangup_status(*hangup_status_);
        result_.end = settle_call_end(
            {result_.remote_ident_mismatch, error, phase_ == CallPhase::WaitingForCall, cancel_requested_, hangup_end});
        const bool normal = hangup_status_ && *hangup_status_ == 0 && result_.status.ok() && !result_.remote_ident_mismatch;
        result_.call_completed = normal && (role_ == Role::Transmit
                                                ? result_.pages_confirmed == result_.pages_in_document
                                                : result_.pages_received > 0);
        phase_ = CallPhase::Done;
        emit("call ended");
    }

    static std::string trim(std::string s) {
        const auto b = s.find_first_not_of(' ');
        if (b == std::string::npos) return {};
        return s.substr(b, s.find_last_not_of(' ') - b + 1);
    }

    void set_phase(CallPhase p, std::string detail) {
        if (phase_ == CallPhase::Done) return;
        const bool changed = p != phase_;
        phase_ = p;
        if (changed || !detail.empty()) emit(std::move(detail));
    }
    void emit(std::string detail) {
        if (events_) events_(SessionEvent{phase_, std::move(detail)});
    }

    Role role_;
    Class2Options opts_;
    Class2Channel channel_;
    driver::AtStepRunner setup_;
    SessionResult result_;
    CallPhase phase_ = CallPhase::Init;
    std::function<void(const SessionEvent&)> events_;

    std::string job_id_;
    std::optional<gate::DialPermit> dial_permit_;  // transmit only: taken from the release
    std::optional<std::string> expected_csi_;
    std::string tx_tiff_;
    std::string rx_tiff_;

    Class2Params session_;
    std::optional<Class2Params> remote_caps_;
    std::optional<int> hangup_status_;
    int page_index_ = 0;
    std::vector<uint8_t> rx_data_;
    bool got_connect_ = false;
    std::unique_ptr<t4_state_t, T4RxFree> rx_;
    std::optional<PartFile> rx_file_;  // receive: <rx_tiff_>.part until the call ends with pages

    bool started_ = false;
    bool offhook_ = false;
    bool cancel_requested_ = false;
    Samples now_{0}, offhook_time_{0};
    std::optional<Samples> ring_deadline_;
};

Class2Session::Class2Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Class2Session::~Class2Session() = default;

Result<std::unique_ptr<Class2Session>> Class2Session::transmit(gate::ClearedRelease&& release, Class2Options opts) {
    auto impl = std::make_unique<Impl>(Impl::Role::Transmit, std::move(opts));
    if (auto s = impl->init_transmit(std::move(release)); !s) return fail(s.take_error());
    return std::unique_ptr<Class2Session>(new Class2Session(std::move(impl)));
}

Result<std::unique_ptr<Class2Session>> Class2Session::receive(const std::string& rx_tiff, Class2Options opts) {
    auto impl = std::make_unique<Impl>(Impl::Role::Receive, std::move(opts));
    if (auto s = impl->init_receive(rx_tiff); !s) return fail(s.take_error());
    return std::unique_ptr<Class2Session>(new Class2Session(std::move(impl)));
}

void Class2Session::on_bytes(std::span<const uint8_t> bytes) { impl_->on_bytes(bytes); }
void Class2Session::advance_to(Samples now) { impl_->advance_to(now); }
std::vector<uint8_t> Class2Session::take_output() { return impl_->take_output(); }
void Class2Session::cancel() { impl_->cancel(); }
void Class2Session::transport_failed(Error error) { impl_->transport_failed(std::move(error)); }
bool Class2Session::finished() const { return impl_->finished(); }
bool Class2Session::transmitting_data() const { return impl_->transmitting_data(); }
CallPhase Class2Session::phase() const { return impl_->phase(); }
const SessionResult& Class2Session::result() const { return impl_->result(); }
const std::string& Class2Session::job_id() const { return impl_->job_id(); }
void Class2Session::set_event_handler(std::function<void(const SessionEvent&)> fn) {
    impl_->set_event_handler(std::move(fn));
}
void Class2Session::set_trace(std::function<void(bool, const std::string&)> fn) { impl_->set_trace(std::move(fn)); }

}  // namespace fax::t30
