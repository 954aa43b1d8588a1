// RAII owners for the SpanDSP objects the simulator uses, and the one place
// where SpanDSP's C callbacks (void *user_data) are turned into calls on C++
// interfaces (STYLE.md §5). Nothing outside spandsp_adapter.cpp and its T.38 half,
// spandsp_t38.cpp, registers a SpanDSP callback.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/sim/exchange.h"
#include "spandsp_wrap.h"

namespace fax::sim::detail {

// ---------------------------------------------------------------- t31 (Class 1 modem)

class T31Listener {
public:
    // Bytes the modem sends to its DTE (responses, received data).
    virtual void t31_at_output(std::span<const uint8_t> bytes) = 0;
    // An AT_MODEM_CONTROL_* operation. `num` is the dial string for CALL and an
    // integer (0/1) smuggled in the pointer for the V.24 circuits (CTS, RNG, ...).
    // Return 0 to accept, -1 to refuse (the interpreter then answers ERROR).
    virtual int t31_control(int op, const char* num) = 0;

protected:
    ~T31Listener() = default;
};

// t31's T.38 front end, made whole for a Class 1 DTE (spandsp_t38.cpp). SpanDSP 0.0.6's t31
// in T.38 mode carries V.21 HDLC and non-ECM image data, but:
//   - it cannot carry ECM: a Class 1 DTE frames ECM blocks in software over +FTM/+FRM
//     (HDLC bits inside the image data), while T.38 carries ECM frames as HDLC data fields.
//     The front end therefore translates in both directions while phase C is ECM: the bit
//     stream t31 would send as T4_NON_ECM_DATA is deframed (SpanDSP hdlc_rx) and sent as
//     HDLC_DATA + FCS_OK per frame; HDLC frames arriving on a fast-modem data type are framed
//     (hdlc_tx) into the bit stream the DTE reads after +FRM. Whether the DTE's phase C is
//     ECM is read from the DCS it sends (+FTH), bit 27, and the CFR that confirms it (the
//     TCF between the two is plain data).
//   - it hands received non-ECM data to the DTE in the wrong bit order (it computes the
//     reversed buffer, then passes the original): the front end reverses it first.
// t31's own core is left as it is; its output goes through a decoding core (to see fields)
// and out through an encoding core, which numbers the packets on the line.
class T31T38Front {
public:
    static Result<std::unique_ptr<T31T38Front>> create(t31_state_t* t31, const std::string& log_tag);
    ~T31T38Front();
    T31T38Front(const T31T38Front&) = delete;
    T31T38Front& operator=(const T31T38Front&) = delete;

    void start(IfpSink* sink, int t38_version);  // a T.38 call begins
    void stop();                                 // it ended
    bool active() const { return sink_ != nullptr; }
    // A packet t31's core emitted (its tx handler).
    void from_t31(const uint8_t* buf, int len);
    void advance(int samples);
    std::optional<int> next_due() const;
    void from_line(std::span<const uint8_t> ifp, uint16_t seq);

private:
    explicit T31T38Front(t31_state_t* t31);
    static int dec_indicator(t38_core_state_t* s, void* user_data, int indicator);
    static int dec_data(t38_core_state_t* s, void* user_data, int data_type, int field_type, const uint8_t* buf,
                        int len);
    static int dec_missing(t38_core_state_t* s, void* user_data, int rx_seq_no, int expected_seq_no);
    static int enc_tx(t38_core_state_t* s, void* user_data, const uint8_t* buf, int len, int count);
    static int rx_indicator(t38_core_state_t* s, void* user_data, int indicator);
    static int rx_data(t38_core_state_t* s, void* user_data, int data_type, int field_type, const uint8_t* buf,
                       int len);
    static int rx_missing(t38_core_state_t* s, void* user_data, int rx_seq_no, int expected_seq_no);
    static void deframed(void* user_data, const uint8_t* msg, int len, int ok);
    static void framer_underflow(void* user_data);

