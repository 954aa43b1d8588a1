// Class1FrontEnd: the Class 1 modem (T.31) as the front end of a host-side T.30 engine.
// It runs the modem's set-up table, dials or answers, and then turns the engine's
// requests — receive or send with this modulation, send these HDLC frames, this image
// data — into Class 1 commands and data modes (+FTH/+FRH/+FTM/+FRM, DLE framing), frames
// ECM blocks in software (the modem carries HDLC only at V.21), and hands what the modem
// heard back up. The mapping follows docs/spandsp-0.0.6-notes.md.
//
// It does no I/O and reads no clock (bytes and time are handed in, through its AtChannel)
// and knows nothing of SpanDSP's types: requests and reports are the plain values of
// fax/t30/spandsp/modem_request.h. FaxSession joins it to the T.30 engine.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/driver/at_channel.h"
#include "fax/driver/at_step_runner.h"
#include "fax/driver/class1_modulation.h"
#include "fax/driver/cleared_release.h"
#include "fax/driver/profile.h"
#include "fax/t30/spandsp/hdlc_decoder.h"
#include "fax/t30/spandsp/hdlc_encoder.h"
#include "fax/t30/spandsp/modem_request.h"

namespace fax::t30 {

// What the front end reports: to the T.30 engine (what the modem heard, what it has sent)
// and to the session (how the call is going).
class Class1Listener {
public:
    // ---- towards the T.30 engine ----
    virtual void class1_hdlc_frame(std::span<const uint8_t> frame, bool fcs_ok) = 0;
    virtual void class1_hdlc_signal(spandsp::RxSignal signal) = 0;
    virtual void class1_non_ecm_data(std::span<const uint8_t> data) = 0;
    virtual void class1_non_ecm_signal(spandsp::RxSignal signal) = 0;
    // Fills `out` with non-ECM image data to send; fewer bytes than asked: the data end.
    virtual std::size_t class1_non_ecm_fill(std::span<uint8_t> out) = 0;
    // The transmit step the engine asked for is done.
    virtual void class1_step_complete() = 0;

    // ---- towards the session ----
    // The set-up table ran; an error ends the call before it began.
    virtual void class1_ready(Status status) = 0;
    // Receive: the modem waits for RING (ATS0=0 answered), and RING came.
    virtual void class1_waiting() = 0;
    virtual void class1_ring() = 0;
    // The far end is on the line (ATD's or ATA's CONNECT): "connected" or "answered".
    virtual void class1_connected(const std::string& detail) = 0;
    // ATD failed: BUSY, NO ANSWER, NO DIALTONE, NO CARRIER, no answer — the call never started.
    virtual void class1_dial_failed(Error error) = 0;
    // Image data start to go out, e.g. "V.17 14400 ECM".
    virtual void class1_transfer(const std::string& detail) = 0;
    // The modem failed mid-call. dead() tells whether it can still hang up.
    virtual void class1_modem_failed(Error error) = 0;
    // The engine has finished: ATH is on its way, then it has been answered.
    virtual void class1_hanging_up() = 0;
    virtual void class1_hung_up() = 0;

protected:
    ~Class1Listener() = default;
};

class Class1FrontEnd {
public:
    Class1FrontEnd(const driver::ModemQuirks& quirks, Class1Listener& listener);
    Class1FrontEnd(const Class1FrontEnd&) = delete;
    Class1FrontEnd& operator=(const Class1FrontEnd&) = delete;

    // ---- runner side ----
    void on_bytes(std::span<const uint8_t> bytes);
    // The time, for the modem's command deadlines.
    void set_time(Samples now);
    // Then, with the engine's timers updated: a pause that has run out, a delay before
    // +FTM data that has passed (profile quirk connect_to_data_delay).
    void run_timers();
    std::vector<uint8_t> take_output() { return channel_.take_output(); }
    void set_trace(std::function<void(bool, const std::string&)> fn) { channel_.set_trace(std::move(fn)); }
    // Host to modem data (HDLC frames or image data) are being sent: XON/XOFF applies.
    bool transmitting_data() const;

