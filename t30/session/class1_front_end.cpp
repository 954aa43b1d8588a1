#include "class1_front_end.h"

#include <algorithm>

#include "fax/base/log.h"

namespace fax::t30 {

using driver::AtChannel;
using driver::AtCommand;
using driver::AtReply;
using driver::AtResult;
using driver::DataMode;
using spandsp::FrontEndModem;
using spandsp::RxSignal;

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

std::optional<driver::Modulation> to_modulation(FrontEndModem m) {
    switch (m) {
    case FrontEndModem::V17: return driver::Modulation::V17;
    case FrontEndModem::V29: return driver::Modulation::V29;
    case FrontEndModem::V27ter: return driver::Modulation::V27ter;
    default: return std::nullopt;
    }
}

std::vector<int> parse_codes(const AtReply& r) {
    std::string joined;
    for (const auto& l : r.info) joined += (joined.empty() ? "" : ",") + l;
    auto v = driver::parse_int_list(joined);
    return v ? *v : std::vector<int>{};
}

}  // namespace

Class1FrontEnd::Class1FrontEnd(const driver::ModemQuirks& quirks, Class1Listener& listener)
    : quirks_(quirks), listener_(listener) {
    driver::AtChannelOptions co;
    co.result_form = quirks_.numeric_result_codes ? driver::ResultForm::Numeric : driver::ResultForm::Verbose;
    co.lone_dle_is_data = quirks_.dle_bug;
    co.inband_flow = quirks_.flow == hal::FlowControl::Software;
    channel_.configure(co);
    channel_.set_unsolicited([this](AtResult r, const std::string&) { on_unsolicited(r); });
}

// ---- runner side ----

void Class1FrontEnd::on_bytes(std::span<const uint8_t> bytes) {
    channel_.on_bytes(bytes);
    pump();
}

void Class1FrontEnd::set_time(Samples now) { channel_.set_time(now); }

void Class1FrontEnd::run_timers() {
    const Samples now = channel_.now();
    if (pause_until_ && now >= *pause_until_) {
        pause_until_.reset();
        listener_.class1_step_complete();
    }
    if (line_ == Line::TxConnectWait && now >= data_at_) {
        // The modem's training is on the line now (profile quirk connect_to_data_delay).
        line_ = Line::TxImage;
        begin_image_tx();
    }
}

bool Class1FrontEnd::transmitting_data() const {
    return line_ == Line::TxHdlc || line_ == Line::TxHdlcBusy || line_ == Line::TxImage || line_ == Line::TxEnding ||
           line_ == Line::TxConnectWait;
}

// ---- set-up: the command table, then dial or wait for a call ----

std::vector<driver::AtStep> Class1FrontEnd::setup_steps() {
    // Reset, then establish verbose results without echo, then Class 1 and its
    // capabilities (T.31 §8.2). The profile's quirks set the time-outs (a slow ATZ,
    // slow answers on hook) and add AT+FAR=1 (T.31 §8.5.1) where the model needs it.
    const Samples reset = std::chrono::duration_cast<Samples>(quirks_.reset_timeout);
    const Samples cmd = std::chrono::duration_cast<Samples>(quirks_.command_timeout);
    std::vector<driver::AtStep> steps = {
        {"ATZ", reset, driver::tolerate_error(), {}},
        {"ATE0V1Q0", cmd, driver::require_ok(), {}},
        {"AT+FCLASS=?", cmd, driver::require_ok([this](const AtReply& r) -> Status {
             std::string joined;
             for (const auto& l : r.info) joined += l;
             modem_classes_ = joined;
             auto classes = driver::parse_class_list(joined);
             if (!classes || std::find(classes->begin(), classes->end(), "1") == classes->end())
                 return fail(Errc::Unsupported, "the modem does not offer Class 1 (+FCLASS=? answered '" + joined + "')");
             return {};
         }), {}},
        {"AT+FCLASS=1", cmd, driver::require_ok(), {}},
        {"AT+FTM=?", cmd, driver::require_ok([this](const AtReply& r) -> Status {
             ftm_codes_ = parse_codes(r);
             return {};
         }), {}},
        {"AT+FRM=?", cmd, driver::require_ok([this](const AtReply& r) -> Status {
             frm_codes_ = parse_codes(r);
             return {};
         }), {}},
    };
    if (quirks_.needs_far) steps.push_back({"AT+FAR=1", cmd, driver::tolerate_error(), {}});
    return steps;
}