    void outgoing_data(int data_type, int field_type, const uint8_t* buf, int len);
    void incoming_data(int data_type, int field_type, const uint8_t* buf, int len);
    void send(int data_type, int field_type, const uint8_t* buf, int len);
    void to_dte(int data_type, int field_type, const std::vector<uint8_t>& bytes);
    void frame_to_dte(int data_type, bool first);

    struct CoreFree {
        void operator()(t38_core_state_t* s) const noexcept;
    };
    struct RxFree {
        void operator()(hdlc_rx_state_t* s) const noexcept;
    };
    struct TxFree {
        void operator()(hdlc_tx_state_t* s) const noexcept;
    };
    t31_state_t* t31_;
    std::string tag_;
    IfpSink* sink_ = nullptr;
    std::unique_ptr<t38_core_state_t, CoreFree> decoder_;  // reads t31's packets
    std::unique_ptr<t38_core_state_t, CoreFree> encoder_;  // writes the line's packets
    std::unique_ptr<hdlc_rx_state_t, RxFree> deframer_;    // ECM transmit: DTE bit stream → frames
    std::unique_ptr<hdlc_tx_state_t, TxFree> framer_;      // ECM receive: frames → DTE bit stream
    // t31's own receive handlers (the front end sits between its core and them).
    t38_rx_indicator_handler_t* t31_rx_indicator_ = nullptr;
    t38_rx_data_handler_t* t31_rx_data_ = nullptr;
    t38_rx_missing_handler_t* t31_rx_missing_ = nullptr;
    void* t31_rx_user_ = nullptr;
    uint16_t last_t31_seq_ = 0;
    bool seen_t31_packet_ = false;
    bool ecm_ = false;                   // the DTE's last DCS asked for ECM
    bool cfr_seen_ = false;              // ... and the far end has answered it with CFR
    std::vector<uint8_t> v21_out_;       // the V.21 frame being sent (natural bit order)
    std::vector<uint8_t> v21_in_;        // the V.21 frame being received
    int ecm_tx_type_ = -1;               // data type of the ECM image data being deframed
    std::vector<uint8_t> ecm_in_;        // the ECM frame being received (natural bit order)
    bool ecm_in_burst_ = false;          // frames of this burst have gone to the DTE
    bool underflow_ = false;
};

class T31Engine {
public:
    static Result<std::unique_ptr<T31Engine>> create(T31Listener& listener, const std::string& log_tag);
    ~T31Engine();
    T31Engine(const T31Engine&) = delete;
    T31Engine& operator=(const T31Engine&) = delete;

    void at_rx(std::span<const uint8_t> bytes);
    // Generates up to out.size() samples; returns how many (it may be fewer, or 0 when idle).
    std::size_t tx(std::span<int16_t> out);
    void rx(std::span<const int16_t> in);
    void call_event(int at_call_event);

    // ---- AT interpreter state (read through SpanDSP's exposed structures) ----
    // True in on-hook or off-hook command mode: bytes from the DTE are command lines.
    bool in_command_mode() const;
    // After +FTM (T.31 §8.3.3): the DTE's bytes are DLE-stuffed data for the line.
    bool in_stuffed_tx_mode() const;
    // Room left in t31's 4096-byte buffer for +FTM data. SpanDSP 0.0.6 writes past the
    // end of that buffer once it is full (heap corruption), so a modem that does not stop
    // the DTE with CTS must drop what does not fit here itself.
    std::size_t tx_buffer_room() const;
    bool echo() const;
    // 1 = verbose (text) result codes, 2 = numeric, anything else = none (ATQ1).
    int result_code_format() const;
    char s3() const;  // command line terminator (normally CR)
    // Emits an AT_RESPONSE_CODE_* through the interpreter (respects V0/Q1).
    void put_response_code(int code);
    // Emits an information text line through the interpreter ("\r\n<text>\r\n" when verbose).
    void put_response(const std::string& text);

