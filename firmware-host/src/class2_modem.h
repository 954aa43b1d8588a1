// Class2Modem: the ITU-T T.32 (Class 2.0) personality of a SimModem. In Class 2.0 the
// modem runs T.30 itself: here SpanDSP's fax_state_t (Class2T30Engine) on the modem's
// own V.21/V.17/V.29/V.27ter pumps, driven through the T.30 API. This class is the
// AT command interpreter and the session state machine between the DTE and that engine.
//
// What the DTE sees (T.32 §8):
//   sending    ATD<n>  → +FCO, +FCI:"<CSI>", +FIS:<DIS>, OK   (after the far end's DIS)
//              +FDT    → +FCS:<session>, CONNECT; page data, DLE-stuffed, first bit in
//                        the LSB (+FBO=0), ended by DLE , (MPS) / DLE ; (EOM) / DLE . (EOP),
//                        or by DLE ETX followed by +FET=0/1/2
//                      → +FPS:<ppr>,<lc>,0,0,0 [+FHS:00] OK once the far end answered
//              +FKS    → DCN if the call is still in phase B (nothing sent), +FHS:02, OK
//   both       +FBU=1  → +FHT:/+FHR: <octets> for every phase B/D frame sent/received
//   receiving  RING (ATS0=n answers), ATA → +FCO, +FTI:"<TSI>", +FCS:<DCS>, OK
//              +FDR    → +FCS, CONNECT; the DTE sends DC2; page data, DLE ETX;
//                        +FPS:1,<lc>,0,0,0, +FET:<ppm>, OK — or +FHS:<code>, OK at the end
// Deliberate simplifications (docs/class2.md):
//   - a page is taken from the DTE whole before T.30 sends it: T.30 needs the first page
//     of a document when it answers DIS, and the next page when MCF answers MPS, so the
//     engine holds those frames from the far end until the DTE's page is in;
//   - a received page is handed to the DTE after T.30 has received it (store and forward);
//     T.30 answers MCF/RTN itself, so +FPS=n from the DTE does not change the answer;
//   - the modem converts between the DTE's data format and the line's (T.4/T.6), so the
//     DTE data are always in the format +FCS reports.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/time.h"
#include "fax/sim/exchange.h"
#include "spandsp_adapter.h"

namespace fax::sim::detail {

// How the personality reaches its line and its DTE (implemented by SimModem).
class Class2Port {
public:
    virtual void c2_to_dte(std::span<const uint8_t> bytes) = 0;
    virtual void c2_dial(const std::string& digits) = 0;
    virtual void c2_answer() = 0;  // answer the ringing call, or the next one to arrive
    virtual void c2_hang_up() = 0;
    // The DTE selected another class: hand `line` (a whole command line, CR included)
    // and the echo/verbose settings to the Class 1 interpreter.
    virtual void c2_leave(const std::string& line, bool echo, bool verbose) = 0;

protected:
    ~Class2Port() = default;
};

// T.32 Table 21 session parameters (the +FIS/+FCC/+FCS subparameters), in order.
struct Class2Params {
    int vr = 1;  // bit map (+FIS after ATD: all the far end offers): 0 = 98 lpi only, 1 = 196 lpi, ...
    int br = 5;  // 0..5 = 2400..14400 bit/s
    int wd = 0;  // 0 = 1728 pixels
    int ln = 2;  // 0 = A4, 1 = B4, 2 = unlimited
    int df = 0;  // 0 = MH, 1 = MR, 3 = MMR
    int ec = 0;  // 0 = no ECM, 1 = ECM
    int bf = 0;
    int st = 0;
    std::string to_string() const;
};

class Class2Modem final : public Class2T30Listener {
public:
    Class2Modem(std::string number, Class2Port& port, std::filesystem::path spool_dir, std::string manufacturer,
                std::string model, std::string revision);
    ~Class2Modem();
    Class2Modem(const Class2Modem&) = delete;
    Class2Modem& operator=(const Class2Modem&) = delete;

    // Entering Class 2.0 from the Class 1 interpreter: `line` is the whole command line
    // that contained +FCLASS=2.0 (CR included), executed here.
    void enter(const std::string& line, bool echo, bool verbose);
    // Bytes from the DTE (command lines or data); returns how many were taken — fewer
    // when a command line left Class 2.0 (the rest is for the Class 1 interpreter).
    std::size_t dte_input(std::span<const uint8_t> bytes);

