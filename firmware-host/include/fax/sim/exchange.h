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
//
// Line faults (set_line_faults, LineFaults below; textual form in line_fault_spec.h)
// act on every call of the line they are set on, in simulated time and
// reproducibly (every random choice comes from a seed):
//   - noise, gain, echo and dropouts change the audio delivered TO that line, so a
//     fault on the receiver's line hits the page data, one on the sender's line
//     the receiver's answers; set both for a line that is bad both ways;
//   - a drop makes the exchange release the call: once connected, both ends are told
//     the far end hung up (a modem reports NO CARRIER, a terminal ends its T.30
//     session) and a HangUp event "by exchange" is recorded; before the answer the
//     ringing stops and the caller gets Unobtainable (a modem: NO CARRIER);
//   - busy / no_answer / no_dialtone add to set_busy / set_no_answer /
//     set_no_dialtone.
// A drop is acted on at the start of the first step at or after its time, so it
// falls within one tick (20 ms in a default Simulation) of the configured point.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/time.h"

namespace fax::sim {

// Why an outgoing call did not get through.
enum class CallFailure { Busy, NoAnswer, NoDialtone, Unobtainable };

// What a connected call carries (ExchangeOptions::line_kind):
//   Audio — 8 kHz 16-bit linear audio, the analogue line;
//   T38   — T.38 IFP packets (ITU-T T.38, as a SIP trunk or fax gateway carries fax over IP):
//           the fax signals are sent as indicators and data fields, no audio at all. Two
//           packet-capable endpoints exchange packets directly; an endpoint that has only
//           audio (set_behind_gateway, or equipment without T.38) reaches the packet side
//           through a T.38 gateway (SpanDSP t38_gateway) the exchange puts on its line.
enum class LineKind { Audio, T38 };
std::string_view to_string(LineKind kind);

// Where an endpoint sends the T.38 packets it emits. `ifp` is one IFP packet as
// t38_core encodes it, `seq` its sequence number, `count` how many copies the
// sender's redundancy setting asks for (repeats of the same sequence number).
class IfpSink {
public:
    virtual void ifp_send(std::span<const uint8_t> ifp, std::uint16_t seq, int count) = 0;

protected:
    ~IfpSink() = default;
};

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

    // ---- T.38 packets (only equipment that speaks T.38 overrides these) ----
    virtual bool t38_capable() const { return false; }
    // Called when a call connects, before call_answered/call_connected: the call carries
    // `kind`. With LineKind::T38, packets go to `sink` (valid for the endpoint's lifetime)
    // and audio_tx/audio_rx are not called until the call ends; the endpoint goes back to
    // audio by itself when the call ends (hang-up either side).
    virtual void media_selected(LineKind kind, IfpSink& sink) {
        (void)kind;
        (void)sink;
    }
    // The T.38 clock of a T.38 call: `dt` samples pass (0: only run what is due now).
    virtual void t38_advance(Samples dt) { (void)dt; }
    // Samples until the endpoint next has something to send or time out, if anything is pending.
    virtual std::optional<Samples> t38_next_due() const { return std::nullopt; }
    // One IFP packet from the far end (each packet once; the channel drops nothing itself).
    virtual void ifp_received(std::span<const std::uint8_t> ifp, std::uint16_t seq) {
        (void)ifp;
        (void)seq;
    }
};

struct CallEvent {
    enum class Kind { Dialing, Ringing, Answered, Busy, NoAnswer, NoDialtone, Unobtainable, HangUp };
    Kind kind = Kind::Dialing;
    Samples time{0};        // simulated time of the event
    std::string from;       // calling line
    std::string to;         // called number (digits as dialled)
    int ring = 0;           // Ringing: ring number
    std::string by;         // HangUp: the number that hung up, or "exchange" for a line-fault drop
    std::string cause;      // HangUp by "exchange": the fault, e.g. "line drop 12.500 s after answer"
    Samples duration{0};    // HangUp: time since Answered (0 if never answered)

    // One printable line, e.g. "   12.340 s  5551001 -> 5551009  hang-up by 5551009, call 35.2 s".
    std::string describe() const;
};

std::string_view to_string(CallEvent::Kind kind);

// CallEvent::by of a call the exchange released because of a line fault.
inline constexpr const char* kReleasedByExchange = "exchange";