    // ---- T.38 (spandsp_t38.cpp) ----
    // Puts the modem on a T.38 call (packets to `sink`, which must outlive the call) or
    // back on audio. Each call starts with fresh T.38 state (sequence numbers, clocks).
    void set_t38(bool on, IfpSink* sink, int t38_version);
    bool t38() const;
    // The T.38 clock: `samples` pass, then everything due runs (see T31T38Front).
    void t38_advance(int samples);
    // Samples until something is due on the T.38 side (a paced packet, a receive timeout).
    std::optional<int> t38_next_due() const;
    void t38_rx(std::span<const uint8_t> ifp, uint16_t seq);

private:
    explicit T31Engine(T31Listener& listener);
    static int on_at_tx(at_state_t* s, void* user_data, const uint8_t* buf, size_t len);
    static int on_control(t31_state_t* s, void* user_data, int op, const char* num);
    static int on_t38_tx(t38_core_state_t* s, void* user_data, const uint8_t* buf, int len, int count);

    struct Free {
        void operator()(t31_state_t* s) const noexcept;
    };
    T31Listener& listener_;
    std::unique_ptr<t31_state_t, Free> state_;
    std::string tag_;
    std::vector<int16_t> scratch_;
    std::unique_ptr<T31T38Front> t38_;  // declared after state_: destroyed first
};

// ---------------------------------------------------------------- fax terminal (T.30 over audio)

class FaxListener {
public:
    virtual void fax_phase_e(int completion_code) = 0;

protected:
    ~FaxListener() = default;
};

struct FaxConfig {
    bool calling_party = false;
    std::string ident;
    bool ecm = true;
    int compressions = 0;
    int modems = 0;
    int resolutions = 0;  // T30_SUPPORT_*_RESOLUTION; 0: SpanDSP's default
    std::string tx_file;  // empty: nothing to send
    std::string rx_file;  // empty: do not receive
    int rx_encoding = 0;  // 0: SpanDSP default
};

struct FaxStats {
    int pages_tx = 0;
    int pages_rx = 0;
    int bit_rate = 0;
    bool ecm = false;
    int encoding = 0;
};

// A reference fax machine's T.30 session on either line kind: FaxEngine (audio,
// SpanDSP fax_state_t) or T38TerminalEngine (packets, SpanDSP t38_terminal_state_t).
class TerminalEngine {
public:
    virtual ~TerminalEngine() = default;
    // Audio line: returns how many samples were generated (fewer: the modem went quiet).
    virtual std::size_t tx(std::span<int16_t> out) = 0;
    virtual void rx(std::span<const int16_t> in) = 0;
    // T.38 line.
    virtual void t38_advance(int samples) { (void)samples; }
    virtual std::optional<int> t38_next_due() const { return std::nullopt; }
    virtual void t38_rx(std::span<const uint8_t> ifp, uint16_t seq) {
        (void)ifp;
        (void)seq;
    }
    // T.38 line: nothing left to send (the audio line's "tx returned short").
    virtual bool t38_tx_idle() const { return true; }
    // The line dropped: ends the session (phase E fires if it was still running).
    virtual void terminate() = 0;
    virtual FaxStats stats() const = 0;
    virtual std::string remote_ident() const = 0;
};

// The T.30 settings both engines share (FaxConfig → SpanDSP's t30_state_t).
Status configure_t30(t30_state_t* t30, const FaxConfig& config);

class FaxEngine final : public TerminalEngine {
public:
    static Result<std::unique_ptr<FaxEngine>> create(const FaxConfig& config, FaxListener& listener,
                                                     const std::string& log_tag);
    ~FaxEngine() override;
    FaxEngine(const FaxEngine&) = delete;
    FaxEngine& operator=(const FaxEngine&) = delete;

    std::size_t tx(std::span<int16_t> out) override;
    void rx(std::span<const int16_t> in) override;
    void terminate() override;
    FaxStats stats() const override;
    std::string remote_ident() const override;

private:
    explicit FaxEngine(FaxListener& listener);
    static void on_phase_e(t30_state_t* s, void* user_data, int completion_code);

