// Exchange: a simulated telephone exchange. It connects two lines per call and
// carries 8 kHz 16-bit linear audio between them in lock step, with the call
// progress a real exchange gives: ringing at a cadence, busy, no answer, no dial
// tone, number unobtainable, and release when either side hangs up.
//
// What a caller sees (all delays are simulated time, see ExchangeOptions):
//   - the called line is free           → it rings every ring_cadence until answered;
//                                          after ring_limit unanswered rings the caller
//                                          gets NoAnswer and the ringing stops.
//   - the called line is in a call, off hook, or set_busy() → Busy after post_dial_delay.
//   - set_no_answer(number)             → rings (nobody there) until ring_limit → NoAnswer.
//   - the number does not exist         → Unobtainable after unobtainable_delay. A real
//                                          exchange plays a "number unobtainable" tone or
//                                          announcement; a fax modem does not recognise it
//                                          and reports NO CARRIER when it gives up, so that
//                                          is what a simulated modem reports.
//   - the calling line is set_no_dialtone() → NoDialtone after dialtone_wait.
// A request (dial, answer, hang up) from a line is acted on at the start of the
// next step, so a line may make one from inside any notification.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/time.h"

namespace fax::sim {

// Why an outgoing call did not get through.
enum class CallFailure { Busy, NoAnswer, NoDialtone, Unobtainable };

// The subscriber equipment on a line (a simulated modem or a reference
// terminal), as the exchange sees it.
class LineEndpoint {
public:
    virtual ~LineEndpoint() = default;

    // ---- signalling from the exchange ----
    virtual void ring(int ring_number) = 0;             // one ring of an incoming call (1, 2, ...)
    virtual void call_connected() = 0;                  // our outgoing call was answered
    virtual void call_answered() = 0;                   // our answer completed an incoming call
    virtual void call_failed(CallFailure why) = 0;      // our outgoing call did not get through
    virtual void far_end_hung_up() = 0;                 // the call (or incoming ringing) ended from the other side
    // True if the equipment is off hook waiting for a call (ATA before any ring):
    // an incoming call is then answered at once, without ringing.
    virtual bool answers_on_arrival() const { return false; }
    // True while the equipment is off hook outside a call (ATH1): callers get Busy.
    virtual bool off_hook_idle() const { return false; }

    // ---- audio, once per step, in and out of a call ----
    // Fill all of `out` (pad with silence); called before audio_rx of the same step.
    virtual void audio_tx(std::span<int16_t> out) = 0;
    virtual void audio_rx(std::span<const int16_t> in) = 0;
    // After all lines have exchanged this step's audio.
    virtual void step_done(Samples now) { (void)now; }
};

struct CallEvent {
    enum class Kind { Dialing, Ringing, Answered, Busy, NoAnswer, NoDialtone, Unobtainable, HangUp };
    Kind kind = Kind::Dialing;
    Samples time{0};        // simulated time of the event
    std::string from;       // calling line
    std::string to;         // called number (digits as dialled)
    int ring = 0;           // Ringing: ring number
    std::string by;         // HangUp: the number that hung up
    Samples duration{0};    // HangUp: time since Answered (0 if never answered)

    // One printable line, e.g. "   12.340 s  5551001 -> 5551009  hang-up by 5551009, call 35.2 s".
    std::string describe() const;
};

std::string_view to_string(CallEvent::Kind kind);

struct ExchangeOptions {
    Samples post_dial_delay = Samples{8000};         // dial → first ring / busy (1 s)
    Samples ring_cadence = Samples{6 * 8000};        // one ring every 6 s
    int ring_limit = 8;                              // unanswered rings before NoAnswer
    Samples dialtone_wait = Samples{2 * 8000};       // S6-like wait before NoDialtone
    Samples unobtainable_delay = Samples{5 * 8000};  // dial → Unobtainable (modem: NO CARRIER)
};

class Exchange {
public:
    explicit Exchange(ExchangeOptions options = {});
    ~Exchange();
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    // ---- configuration ----
    // Lends `endpoint` to the exchange under `number`; it must outlive the exchange's use of it.
    void add_line(const std::string& number, LineEndpoint& endpoint);
    bool has_line(const std::string& number) const;
    // Calls to `number` get Busy (the number need not have a line).
    void set_busy(const std::string& number, bool on = true);
    // Calls to `number` ring until ring_limit, then NoAnswer (the number need not have a line).
    void set_no_answer(const std::string& number, bool on = true);
    // Calls from the line `number` get NoDialtone.
    void set_no_dialtone(const std::string& number, bool on = true);
    // Adds white Gaussian noise at `dbm0` to the audio delivered to `number`'s line.
    void set_line_noise(const std::string& number, double dbm0);
    void set_ring_limit(int rings) { options_.ring_limit = rings; }
    const ExchangeOptions& options() const { return options_; }

    void set_event_handler(std::function<void(const CallEvent&)> handler) { on_event_ = std::move(handler); }
    const std::vector<CallEvent>& events() const { return events_; }

    // ---- requests from lines (acted on at the start of the next step) ----
    // Non-digits in `dial_string` are ignored.
    void dial(const std::string& from, const std::string& dial_string);
    void answer(const std::string& from);
    void hang_up(const std::string& from);

    // ---- state ----
    bool in_call(const std::string& number) const;    // connected to another line
    bool engaged(const std::string& number) const;    // dialling, ringing or connected
    std::optional<std::string> peer(const std::string& number) const;

    // One step of `tick` samples ending at `now` + tick: requests, call timers,
    // then audio for every line, then step_done on every line.
    void step(Samples now, Samples tick);

private:
    struct Line;
    struct Call;
    struct Request;

    Line* find_line(const std::string& number);
    const Line* find_line(const std::string& number) const;
    Call* find_call(const std::string& number);
    const Call* find_call(const std::string& number) const;
    void process_request(const Request& r, Samples now);
    void run_timers(Samples now);
    void start_call(const std::string& from, const std::string& digits, Samples now);
    void fail_call(Call& call, Samples now);
    void end_call(Call& call, const std::string& by, Samples now);
    void remove_call(const Call& call);
    void connect(Call& call, Samples now);
    void emit(CallEvent ev);

    ExchangeOptions options_;
    std::map<std::string, std::unique_ptr<Line>> lines_;
    std::map<std::string, bool> busy_numbers_;
    std::map<std::string, bool> no_answer_numbers_;
    std::map<std::string, bool> no_dialtone_lines_;
    std::vector<std::unique_ptr<Call>> calls_;
    std::vector<Request> requests_;
    std::vector<CallEvent> events_;
    std::function<void(const CallEvent&)> on_event_;
};

}  // namespace fax::sim