void Class1FrontEnd::start() {
    setup_.run(
        setup_steps(),
        [this](const driver::AtStep& step, driver::AtStepRunner::ReplyFn on_reply) {
            if (stopped_) return;  // the call ended meanwhile (cancelled, the port failed)
            line_ = Line::Command;
            channel_.send(AtCommand{step.command, step.timeout, DataMode::None},
                          [this, on_reply = std::move(on_reply)](Result<AtReply> r) {
                              line_ = Line::Idle;
                              on_reply(std::move(r));
                          });
        },
        [this](Status s) { listener_.class1_ready(std::move(s)); });
}

driver::ModulationSupport Class1FrontEnd::modulations() const {
    return driver::support_from_codes(ftm_codes_, frm_codes_);
}

void Class1FrontEnd::wait_for_call() {
    line_ = Line::Command;
    const Samples cmd = std::chrono::duration_cast<Samples>(quirks_.command_timeout);
    channel_.send(AtCommand{"ATS0=0", cmd, DataMode::None}, [this](Result<AtReply>) {
        line_ = Line::Idle;
        listener_.class1_waiting();
    });
}

Status Class1FrontEnd::prepare_call() {
    auto tx = spandsp::HdlcEncoder::create();
    if (!tx) return fail(tx.take_error());
    auto rx = spandsp::HdlcDecoder::create(
        [this](std::span<const uint8_t> frame, bool ok) { listener_.class1_hdlc_frame(frame, ok); });
    if (!rx) return fail(rx.take_error());
    hdlc_tx_ = std::move(*tx);
    hdlc_rx_ = std::move(*rx);
    in_call_ = true;
    return {};
}

void Class1FrontEnd::dial(gate::DialPermit&& permit, const std::string& prefix, Samples timeout) {
    // Like start_receive(), but through the one door that dials: the release's permit.
    stage_ = Stage::Dialing;
    line_ = Line::RxWait;
    rx_kind_ = RxKind::V21;
    rx_buf_.clear();
    channel_.dial(std::move(permit), prefix, timeout, DataMode::Receive,
                  [this](Result<AtReply> r) { on_rx_reply(std::move(r)); }, rx_sink());
}

void Class1FrontEnd::on_unsolicited(AtResult r) {
    if (r == AtResult::Ring && line_ == Line::Idle) listener_.class1_ring();
}

void Class1FrontEnd::answer() {
    stage_ = Stage::Answering;
    line_ = Line::RxWait;
    channel_.send(AtCommand{"ATA", seconds(40), DataMode::Transmit}, [this](Result<AtReply> r) {
        if (r.ok() && r->result == AtResult::Connect) {
            line_ = Line::TxHdlc;
            stage_ = Stage::InCall;
            listener_.class1_connected("answered");
            pump();
            return;
        }
        line_ = Line::Idle;
        if (r.ok() && r->result == AtResult::Ok) return;
        modem_failed(r.ok() ? driver::to_error(r->result, "ATA") : r.take_error());
    });
}

// ---- the engine's requests ----

void Class1FrontEnd::set_tx(const spandsp::ModemRequest& request) {
    tx_req_ = request;
    tx_req_serviced_ = false;
}

void Class1FrontEnd::queue_frame(std::span<const uint8_t> frame) {
    Frame f;
    if (frame.empty()) {
        f.end = true;
        f.fast = last_queued_fast_;
    } else {
        f.bytes.assign(frame.begin(), frame.end());
        f.fast = frame.size() >= 3 && (frame[2] == kFcfFcd || frame[2] == kFcfRcp);
        last_queued_fast_ = f.fast;
    }
    frames_.push_back(std::move(f));
}

// ---- the pump: engine requests -> Class 1 commands ----

Class1FrontEnd::RxKind Class1FrontEnd::wanted_rx() const {
    if (force_v21_) return RxKind::V21;
    if (rx_req_.modem == FrontEndModem::V21) return RxKind::V21;
    if (spandsp::is_image_modem(rx_req_.modem)) return rx_req_.hdlc ? RxKind::Ecm : RxKind::NonEcm;
    return RxKind::None;
}