    struct Free {
        void operator()(fax_state_t* s) const noexcept;
    };
    FaxListener& listener_;
    std::unique_ptr<fax_state_t, Free> state_;
    std::string tag_;
    std::vector<int16_t> scratch_;
};

// A T.38 fax terminal (spandsp_t38.cpp): the reference machine on a T.38 line.
class T38TerminalEngine final : public TerminalEngine {
public:
    static Result<std::unique_ptr<T38TerminalEngine>> create(const FaxConfig& config, FaxListener& listener,
                                                             IfpSink& sink, int t38_version,
                                                             const std::string& log_tag);
    ~T38TerminalEngine() override;
    T38TerminalEngine(const T38TerminalEngine&) = delete;
    T38TerminalEngine& operator=(const T38TerminalEngine&) = delete;

    std::size_t tx(std::span<int16_t> out) override;
    void rx(std::span<const int16_t> in) override;
    void t38_advance(int samples) override;
    std::optional<int> t38_next_due() const override;
    void t38_rx(std::span<const uint8_t> ifp, uint16_t seq) override;
    bool t38_tx_idle() const override;
    void terminate() override;
    FaxStats stats() const override;
    std::string remote_ident() const override;

private:
    T38TerminalEngine(FaxListener& listener, IfpSink& sink);
    static void on_phase_e(t30_state_t* s, void* user_data, int completion_code);
    static int on_tx(t38_core_state_t* s, void* user_data, const uint8_t* buf, int len, int count);
    struct Free {
        void operator()(t38_terminal_state_t* s) const noexcept;
    };
    FaxListener& listener_;
    IfpSink& sink_;
    std::unique_ptr<t38_terminal_state_t, Free> state_;
    std::string tag_;
};

// A T.38 gateway (spandsp_t38.cpp): an analogue line's audio on one side, T.38 packets
// on the other, as an ATA or a fax-capable media gateway does.
class T38GatewayEngine {
public:
    static Result<std::unique_ptr<T38GatewayEngine>> create(IfpSink& sink, int t38_version, const std::string& log_tag);
    ~T38GatewayEngine();
    T38GatewayEngine(const T38GatewayEngine&) = delete;
    T38GatewayEngine& operator=(const T38GatewayEngine&) = delete;

