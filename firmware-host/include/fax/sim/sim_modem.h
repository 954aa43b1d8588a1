// SimModem: a simulated Class 1 / 1.0 fax modem (SpanDSP t31 inside) on a line
// of the simulated exchange. Its DTE port is an in-process link: a host driver
// uses link().host() as an ordinary Transport.
//
// Behaviour a host driver can rely on (measured against SpanDSP 0.0.6 t31):
//   - Bytes the host writes are handed to t31 only while t31 asserts CTS (its
//     4096-byte buffer; CTS drops above 3072, rises below 1024). Nothing the host
//     writes is ever dropped: excess waits in the link.
//   - In command mode bytes reach t31 as they arrive (it echoes them); the
//     answers to ATI0, ATI3, +FMI?, +FMM?, +FMR? come from ModemOptions. (+GMI,
//     +GMM, +GMR answer a bare OK: t31 0.0.6 has no text for them.)
//   - ATD<digits> dials through the exchange (non-digits are ignored); BUSY,
//     NO ANSWER, NO DIALTONE come from the exchange; an unknown number gives
//     NO CARRIER. Once answered, CONNECT follows the far end's V.21 flags.
//   - ATA before any ring is held: the next incoming call is answered at once.
//     Any further command line cancels it. ATS0=n answers on the n-th RING.
//   - ATH / DTR drop (host_dtr() false) hang up; the far end is told at once.
//   - With ModemOptions::offer_class2, +FCLASS=? lists 0,1,1.0,2.0 and +FCLASS=2.0
//     switches to a Class 2.0 (T.32) personality: T.30 then runs inside the modem
//     (SpanDSP fax_state_t) and the DTE uses +FDT/+FDR and the +F reports
//     (src/class2_modem.h, docs/class2.md). +FCLASS=1 (or ATZ, AT&F) returns to Class 1,
//     which stays the default personality.
//   - ModemOptions::quirks (modem_quirks.h) make it misbehave like real firmware
//     (slow ATZ, DLE bug, carrier drop, early CONNECT, late OK, in-band flow control
//     only, numeric result codes) or fail (mute, garbage, truncated answers, lost XON).
//     Time-dependent quirks count simulated time (step_done).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/time.h"
#include "fax/hal/inprocess_link.h"
#include "fax/sim/exchange.h"
#include "fax/sim/modem_quirks.h"

namespace fax::sim {

namespace detail {
class T31Engine;
class Class2Modem;
}

struct ModemOptions {
    // Answers to ATI0/+FMM?/+GMM (model), +FMI?/+GMI (manufacturer), +FMR?/+GMR
    // (revision); ATI3 answers "<manufacturer> <model> <revision>".
    std::string manufacturer = "faxstack";
    std::string model = "SimModem T31";
    std::string revision = "0.1";
    // Send XOFF (0x13) to the DTE when t31 drops CTS and XON (0x11) when it rises
    // again, in band with the modem's output (what efax needs behind a PTY).
    bool inband_flow_control = false;
    // Offer Class 2.0 (T.32) besides Class 1 / 1.0, as many real fax modems do.
    bool offer_class2 = false;
    // With offer_class2: false makes a Class 2.0-only modem (some USB and ISDN fax
    // modems): +FCLASS=? lists 0,2.0 and +FCLASS=1 and the Class 1 data commands
    // (+FTM/+FRM/+FTH/+FRH/+FTS/+FRS) answer ERROR.
    bool class1 = true;
    // Misbehaviour and faults (modem_quirks.h). xon-xoff / lost-xon imply
    // inband_flow_control. The identity strings are not changed: see quirk_model_name().
    ModemQuirks quirks;
};

class SimModem final : public LineEndpoint {
public:
    // `exchange` must outlive the modem; the caller registers the modem as the line's endpoint.
    static Result<std::unique_ptr<SimModem>> create(std::string number, Exchange& exchange, ModemOptions options = {});
    ~SimModem() override;
    SimModem(const SimModem&) = delete;
    SimModem& operator=(const SimModem&) = delete;

    hal::InProcessLink& link() { return link_; }
    const std::string& number() const { return number_; }
    const ModemOptions& options() const { return options_; }
    void set_inband_flow_control(bool on) { options_.inband_flow_control = on; }

    bool off_hook() const { return off_hook_; }
    bool in_call() const { return in_call_; }
    // t31's clear-to-send (V.24 circuit 106) as last signalled.
    bool cts() const { return cts_; }
    // True while the Class 2.0 personality is selected (+FCLASS=2.0).
    bool class2_active() const { return class2_active_; }
    // Everything the modem has sent to its DTE so far (for tests and traces); capped.
    const std::vector<uint8_t>& dte_output_log() const { return output_log_; }
    // Quirk counters, for tests: DTE data bytes the early-connect quirk threw away, and
    // whether the mute fault has struck.
    std::size_t early_data_dropped() const { return early_dropped_; }
    // Data bytes lost because the DTE went on sending after XOFF (xon-xoff / lost-xon).
    std::size_t overrun_bytes() const { return overrun_; }
    bool muted() const { return muted_; }