// Faults on one line (see the header comment). Durations are simulated time.
struct LineFaults {
    // White Gaussian noise added to the audio delivered to the line, in dBm0 as SpanDSP's
    // awgn_init_dbm0 defines it (rms = 32768 * 10^((dBm0 - 6.16) / 20)).
    std::optional<double> noise_dbm0;
    // Gain applied to the audio delivered to the line, in dB (negative: attenuation).
    double gain_db = 0;
    // The line's own transmitted audio comes back `delay` later at `level_db`
    // (talker echo from a hybrid), added to what it hears.
    struct Echo {
        Samples delay{0};
        double level_db = -20;
        bool operator==(const Echo&) const = default;
    };
    std::optional<Echo> echo;
    // Silence bursts: the audio delivered to the line is muted for `length` every
    // `period`, the first burst `period` after the answer.
    struct Dropouts {
        Samples length{0};
        Samples period{0};
        bool operator==(const Dropouts&) const = default;
    };
    std::optional<Dropouts> dropouts;
    // The exchange releases the call this long after the answer ("after N samples
    // of audio": the line carries audio from the answer on, one sample per 1/8000 s).
    std::optional<Samples> drop_after_answer;
    // The exchange releases the call this long after the dial, answered or not.
    std::optional<Samples> drop_after_dial;
    // A drop at a point drawn uniformly from [from, to) after the answer, one draw
    // per call from a generator seeded with `seed` when the faults are set.
    struct RandomDrop {
        std::uint64_t seed = 0;
        Samples from{0};
        Samples to{60 * 8000};
        bool operator==(const RandomDrop&) const = default;
    };
    std::optional<RandomDrop> drop_random;
    bool busy = false;         // calls to the line get Busy
    bool no_answer = false;    // calls to the line ring until ring_limit, then NoAnswer
    bool no_dialtone = false;  // calls from the line get NoDialtone
    // Seeds the noise generator; unset: a fixed seed derived from the number.
    std::optional<std::uint32_t> noise_seed;
    // What happens to the T.38 datagrams delivered TO the line on a T.38 call (audio
    // faults do not apply there, and these do not apply to audio). Every datagram draws
    // loss, jitter and reorder in that order from one generator per direction and call,
    // seeded from `seed` (unset: derived from the number), so a run is reproducible and
    // setting one knob does not change another's pattern.
    struct Packets {
        double loss = 0;             // probability a loss event starts at a datagram (0..1)
        int burst = 1;               // datagrams lost per loss event
        Samples delay{0};            // one-way delay
        Samples jitter{0};           // extra delay drawn uniformly from [0, jitter)
        double reorder = 0;          // probability a datagram is held back by reorder_by
        Samples reorder_by{240};     // 30 ms: it arrives after the next one
        int redundancy = 0;          // UDPTL redundancy (T.38 Annex D): earlier IFPs carried per datagram, 0..4
        std::optional<std::uint64_t> seed;
        bool operator==(const Packets&) const = default;
    };
    std::optional<Packets> packets;

    bool operator==(const LineFaults&) const = default;
};

struct ExchangeOptions {
    Samples post_dial_delay = Samples{8000};         // dial → first ring / busy (1 s)
    Samples ring_cadence = Samples{6 * 8000};        // one ring every 6 s
    int ring_limit = 8;                              // unanswered rings before NoAnswer
    Samples dialtone_wait = Samples{2 * 8000};       // S6-like wait before NoDialtone
    Samples unobtainable_delay = Samples{5 * 8000};  // dial → Unobtainable (modem: NO CARRIER)
    LineKind line_kind = LineKind::Audio;            // what connected calls carry
    int t38_version = 0;                             // T.38 version both ends and gateways use (0..3)
};

// T.38 datagrams delivered to one line, over all its calls (Exchange::packet_stats).
struct PacketStats {
    std::uint64_t sent = 0;       // datagrams sent towards the line (repeats included)
    std::uint64_t lost = 0;       // dropped by the line's packet faults
    std::uint64_t delivered = 0;  // datagrams that arrived
    std::uint64_t recovered = 0;  // IFPs lost in their own datagram but taken from a later one's redundancy
    std::uint64_t reordered = 0;  // datagrams held back by the reorder fault
    std::uint64_t ifp = 0;        // IFP packets handed to the endpoint (repeats included)
    bool operator==(const PacketStats&) const = default;
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
    // Adds white Gaussian noise at `dbm0` to the audio delivered to `number`'s line
    // (the same as setting LineFaults::noise_dbm0, keeping the line's other faults).
    void set_line_noise(const std::string& number, double dbm0);
    // Replaces the faults of `number` (the line may be added later); takes effect from
    // the next call, audio faults also on a call in progress. {} clears them.
    void set_line_faults(const std::string& number, LineFaults faults);
    // The faults set on `number` ({} if none).
    LineFaults line_faults(const std::string& number) const;
    void set_ring_limit(int rings) { options_.ring_limit = rings; }
    // On a T.38 exchange: `number`'s equipment is analogue behind a T.38 gateway (an ATA),
    // so its calls run through a SpanDSP t38_gateway. No effect on an audio exchange.
    void set_behind_gateway(const std::string& number, bool on = true);
    bool behind_gateway(const std::string& number) const;
    // What the calls of `number` have carried in datagrams ({} if none).
    PacketStats packet_stats(const std::string& number) const;
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
    class MediaPath;
    class LinePort;

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
    struct FaultState;
    FaultState* fault_state(const std::string& number);
    const LineFaults* faults_of(const std::string& number) const;
    void arm_faults(Call& call, const std::string& number, bool at_answer, Samples now);
    void drop_call(Call& call, Samples now);
    void apply_audio_faults(Line& line, FaultState& fs, const Call& call, Samples now);
    void select_media(Call& call);

    ExchangeOptions options_;
    std::map<std::string, std::unique_ptr<Line>> lines_;
    std::map<std::string, std::unique_ptr<FaultState>> faults_;
    std::map<std::string, bool> busy_numbers_;
    std::map<std::string, bool> no_answer_numbers_;
    std::map<std::string, bool> no_dialtone_lines_;
    std::map<std::string, bool> behind_gateway_;
    std::map<std::string, PacketStats> packet_stats_;
    std::uint64_t media_calls_ = 0;
    std::vector<std::unique_ptr<Call>> calls_;
    std::vector<Request> requests_;
    std::vector<CallEvent> events_;
    std::function<void(const CallEvent&)> on_event_;
};

}  // namespace fax::sim