    // The analogue side: audio from the line (the gateway's clock), audio to the line.
    void audio_from_line(std::span<const int16_t> in);
    void audio_to_line(std::span<int16_t> out);
    void t38_rx(std::span<const uint8_t> ifp, uint16_t seq);

private:
    explicit T38GatewayEngine(IfpSink& sink);
    static int on_tx(t38_core_state_t* s, void* user_data, const uint8_t* buf, int len, int count);
    struct Free {
        void operator()(t38_gateway_state_t* s) const noexcept;
    };
    IfpSink& sink_;
    std::unique_ptr<t38_gateway_state_t, Free> state_;
    std::string tag_;
    std::vector<int16_t> scratch_;
};

std::string completion_text(int t30_completion_code);
// A T.30 engine's transfer statistics and the far end's ident (CSI/TSI), whichever front end it has.
FaxStats t30_stats(t30_state_t* t30);
std::string t30_remote_ident(t30_state_t* t30);
// Points SpanDSP's logging of `ls` at fax::log with `tag` (which must outlive `ls`).
void configure_logging(logging_state_t* ls, const std::string& tag);

// ---------------------------------------------------------------- Class 2.0 modem-side T.30

// What the modem-side T.30 engine of the Class 2.0 personality reports. All calls
// come from inside the engine's tx/rx/control calls.
class Class2T30Listener {
public:
    // Every good HDLC frame from the line, as it is demodulated (before any hold): address,
    // control, FCF, FIF, no FCS; ECM image frames (FCD, RCP) included.
    virtual void c2_frame_received(std::span<const uint8_t> frame) = 0;
    // Every HDLC frame T.30 hands to the modulator, in the same form.
    virtual void c2_frame_sent(std::span<const uint8_t> frame) = 0;
    // A complete V.21 burst with the frame being waited for (DIS, or MCF/RTP/PIP answering
    // the MPS that ended a page) is being held; `fcf` is that frame's FCF (see
    // Class2T30Engine::hold).
    virtual void c2_burst_held(int fcf) = 0;
    // T.30 phase B (DIS/DTC when calling, DCS when answering): return a T30_ERR_* code;
    // anything but 0 makes the engine send DCN.
    virtual int c2_phase_b(int fcf) = 0;
    virtual void c2_phase_d(int fcf) = 0;
    virtual void c2_phase_e(int completion_code) = 0;
    // End of the transmitted document: true if another document (page) follows.
    virtual bool c2_more_documents() = 0;

protected:
    ~Class2T30Listener() = default;
};

struct Class2T30Config {
    bool calling_party = false;
    std::string ident;
    bool ecm = false;
    int compressions = 0;  // T30_SUPPORT_*_COMPRESSION
    int modems = 0;        // T30_SUPPORT_V27TER | ...
    int resolutions = 0;   // T30_SUPPORT_*_RESOLUTION the DIS offers; 0: SpanDSP's default
    std::string rx_file;   // answering: where the engine writes received pages
};

// fax_state_t (SpanDSP's T.30 joined to its V.21/V.17/V.29/V.27ter modems) inside the
// simulated Class 2.0 modem. SpanDSP 0.0.6's T.30 opens the document to send when the
// far end's DIS arrives, and starts the next page the moment MCF answers MPS; it cannot
// be paused, while a Class 2.0 DTE hands over a page only after it has seen that DIS
// (+FCI/+FIS, then +FDT), or the previous page's +FPS. So the engine can hold received
// V.21 bursts that carry the awaited frame — DIS (the far end repeats it while it waits,
// T.30 §5.3.2.1), or a positive answer to MPS (T.30 repeats MPS if it waits too long) —
// and replay the latest one to T.30 once the page is in hand. Pages after the first of
// a document come from memory through T.4's row-read hook.
class Class2T30Engine {
public:
    static Result<std::unique_ptr<Class2T30Engine>> create(const Class2T30Config& config, Class2T30Listener& listener,
                                                           const std::string& log_tag);
    ~Class2T30Engine();
    Class2T30Engine(const Class2T30Engine&) = delete;
    Class2T30Engine& operator=(const Class2T30Engine&) = delete;

    std::size_t tx(std::span<int16_t> out);
    void rx(std::span<const int16_t> in);

    enum class HoldFor { Dis, PageAccepted };
    // Hold received V.21 bursts carrying `what`; other bursts pass.
    void hold(HoldFor what);
    // What to do right after the held burst has reached T.30.
    struct AfterRelease {
        std::optional<bool> more_pages;  // set_more_pages(*more_pages, more_of_next)
        bool more_of_next = false;
        bool hold_page_accepted = false;  // then hold the answer to the coming MPS
    };
    // Replays the held burst to T.30 now — or, if a burst is arriving, lets that one
    // through when it ends — then applies `after`.
    void release(const AfterRelease& after);
    void release();
    bool holding() const { return holding_; }
    bool has_held_burst() const { return !held_.empty(); }
    // The first page of the next document (read when T.30 answers DIS).
    void set_tx_file(const std::string& path);
    // While a document is being sent: whether another page follows the page being sent
    // (`of_next` false) or the page queued with set_next_page_rows (`of_next` true). T.30
    // then sends MPS after it, else EOP or — if c2_more_documents() — EOM.
    void set_more_pages(bool more, bool of_next);
    void apply(const AfterRelease& after);
    // The rows of the next page of the current document (1728 pixels, 1 = black, MSB
    // first), taken by T.30 when MCF answers MPS.
    void set_next_page_rows(std::vector<uint8_t> rows, std::size_t bytes_per_row);
    void terminate();
    FaxStats stats() const;
    std::string remote_ident() const;

private:
    struct HdlcEvent {
        std::vector<uint8_t> bytes;
        int len = 0;  // < 0: a SIG_STATUS_* report
        int ok = 0;
    };
    explicit Class2T30Engine(Class2T30Listener& listener);
    static void on_hdlc(void* user_data, const uint8_t* msg, int len, int ok);
    static void on_set_rx_type(void* user_data, int type, int bit_rate, int short_train, int use_hdlc);
    static void on_send_hdlc(void* user_data, const uint8_t* msg, int len);
    static int on_phase_b(t30_state_t* s, void* user_data, int fcf);
    static int on_phase_d(t30_state_t* s, void* user_data, int fcf);
    static void on_phase_e(t30_state_t* s, void* user_data, int completion_code);
    static int on_document(t30_state_t* s, void* user_data, int status);
    static int on_row(void* user_data, uint8_t buf[], size_t len);
    void hdlc(const uint8_t* msg, int len, int ok);
    void frame_sent(std::span<const uint8_t> frame);
    void deliver(const std::vector<HdlcEvent>& events);
    void patch_hdlc_rx();