    // ---- session side ----
    // Runs the set-up table (T.31 §8.2); class1_ready() follows.
    void start();
    const std::string& modem_classes() const { return modem_classes_; }
    // What the modem can send and receive (+FTM=? / +FRM=?), after start.
    driver::ModulationSupport modulations() const;
    // Receive: ATS0=0 (the host answers), then class1_waiting(); RING → class1_ring().
    void wait_for_call();
    // A call begins: the ECM framing is set up. Before dial() or answer().
    Status prepare_call();
    // Dials the permit's number; the engine listens for the far end's V.21 flags
    // (T.31 §8.3.1: CONNECT comes with them).
    void dial(gate::DialPermit&& permit, const std::string& prefix, Samples timeout);
    // ATA: the modem sends CED, then behaves as after +FTH=3 (T.31 §8.3.2).
    void answer();
    // Moves the engine on (after bytes, time, a request or a cancel).
    void pump();
    // The call has ended for the session: nothing more is sent.
    void stop() { stopped_ = true; }
    // The bytes stopped (unplugged): nothing can be sent any more.
    void transport_failed() { line_ = Line::Dead; }
    bool dead() const { return line_ == Line::Dead; }
    // The image modulation last used, for the result.
    spandsp::FrontEndModem last_image_modem() const { return last_image_modem_; }

    // ---- the engine's requests (recorded; pump() acts on them) ----
    void set_rx(const spandsp::ModemRequest& request) { rx_req_ = request; }
    void set_tx(const spandsp::ModemRequest& request);
    // An HDLC frame to send (empty: end of the burst).
    void queue_frame(std::span<const uint8_t> frame);

private:
    struct Frame {
        std::vector<uint8_t> bytes;
        bool end = false;
        bool fast = false;  // ECM image frame: high-speed carrier, not V.21
    };
    // What the modem is doing, from the driver's point of view.
    enum class Line {
        Idle,           // command mode, nothing in flight
        Command,        // a command without a data phase is in flight
        RxWait,         // +FRH/+FRM/ATD/ATA sent, CONNECT not yet seen
        RxData,         // receiving data (until DLE ETX)
        RxTail,         // data ended, waiting for the final result
        TxHdlc,         // V.21 HDLC transmit connected, between frames
        TxHdlcBusy,     // a V.21 frame sent, awaiting CONNECT/OK
        TxConnectWait,  // +FTM connected, waiting the profile's connect_to_data_delay before data
        TxImage,        // high-speed transmit connected (non-ECM data or software-framed ECM)
        TxEnding,       // DLE ETX sent after data, awaiting OK
        Aborting,       // receive aborted, awaiting OK
        Dead,           // gave up
    };
    enum class RxKind { None, V21, NonEcm, Ecm };
    // Where the call stands: between ATD/ATA and its CONNECT nothing else may be sent.
    enum class Stage { Setup, Dialing, Answering, InCall };

    std::vector<driver::AtStep> setup_steps();
    driver::AtChannel::DataSink rx_sink();
    void start_receive(RxKind kind, const std::string& cmd, Samples timeout);
    void on_rx_reply(Result<driver::AtReply> r);
    void finish_v21_frame(driver::AtResult res, bool aborted);
    void carrier_down();
    void on_rx_data(std::span<const uint8_t> d);
    void on_rx_end();
    void on_unsolicited(driver::AtResult r);

    RxKind wanted_rx() const;
    bool tx_wanted() const;
    bool pump_once();
    bool pump_idle();
    bool pump_tx_hdlc();
    bool pump_tx_image();
    void start_transmit(const std::string& cmd, Line connected_state);
    void begin_image_tx();
    void drain_hdlc_tx();
    void end_image_tx();
    void hang_up();
    void modem_failed(Error e);

    const driver::ModemQuirks quirks_;
    Class1Listener& listener_;
    driver::AtChannel channel_;
    driver::AtStepRunner setup_;
    std::string modem_classes_;
    std::vector<int> ftm_codes_, frm_codes_;
    std::unique_ptr<spandsp::HdlcEncoder> hdlc_tx_;
    std::unique_ptr<spandsp::HdlcDecoder> hdlc_rx_;

    Stage stage_ = Stage::Setup;
    Line line_ = Line::Idle;
    bool in_call_ = false;        // an engine is running (prepare_call)
    bool call_finished_ = false;  // the engine asked for Done: hang up
    bool stopped_ = false;
    bool pumping_ = false;

    spandsp::ModemRequest rx_req_, tx_req_, rx_active_req_;
    bool tx_req_serviced_ = true;
    std::deque<Frame> frames_;
    bool last_queued_fast_ = false;

    RxKind rx_kind_ = RxKind::None;
    bool rx_carrier_ = false;
    bool rx_got_frame_ = false;
    bool force_v21_ = false;
    std::vector<uint8_t> rx_buf_;

    bool tx_image_hdlc_ = false;
    bool image_tx_done_ = false;
    std::size_t image_bytes_ = 0;
    spandsp::FrontEndModem last_image_modem_ = spandsp::FrontEndModem::None;

    std::optional<Samples> pause_until_;
    Samples data_at_{0};
};

}  // namespace fax::t30