    // ---- line ----
    // DTR dropped (V.250 &D2): end any call at once.
    void hang_up_now();
    void ring(int ring_number);
    void call_connected();
    void call_answered();
    void call_failed(CallFailure why);
    void far_end_hung_up();
    std::size_t audio_tx(std::span<int16_t> out);
    void audio_rx(std::span<const int16_t> in);
    void step_done(Samples now);
    bool off_hook() const { return call_ != Call::Idle; }
    // Bytes from the DTE are command lines (no page data mode).
    bool in_command_mode() const { return data_ == Data::None; }
    // numeric-results quirk: result codes stay numeric (V0) whatever the DTE says.
    void set_numeric_only(bool on) {
        numeric_only_ = on;
        if (on) verbose_ = false;
    }
    bool answer_pending() const { return answer_on_arrival_; }

    // ---- Class2T30Listener ----
    void c2_frame_received(std::span<const uint8_t> frame) override;
    void c2_frame_sent(std::span<const uint8_t> frame) override;
    void c2_burst_held(int fcf) override;
    int c2_phase_b(int fcf) override;
    void c2_phase_d(int fcf) override;
    void c2_phase_e(int completion_code) override;
    bool c2_more_documents() override;

private:
    enum class Call { Idle, Dialing, Answering, Connected, Releasing };
    enum class Data { None, TxPage, RxWaitDc2 };
    // What the DTE is waiting for: the final result of this command is still owed.
    enum class Owed { None, Dial, Answer, Fdt, PageResult, Fdr, Fks };

    void execute_line(const std::string& line);
    bool execute_command(const std::string& cmd, std::string& response);
    bool extended(const std::string& name, const std::string& op, const std::string& value, std::string& response);
    void put(std::string_view text);
    void info(const std::string& text);
    void text_line(const std::string& text);
    void report_frame(std::string_view tag, std::span<const uint8_t> frame);
    void flush_frame_reports();
    void result(std::string_view code);
    void finish_owed(std::string_view code);

    void start_engine(bool calling);
    void page_data(std::span<const uint8_t> bytes);
    void page_complete(int ppm);
    void try_fdt();
    void try_fdr();
    void deliver_rx_page();
    void end_call_reports();
    void release_line();
    Class2Params session_for_send() const;
    int hangup_status(int completion_code) const;

    std::string number_;
    Class2Port& port_;
    std::filesystem::path spool_;
    std::string manufacturer_, model_, revision_;

    // V.250 / T.32 settings
    bool echo_ = false;
    bool verbose_ = true;
    bool numeric_only_ = false;
    bool quiet_ = false;
    int s0_ = 0;
    std::string local_id_;    // +FLI
    std::string polling_id_;  // +FPI
    Class2Params fis_;        // +FIS: this session
    Class2Params fcc_;        // +FCC: capabilities
    int fbo_ = 0, flo_ = 1, fcr_ = 1, fpp_ = 0, fct_ = 30, fie_ = 0, fps_ = 1;
    int fbu_ = 0;  // +FBU: report HDLC frames (T.32 §8.5.1.10)
    // +FHT/+FHR lines for frames sent or received while page data were crossing the DTE
    // link; they follow the data (a report inside page data would be read as image data).
    std::vector<std::string> frame_reports_;
    std::string fnr_ = "0,0,0,0", fcq_ = "1,0", fap_ = "0,0,0", fea_ = "0", fsp_ = "0", frq_ = "0,0", fms_ = "0";

    // call and session
    Call call_ = Call::Idle;
    bool ringing_ = false;
    bool answer_on_arrival_ = false;
    bool calling_party_ = false;
    Owed owed_ = Owed::None;
    Data data_ = Data::None;
    std::unique_ptr<Class2T30Engine> engine_;
    std::string remote_csi_, remote_tsi_;
    std::optional<std::vector<uint8_t>> remote_dis_, remote_dcs_;
    bool dis_available_ = false;  // a DIS is held and no page has been taken for it
    bool reject_dis_ = false;     // +FKS in phase B: answer the held DIS with DCN
    bool t30_done_ = false;
    bool answer_reported_ = false;
    bool left_ = false;
    int completion_ = -1;
    Samples now_{0};
    Samples phase_e_at_{0};
    bool tx_idle_ = true;

    // sending
    std::vector<uint8_t> page_buf_;
    bool page_dle_ = false;
    int page_ppm_ = 2;         // 0 MPS, 1 EOM, 2 EOP of the page on the line
    bool awaiting_fet_ = false;
    int pages_sent_ = 0;
    int page_rows_ = 0;
    bool page_in_flight_ = false;
    bool continuation_ready_ = false;  // MCF to MPS held: the next page continues the document
    int phase_d_skip_ = 0;             // positive answers already reported when held

    // receiving
    std::string rx_file_;
    int rx_pages_delivered_ = 0;
    std::vector<int> rx_ppm_;  // post-page message of each received page, as received

    std::string line_;
};

}  // namespace fax::sim::detail