    struct Free {
        void operator()(fax_state_t* s) const noexcept;
    };
    Class2T30Listener& listener_;
    std::unique_ptr<fax_state_t, Free> state_;
    std::string tag_;
    std::string tx_file_;
    std::vector<int16_t> scratch_;
    t30_set_handler_t* orig_set_rx_ = nullptr;
    void* orig_set_rx_user_ = nullptr;
    t30_send_hdlc_handler_t* orig_send_hdlc_ = nullptr;
    void* orig_send_hdlc_user_ = nullptr;
    // The last post-page message T.30 sent ended a page that more pages follow: MPS, or in
    // ECM PPS-MPS / EOR-MPS. Only an answer to that accepts a page (see hdlc()).
    bool page_mps_sent_ = false;
    bool holding_ = false;
    HoldFor hold_for_ = HoldFor::Dis;
    bool release_at_burst_end_ = false;
    AfterRelease after_release_;
    std::vector<uint8_t> next_rows_;
    std::size_t next_row_bytes_ = 0;
    std::size_t next_row_pos_ = 0;
    std::vector<HdlcEvent> burst_;  // the V.21 burst being received while holding
    std::vector<HdlcEvent> held_;   // the latest complete burst that carried DIS
};

// Page data as a Class 2.0 DTE sends or receives it (T.4/T.6, first bit in the LSB of each
// byte, +FBO=0), to and from one-page fax TIFFs, with SpanDSP's T.4 codec.
struct T4PageFormat {
    int encoding = 1;  // T4_COMPRESSION_ITU_T4_1D / _2D / _T6
    bool fine = true;  // 196 lines per inch (else 98)
    int width = 1728;
};
// Decodes `data` into a new one-page TIFF at `path`; returns the number of rows.
Result<int> write_t4_page_tiff(const std::string& path, std::span<const uint8_t> data, const T4PageFormat& format);
// Decodes `data` into rows (format.width pixels, 1 = black, MSB first), the form T.4's
// row hooks use. `scratch_path` is a file SpanDSP's decoder insists on creating.
Result<std::vector<uint8_t>> decode_t4_page_rows(const std::string& scratch_path, std::span<const uint8_t> data,
                                                 const T4PageFormat& format);
struct EncodedPage {
    std::vector<uint8_t> data;
    int rows = 0;
    bool fine = true;
    int width = 1728;
};
// Encodes page `page` (0-based) of a TIFF in `encoding`, ending with RTC (T.4) or EOFB (T.6).
Result<EncodedPage> encode_tiff_page(const std::string& path, int page, int encoding);

// ---------------------------------------------------------------- line noise

class AwgnSource {
public:
    static Result<std::unique_ptr<AwgnSource>> create(int seed, double dbm0);
    ~AwgnSource();
    AwgnSource(const AwgnSource&) = delete;
    AwgnSource& operator=(const AwgnSource&) = delete;
    // Adds noise to every sample (saturating).
    void add_to(std::span<int16_t> audio);

private:
    AwgnSource() = default;
    struct Free {
        void operator()(awgn_state_t* s) const noexcept;
    };
    std::unique_ptr<awgn_state_t, Free> state_;
};

}  // namespace fax::sim::detail