    // Moves the host's bytes into t31 (command lines whole, data only under CTS).
    // Called by the simulation at the start of every step.
    void take_dte_input();

    // ---- LineEndpoint ----
    void ring(int ring_number) override;
    void call_connected() override;
    void call_answered() override;
    void call_failed(CallFailure why) override;
    void far_end_hung_up() override;
    bool answers_on_arrival() const override { return answer_pending_; }
    void step_done(Samples now) override;
    bool off_hook_idle() const override { return off_hook_ && !in_call_ && !calling_ && !answer_pending_; }
    void audio_tx(std::span<int16_t> out) override;
    void audio_rx(std::span<const int16_t> in) override;
    // T.38: the Class 1 modem (t31) speaks it; the Class 2.0 personality's T.30 is audio
    // only, so on a T.38 exchange its calls go through a gateway.
    bool t38_capable() const override { return !class2_active_; }
    void media_selected(LineKind kind, IfpSink& sink) override;
    void t38_advance(Samples dt) override;
    std::optional<Samples> t38_next_due() const override;
    void ifp_received(std::span<const std::uint8_t> ifp, std::uint16_t seq) override;
    // True while the modem is on a T.38 call.
    bool on_t38() const;

private:
    class Listener;
    class Class2Link;
    SimModem(std::string number, Exchange& exchange, ModemOptions options);
    bool intercept_line(const std::string& line, std::span<const uint8_t> last_chunk);
    void leave_class2(const std::string& line, bool echo, bool verbose);
    void feed_t31_silently(const std::string& text);

    void on_output(std::span<const uint8_t> bytes);
    void emit(std::span<const uint8_t> bytes);
    void send_to_dte(std::span<const uint8_t> bytes);
    // Around one command line given to an interpreter: counts it for the faults, starts
    // a slow/late answer, captures the answer to garble or truncate it.
    void begin_answer(const std::string& upper_line);
    void end_answer();
    std::vector<uint8_t> apply_dle_bug(std::span<const uint8_t> bytes);
    std::string numeric_rewrite(const std::string& line) const;
    int on_control(int op, const char* num);
    void feed_command_bytes();
    void feed_data_bytes();
    void deliver_event(int at_call_event);
    void went_on_hook();

    std::string number_;
    Exchange& exchange_;
    ModemOptions options_;
    hal::InProcessLink link_;
    std::unique_ptr<Listener> listener_;
    std::unique_ptr<detail::T31Engine> t31_;
    std::unique_ptr<Class2Link> class2_link_;
    std::unique_ptr<detail::Class2Modem> class2_;
    bool class2_active_ = false;
    bool suppress_output_ = false;    // t31 output while we re-sync its settings
    std::size_t line_fed_to_t31_ = 0;  // bytes of the current line already given to t31

    std::vector<uint8_t> pending_;   // taken from the link, not yet given to t31
    std::string line_;               // command line being assembled
    std::string identity_line_;      // the line t31 is processing (upper case, no spaces)
    bool rewriting_identity_ = false;
    std::vector<uint8_t> output_log_;
    bool cts_ = true;
    bool off_hook_ = false;
    bool calling_ = false;           // dialled, not yet connected or failed
    bool in_call_ = false;
    bool answer_pending_ = false;    // ATA with no call ringing
    bool ringing_ = false;
    bool delivering_event_ = false;  // inside t31_call_event: its ONHOOK echo is not a hang-up
    bool last_dtr_ = true;

    // ---- quirks ----
    Samples now_{0};
    int lines_seen_ = 0;
    bool muted_ = false;
    std::optional<Samples> hold_until_;  // answer held back (slow ATZ, late OK)
    std::vector<uint8_t> held_;
    enum class Mangle { None, Garbage, Truncate };
    Mangle mangle_ = Mangle::None;
    bool capturing_ = false;
    std::vector<uint8_t> capture_;
    enum class DleState { Normal, SawDle, DataDle, DataDleSawDle };
    DleState dle_state_ = DleState::Normal;  // dle-bug: look-ahead over the stuffed output
    bool ftm_line_ = false;               // the last command line was +FTM=<n>
    bool ftm_connected_ = false;          // ... and its CONNECT has gone out
    std::optional<Samples> drop_data_until_;  // early-connect
    std::size_t early_dropped_ = 0;
    std::size_t overrun_ = 0;
    uint32_t rng_ = 0x2545F491u;
};

}  // namespace fax::sim
