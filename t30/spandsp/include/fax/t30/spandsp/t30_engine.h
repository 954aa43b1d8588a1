// T30Engine: SpanDSP's T.30 protocol engine (t30_state_t) for a session on the host, with
// a front end of the caller's making (the Class 1 modem). It owns the state, registers
// the C callbacks (their trampolines are in c_callbacks.cpp) and speaks C++ both ways:
// the engine's requests reach a T30Listener as typed values; what the front end heard is
// handed in through the methods below. No SpanDSP type or T30_ERR_* code leaves it: the
// call's end arrives as a typed CallEnd (call_end.h keeps the one map).
//
// Like every protocol engine here it reads no clock: timer_update() hands it the time
// that passed (T.30 §5.4.3 timers T0-T5 run on it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/t30/call_session.h"
#include "fax/t30/spandsp/modem_request.h"

struct t30_state_s;

namespace fax::t30::spandsp {

struct T30Config {
    bool calling_party = false;
    std::string local_ident;  // our TSI or CSI (T.30 §5.3.6.2.4), at most 20 characters
    bool ecm = true;
    bool mh = true, mr = true, mmr = true;  // MMR (T.6) is offered only with ECM
    bool v27ter = true, v29 = true, v17 = true;
    std::string tx_file;  // the fax TIFF to send (calling party)
    std::string rx_file;  // where received pages go (answering party)
};

// The transfer figures SpanDSP keeps (t30_get_transfer_statistics).
struct T30Stats {
    int bit_rate = 0;
    bool ecm = false;
    std::string compression;  // "MH", "MR", "MMR" or empty
    int pages_tx = 0;
    int pages_rx = 0;
};

// The receiver's answer to a page (T.30 §5.3.6.1.5 post-message responses).
struct PostPageResponse {
    std::string name;        // "MCF", "RTP", "RTN", "PIP", "PIN", "PPR", ... or "0xNN"
    bool confirmed = false;  // MCF or RTP: the page arrived
};

// Phase E: how the engine ended the call.
struct T30Completion {
    CallEnd end = CallEnd::None;
    int code = 0;      // SpanDSP's completion code, for logs only
    std::string text;  // its text, for logs only
    T30Stats stats;
};

class T30Listener {
public:
    // set_rx_type / set_tx_type: what to receive or send with next. Record them; act later
    // (they arrive from inside the engine's own calls).
    virtual void t30_rx_request(const ModemRequest& request) = 0;
    virtual void t30_tx_request(const ModemRequest& request) = 0;
    // An HDLC frame to send, without FCS; an empty frame ends the burst.
    virtual void t30_send_hdlc(std::span<const uint8_t> frame) = 0;
    // Phase B: the remote's station id (trimmed). False refuses it: the engine ends the
    // call with DCN before any page.
    virtual bool t30_remote_ident(const std::string& ident) = 0;
    // Phase D: the remote's answer after a page was sent, or a page was received.
    virtual void t30_page_done(const PostPageResponse& response) = 0;
    // Phase E.
    virtual void t30_call_ended(const T30Completion& completion) = 0;

protected:
    ~T30Listener() = default;
};

class T30Engine {
public:
    // The listener hears requests already from inside create() (t30_init restarts the
    // engine); it must outlive the engine.
    static Result<std::unique_ptr<T30Engine>> create(const T30Config& config, T30Listener& listener);
    ~T30Engine();
    T30Engine(const T30Engine&) = delete;
    T30Engine& operator=(const T30Engine&) = delete;

    // Time passed since the last update; ignored once the call has ended.
    void timer_update(Samples elapsed);
    // The transmit step asked for (a frame, a burst, image data, a pause) is done; ignored
    // once the call has ended.
    void send_step_complete();
    // Ends the call as soon as possible (DCN if in a call); phase E follows.
    void terminate();

    // Receive path, HDLC (V.21 control frames, and ECM image frames): a frame without its
    // FCS and whether the FCS was good, or a signal report.
    void hdlc_frame(std::span<const uint8_t> frame, bool ok);
    void hdlc_signal(RxSignal signal);
    // Receive path, non-ECM image data (and TCF), first bit in the LSB as Class 1 gives it.
    void non_ecm_data(std::span<const uint8_t> data);
    void non_ecm_signal(RxSignal signal);
    // Transmit path, non-ECM image data (and TCF) in the same bit order: fills `out`,
    // returns how many bytes; fewer than out.size() means the data end here.
    std::size_t non_ecm_fill(std::span<uint8_t> out);

    bool ended() const { return ended_; }
    T30Stats stats() const;

private:
    friend struct CCallbacks;
    T30Engine(const T30Config& config, T30Listener& listener);
    // From the C callbacks (c_callbacks.cpp).
    void on_rx_type(int type, int bit_rate, int short_train, int use_hdlc);
    void on_tx_type(int type, int bit_rate, int short_train, int use_hdlc);
    void on_send_hdlc(const uint8_t* msg, int len);
    int on_phase_b();
    int on_phase_d(int fcf);
    void on_phase_e(int completion_code);

    struct Free {
        void operator()(t30_state_s* s) const noexcept;
    };
    T30Config config_;
    T30Listener& listener_;
    std::unique_ptr<t30_state_s, Free> state_;
    bool ended_ = false;
};

}  // namespace fax::t30::spandsp
