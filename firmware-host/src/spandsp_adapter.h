// RAII owners for the SpanDSP objects the simulator uses, and the one place
// where SpanDSP's C callbacks (void *user_data) are turned into calls on C++
// interfaces (STYLE.md §5). Nothing outside spandsp_adapter.cpp registers a
// SpanDSP callback.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
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
    bool echo() const;
    // 1 = verbose (text) result codes, 2 = numeric, anything else = none (ATQ1).
    int result_code_format() const;
    char s3() const;  // command line terminator (normally CR)
    // Emits an AT_RESPONSE_CODE_* through the interpreter (respects V0/Q1).
    void put_response_code(int code);
    // Emits an information text line through the interpreter ("\r\n<text>\r\n" when verbose).
    void put_response(const std::string& text);

private:
    explicit T31Engine(T31Listener& listener);
    static int on_at_tx(at_state_t* s, void* user_data, const uint8_t* buf, size_t len);
    static int on_control(t31_state_t* s, void* user_data, int op, const char* num);

    struct Free {
        void operator()(t31_state_t* s) const noexcept;
    };
    T31Listener& listener_;
    std::unique_ptr<t31_state_t, Free> state_;
    std::string tag_;
    std::vector<int16_t> scratch_;
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

class FaxEngine {
public:
    static Result<std::unique_ptr<FaxEngine>> create(const FaxConfig& config, FaxListener& listener,
                                                     const std::string& log_tag);
    ~FaxEngine();
    FaxEngine(const FaxEngine&) = delete;
    FaxEngine& operator=(const FaxEngine&) = delete;

    std::size_t tx(std::span<int16_t> out);
    void rx(std::span<const int16_t> in);
    // The line dropped: ends the session (phase E fires if it was still running).
    void terminate();
    FaxStats stats() const;
    std::string remote_ident() const;

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

std::string completion_text(int t30_completion_code);

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
