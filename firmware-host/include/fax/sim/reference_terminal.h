// ReferenceTerminal: a known-good fax machine on a line of the simulated
// exchange — SpanDSP's fax_state_t (T.30 over V.21/V.27ter/V.29/V.17 audio).
// It answers after answer_after_rings rings, or, given `dial`, calls that number
// once dial_delay has passed. Each call runs a fresh T.30 session; when the
// session ends (phase E) the terminal keeps transmitting until its last frame
// (DCN) has left and at least hang_up_hold has passed, then hangs up — a modem
// at the far end must see the whole DCN before the line drops.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/sim/exchange.h"

namespace fax::sim {

namespace detail {
class TerminalEngine;
}

// SpanDSP 0.0.6 capability bits as plain ints (values checked against t30.h in the implementation).
inline constexpr int kT30SupportT4_1D = 0x02;  // T30_SUPPORT_T4_1D_COMPRESSION (MH)
inline constexpr int kT30SupportT4_2D = 0x04;  // T30_SUPPORT_T4_2D_COMPRESSION (MR)
inline constexpr int kT30SupportT6 = 0x08;     // T30_SUPPORT_T6_COMPRESSION (MMR, ECM only)
inline constexpr int kT30SupportV27ter = 0x01;
inline constexpr int kT30SupportV29 = 0x02;
inline constexpr int kT30SupportV17 = 0x04;
// T30_SUPPORT_*_RESOLUTION bits for TerminalOptions::resolutions.
inline constexpr int kT30SupportStandardResolution = 0x01;   // R8 x 3.85 lines/mm
inline constexpr int kT30SupportFineResolution = 0x02;       // R8 x 7.7 (DIS bit 15)
inline constexpr int kT30SupportSuperfineResolution = 0x04;  // R8 x 15.4 (DIS bit 41)
inline constexpr int kT30SupportR8Resolution = 0x20000;      // 8 pels/mm across (1728 on A4)
// T4_COMPRESSION_* values for rx_encoding and TerminalResult::compression.
inline constexpr int kT4CompressionT4_1D = 1;
inline constexpr int kT4CompressionT4_2D = 2;
inline constexpr int kT4CompressionT6 = 3;
// T30_ERR_OK and T30_ERR_CALLDROPPED.
inline constexpr int kT30ErrOk = 0;

struct TerminalOptions {
    enum class Role { Receive, Send } role = Role::Receive;
    std::string tiff;                          // Send: input TIFF; Receive: output TIFF path
    std::string ident = "REFERENCE TERMINAL";  // its CSI/TSI
    bool ecm = true;
    int compressions = kT30SupportT4_1D | kT30SupportT4_2D | kT30SupportT6;
    int modems = kT30SupportV27ter | kT30SupportV29 | kT30SupportV17;
    // What its DIS offers; 0 = SpanDSP's default (standard, fine and superfine, R8).
    int resolutions = 0;
    std::optional<std::string> dial;           // if set, the terminal calls this number when started; else it answers
    int rx_encoding = 0;                       // 0 = keep SpanDSP default (T.4 2-D); else t30_set_rx_encoding
    Samples dial_delay{0};                     // with `dial`: wait this long after the terminal is added
    int answer_after_rings = 1;
    Samples hang_up_hold = Samples{2 * 8000};  // after phase E, keep the line this long (and until tx is idle)
    // Receive: the output file for the n-th call (n = 0, 1, ...). Unset: tiff, tiff.1, tiff.2, ...
    std::function<std::string(int call_index)> rx_file_for_call;
};

struct TerminalResult {
    bool finished = false;      // a call has ended (the fields describe the most recent one)
    int completion_code = -1;   // T30_ERR_*; -1 when the call never connected
    std::string completion_text;
    int pages = 0;              // pages sent (Send) or received (Receive)
    std::string remote_ident;
    int bit_rate = 0;
    bool ecm = false;
    int compression = 0;        // T4_COMPRESSION_* used on the line
    Samples call_time{0};       // connect → end of T.30 session
    std::vector<std::string> files;  // Receive: every file written, in call order
    int calls = 0;              // calls that connected
    std::optional<CallFailure> call_failure;  // the dialled call did not get through
};

class ReferenceTerminal final : public LineEndpoint {
public:
    // `exchange` must outlive the terminal; `now` is the simulated time it is added at.
    static Result<std::unique_ptr<ReferenceTerminal>> create(std::string number, TerminalOptions options,
                                                             Exchange& exchange, Samples now);
    ~ReferenceTerminal() override;
    ReferenceTerminal(const ReferenceTerminal&) = delete;
    ReferenceTerminal& operator=(const ReferenceTerminal&) = delete;

    const std::string& number() const { return number_; }
    const TerminalOptions& options() const { return options_; }
    const TerminalResult& result() const { return result_; }
    // Dialling terminal: its one call is over. Answering terminal: at least one call is over.
    bool done() const { return result_.finished; }
    bool in_call() const { return state_ == State::InCall || state_ == State::Releasing; }

    // ---- LineEndpoint ----
    void ring(int ring_number) override;
    void call_connected() override;
    void call_answered() override;
    void call_failed(CallFailure why) override;
    void far_end_hung_up() override;
    void audio_tx(std::span<int16_t> out) override;
    void audio_rx(std::span<const int16_t> in) override;
    void step_done(Samples now) override;
    // On a T.38 line the terminal is a T.38 fax machine (SpanDSP t38_terminal).
    bool t38_capable() const override { return true; }
    void media_selected(LineKind kind, IfpSink& sink) override;
    void t38_advance(Samples dt) override;
    std::optional<Samples> t38_next_due() const override;
    void ifp_received(std::span<const std::uint8_t> ifp, std::uint16_t seq) override;

private:
    class Listener;
    enum class State { Idle, WaitingToDial, Calling, InCall, Releasing, Finished };
    ReferenceTerminal(std::string number, TerminalOptions options, Exchange& exchange, Samples now);

    void start_session(bool calling_party);
    void on_phase_e(int completion_code);
    void end_call();
    std::string rx_file(int call_index) const;

    std::string number_;
    TerminalOptions options_;
    Exchange& exchange_;
    std::unique_ptr<Listener> listener_;
    std::unique_ptr<detail::TerminalEngine> fax_;
    LineKind media_ = LineKind::Audio;  // of the call being set up or in progress
    IfpSink* sink_ = nullptr;
    TerminalResult result_;
    State state_ = State::Idle;
    Samples now_{0};
    Samples dial_at_{0};
    Samples connected_at_{0};
    Samples phase_e_at_{0};
    bool tx_idle_ = false;
    bool answer_requested_ = false;
    std::string current_rx_file_;
};

}  // namespace fax::sim