bool Class1FrontEnd::tx_wanted() const {
    if (!frames_.empty()) return true;
    if (spandsp::is_image_modem(tx_req_.modem) || tx_req_.modem == FrontEndModem::Pause) return !tx_req_serviced_;
    return false;
}

void Class1FrontEnd::pump() {
    if (pumping_) return;
    pumping_ = true;
    for (int guard = 0; guard < 64 && pump_once(); ++guard) {
    }
    pumping_ = false;
}

bool Class1FrontEnd::pump_once() {
    if (stopped_) return false;
    if (in_call_ && (rx_req_.modem == FrontEndModem::Done || tx_req_.modem == FrontEndModem::Done)) call_finished_ = true;
    switch (line_) {
    case Line::Command:
    case Line::RxTail:
    case Line::TxHdlcBusy:
    case Line::TxEnding:
    case Line::Aborting:
    case Line::Dead: return false;
    case Line::RxWait:
    case Line::RxData:
        if (stage_ == Stage::Dialing || stage_ == Stage::Answering) return false;
        if (call_finished_ || tx_wanted() || wanted_rx() != rx_kind_ ||
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

bool Class1FrontEnd::pump_idle() {
    if (call_finished_) {
        hang_up();
        return true;
    }
    if (!in_call_) return false;
    if (tx_req_.modem == FrontEndModem::Pause && !tx_req_serviced_) {
        tx_req_serviced_ = true;
        pause_until_ = channel_.now() + millis(tx_req_.pause_ms);
        return false;
    }
    if (!frames_.empty() && frames_.front().end && !frames_.front().fast) {
        // End of a V.21 burst whose final frame already dropped the carrier.
        frames_.pop_front();
        listener_.class1_step_complete();
        return true;
    }
    if (!frames_.empty() && !frames_.front().fast && tx_req_.modem == FrontEndModem::V21) {
        start_transmit("AT+FTH=3", Line::TxHdlc);
        return true;
    }
    if (spandsp::is_image_modem(tx_req_.modem) && !tx_req_serviced_ && (!tx_req_.hdlc || !frames_.empty())) {
        auto code = driver::class1_code(*to_modulation(tx_req_.modem), tx_req_.bit_rate, tx_req_.short_train);
        if (!code) {
            modem_failed(make_error(Errc::Unsupported, "no Class 1 code for the requested modulation"));
            return false;
        }
        tx_req_serviced_ = true;
        last_image_modem_ = tx_req_.modem;
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
        auto code = driver::class1_code(*to_modulation(rx_req_.modem), rx_req_.bit_rate, rx_req_.short_train);
        if (!code) {
            modem_failed(make_error(Errc::Unsupported, "no Class 1 code for the requested modulation"));
            return false;
        }
        last_image_modem_ = rx_req_.modem;
        rx_active_req_ = rx_req_;
        start_receive(want, "AT+FRM=" + std::to_string(*code), seconds(60));
        return true;
    }
    return false;
}

// +FTS=8 first: T.30 §5.3.2.4 wants 75 ms of silence before we start talking after
// the other side, and the engine does not insert it itself (notes).
void Class1FrontEnd::start_transmit(const std::string& cmd, Line connected_state) {
    line_ = Line::Command;
    channel_.send(AtCommand{"AT+FTS=8", seconds(3), DataMode::None}, [this, cmd, connected_state](Result<AtReply> r) {
        if (!r.ok() || r->result != AtResult::Ok) {
            line_ = Line::Idle;
            modem_failed(r.ok() ? driver::to_error(r->result, "AT+FTS=8") : r.take_error());
            return;
        }
        channel_.send(AtCommand{cmd, seconds(10), DataMode::Transmit}, [this, cmd, connected_state](Result<AtReply> r2) {
            if (r2.ok() && r2->result == AtResult::Connect) {
                const auto delay = quirks_.connect_to_data_delay;
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

bool Class1FrontEnd::pump_tx_hdlc() {
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
                listener_.class1_step_complete();
            } else if (r.ok() && r->result == AtResult::Ok) {
                line_ = Line::Idle;
                listener_.class1_step_complete();
            } else {
                line_ = Line::Idle;
                modem_failed(r.ok() ? driver::to_error(r->result, "HDLC frame") : r.take_error());
            }
            pump();
        });
        return true;
    }
    // CED after ATA: the modem did it; let the engine go on to DIS.
    if (tx_req_.modem == FrontEndModem::Ced && !tx_req_serviced_) {
        tx_req_serviced_ = true;
        listener_.class1_step_complete();
        return true;
    }
    if (call_finished_ || (tx_req_.modem != FrontEndModem::V21 && tx_req_.modem != FrontEndModem::Ced && frames_.empty())) {
        // Nothing more to say on V.21: turn the carrier off.
        Frame end;
        end.end = true;
        frames_.push_front(end);
        return true;
    }
    return false;
}

void Class1FrontEnd::begin_image_tx() {
    image_bytes_ = 0;
    if (tx_image_hdlc_) {
        hdlc_tx_->restart();
        hdlc_tx_->flags(tx_req_.bit_rate * kEcmPreambleMs / 8000);
        drain_hdlc_tx();
    } else {
        image_tx_done_ = false;
    }
    listener_.class1_transfer(std::string(spandsp::modulation_name(tx_req_.modem)) + " " +
                              std::to_string(tx_req_.bit_rate) + (tx_req_.hdlc ? " ECM" : ""));
}

// Everything the HDLC encoder has queued goes to the modem.
void Class1FrontEnd::drain_hdlc_tx() {
    const std::vector<uint8_t> buf = hdlc_tx_->drain();
    image_bytes_ += buf.size();
    channel_.write_data(buf);
}

bool Class1FrontEnd::pump_tx_image() {
    if (tx_image_hdlc_) {
        if (frames_.empty() || !frames_.front().fast) return false;
        Frame f = std::move(frames_.front());
        frames_.pop_front();
        if (f.end) {
            hdlc_tx_->flags(3);
            drain_hdlc_tx();
            end_image_tx();
            return true;
        }
        hdlc_tx_->frame(f.bytes);
        drain_hdlc_tx();
        listener_.class1_step_complete();
        return true;
    }
    if (image_tx_done_) return false;
    // Non-ECM (TCF or a page): the engine's bytes are already LSB-first (notes).
    // Keep a few KiB ahead of the modem; flow control paces the rest.
    if (channel_.output_size() > 16384) return false;
    uint8_t buf[4096];
    const std::size_t n = listener_.class1_non_ecm_fill(std::span<uint8_t>(buf, sizeof buf));
    if (n > 0) {
        channel_.write_data(std::span<const uint8_t>(buf, n));
        image_bytes_ += n;
    }
    if (n < sizeof buf) {
        image_tx_done_ = true;
        end_image_tx();
    }
    return true;
}

void Class1FrontEnd::end_image_tx() {
    line_ = Line::TxEnding;
    // The modem answers OK only when the last byte has left at the line rate: allow
    // for what is still queued (a 64 KiB ECM block is ~37 s at 14400 bit/s).
    const int rate = tx_req_.bit_rate > 0 ? tx_req_.bit_rate : 2400;
    const Samples on_line{static_cast<int64_t>(image_bytes_) * 8 * 8000 / rate};
    channel_.finish_data(seconds(15) + on_line, [this](Result<AtReply> r) {
        line_ = Line::Idle;
        if (r.ok() && r->result == AtResult::Ok) {
            listener_.class1_step_complete();
        } else if (r.ok() && r->result == AtResult::NoCarrier && quirks_.carrier_drop_between_pages) {
            // This model drops its carrier when the data end and says so: the data
            // went out, the call goes on (profile quirk carrier_drop_between_pages).
            FAX_LOG(Debug, "session", "NO CARRIER after image data: end of data (profile quirk)");
            listener_.class1_step_complete();
        } else {
            modem_failed(r.ok() ? driver::to_error(r->result, "image data") : r.take_error());
        }
        pump();
    });
}

// ---- receive ----

AtChannel::DataSink Class1FrontEnd::rx_sink() {
    AtChannel::DataSink sink;
    sink.data = [this](std::span<const uint8_t> d) { on_rx_data(d); };
    sink.end = [this]() { on_rx_end(); };
    return sink;
}

void Class1FrontEnd::start_receive(RxKind kind, const std::string& cmd, Samples timeout) {
    line_ = Line::RxWait;
    rx_kind_ = kind;
    rx_buf_.clear();
    channel_.send(AtCommand{cmd, timeout, DataMode::Receive}, [this](Result<AtReply> r) { on_rx_reply(std::move(r)); },
                  rx_sink());
}

void Class1FrontEnd::on_rx_reply(Result<AtReply> r) {
    const bool dialing = stage_ == Stage::Dialing;
    if (r.ok() && r->result == AtResult::Connect) {
        line_ = Line::RxData;
        if (dialing) {
            stage_ = Stage::InCall;
            listener_.class1_connected("connected");
        }
        const bool was_up = rx_carrier_;
        rx_carrier_ = true;
        switch (rx_kind_) {
        case RxKind::V21:
            // Between non-final frames the carrier stays up: report it once.
            if (!was_up) {
                listener_.class1_hdlc_signal(RxSignal::CarrierUp);
                listener_.class1_hdlc_signal(RxSignal::FramingOk);
            }
            break;
        case RxKind::NonEcm: listener_.class1_non_ecm_signal(RxSignal::TrainingSucceeded); break;
        case RxKind::Ecm:
            hdlc_rx_->restart();
            listener_.class1_hdlc_signal(RxSignal::TrainingSucceeded);
            break;
        case RxKind::None: break;
        }
        return;
    }
    const bool was_aborting = line_ == Line::Aborting;
    line_ = Line::Idle;
    if (!r.ok()) {
        if (dialing) {
            listener_.class1_dial_failed(r.take_error());
            return;
        }
        modem_failed(r.take_error());
        return;
    }
    const AtResult res = r->result;
    if (dialing) {
        // BUSY, NO ANSWER, NO DIALTONE, NO CARRIER: the call never started.
        listener_.class1_dial_failed(driver::to_error(res, "dial"));
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

void Class1FrontEnd::finish_v21_frame(AtResult res, bool aborted) {
    if (rx_got_frame_ && !aborted) {
        rx_got_frame_ = false;
        // The modem includes the two FCS bytes and has checked them: OK or ERROR (notes).
        const bool good = res == AtResult::Ok;
        const std::size_t n = rx_buf_.size() >= 2 ? rx_buf_.size() - 2 : 0;
        if (n > 0) listener_.class1_hdlc_frame(std::span<const uint8_t>(rx_buf_.data(), n), good);
        const bool final_frame = n >= 2 && rx_buf_[1] == kControlFinal;
        if (final_frame || !good) carrier_down();
    } else if (rx_carrier_ && (res != AtResult::Ok || aborted)) {
        carrier_down();
    }
    rx_got_frame_ = false;
    rx_buf_.clear();
}

void Class1FrontEnd::carrier_down() {
    if (!rx_carrier_) return;
    rx_carrier_ = false;
    if (rx_kind_ == RxKind::NonEcm)
        listener_.class1_non_ecm_signal(RxSignal::CarrierDown);
    else
        listener_.class1_hdlc_signal(RxSignal::CarrierDown);
}

void Class1FrontEnd::on_rx_data(std::span<const uint8_t> d) {
    switch (rx_kind_) {
    case RxKind::V21: rx_buf_.insert(rx_buf_.end(), d.begin(), d.end()); break;
    case RxKind::NonEcm: listener_.class1_non_ecm_data(d); break;
    case RxKind::Ecm: hdlc_rx_->put(d); break;
    case RxKind::None: break;
    }
}

void Class1FrontEnd::on_rx_end() {
    // Data cut short by our own abort is not a frame.
    if (line_ == Line::Aborting) return;
    if (line_ == Line::RxData) line_ = Line::RxTail;
    if (rx_kind_ == RxKind::V21) rx_got_frame_ = !rx_buf_.empty();
}

// ---- the end ----

void Class1FrontEnd::modem_failed(Error e) {
    // No answer at all, or the device went away: nothing more can be said to the modem.
    if (e.code == Errc::Disconnected || e.code == Errc::Timeout) line_ = Line::Dead;
    listener_.class1_modem_failed(std::move(e));
}

void Class1FrontEnd::hang_up() {
    listener_.class1_hanging_up();
    line_ = Line::Command;
    channel_.send(AtCommand{"ATH", seconds(5), DataMode::None}, [this](Result<AtReply>) {
        line_ = Line::Idle;
        listener_.class1_hung_up();
    });
}

}  // namespace fax::t30
